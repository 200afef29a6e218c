"""Wrong scratch-off PINs per code and source, so that a source is locked out and not the code for its owner."""
import datetime

from peewee import BigAutoField, CharField, DateTimeField, ForeignKeyField, Model


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Code(Base):
        id = BigAutoField()

    class CodePinFailure(Base):
        id = BigAutoField()
        code = ForeignKeyField(Code, on_delete="RESTRICT")
        ip = CharField(max_length=45)
        openid = CharField(max_length=64, default="")
        at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            indexes = ((("code", "ip"), False), (("code", "openid"), False))

    db.create_tables([CodePinFailure])


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS code_pin_failure")
