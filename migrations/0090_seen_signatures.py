"""The (timestamp, nonce) pairs /wechat requests were signed with, so one signature cannot carry a second body."""
import datetime

from peewee import AutoField, CharField, DateTimeField, Model


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class SeenSignature(Base):
        id = AutoField()
        key = CharField(max_length=96, unique=True)
        body_sha256 = CharField(max_length=64)
        created_at = DateTimeField(default=datetime.datetime.utcnow, index=True)

    db.create_tables([SeenSignature])


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS seen_signature")
