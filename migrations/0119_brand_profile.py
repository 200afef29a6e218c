"""The brand's profile (name, logo, customer-service phone and WeChat), one row, edited on the console."""
import datetime

from peewee import AutoField, CharField, DateTimeField, Model


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class BrandProfile(Base):
        id = AutoField()
        name = CharField(max_length=32)
        logo = CharField(max_length=96, default="")
        service_phone = CharField(max_length=20, default="")
        service_wechat = CharField(max_length=32, default="")
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

    db.create_tables([BrandProfile])


def down(migrator, db):
    db.execute_sql("DROP TABLE brand_profile")
