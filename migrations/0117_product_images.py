"""Product photos: up to six per product, in the owner's order, the first one the cover."""
import datetime

from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, IntegerField, Model


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Product(Base):
        id = AutoField()

    class ProductImage(Base):
        id = AutoField()
        product = ForeignKeyField(Product, on_delete="RESTRICT")
        position = IntegerField()
        name = CharField(max_length=96)
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            indexes = ((("product", "position"), False),)

    db.create_tables([ProductImage])


def down(migrator, db):
    db.execute_sql("DROP TABLE product_image")
