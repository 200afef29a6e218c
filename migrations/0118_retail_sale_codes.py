"""Codes an agent scans into a retail sale: each item code goes to one customer, once."""
from peewee import AutoField, BigAutoField, ForeignKeyField, Model


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class RetailSale(Base):
        id = AutoField()

    class Code(Base):
        id = BigAutoField()

    class RetailSaleCode(Base):
        id = AutoField()
        sale = ForeignKeyField(RetailSale, on_delete="CASCADE", index=True)
        code = ForeignKeyField(Code, on_delete="RESTRICT", unique=True)

    db.create_tables([RetailSaleCode])


def down(migrator, db):
    db.execute_sql("DROP TABLE retail_sale_code")
