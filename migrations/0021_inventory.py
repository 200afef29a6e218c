"""Warehouses and the stock ledger: stock rows (with CHECKs against overselling), moves, transfers,
stock-takes."""
import datetime

from peewee import (AutoField, BigAutoField, BooleanField, Check, CharField, DateTimeField, ForeignKeyField,
                    IntegerField, Model)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Product(Base):
        id = AutoField()

    class Warehouse(Base):
        id = AutoField()
        name = CharField(max_length=64, unique=True)
        address = CharField(max_length=255, default="")
        active = BooleanField(default=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class WarehouseProvince(Base):
        id = AutoField()
        warehouse = ForeignKeyField(Warehouse, on_delete="CASCADE")
        province = CharField(max_length=32, index=True)

        class Meta:
            indexes = ((("warehouse", "province"), True),)

    class Stock(Base):
        id = AutoField()
        warehouse = ForeignKeyField(Warehouse, on_delete="RESTRICT", index=False)
        product = ForeignKeyField(Product, on_delete="RESTRICT", index=False)
        on_hand = IntegerField(default=0)
        reserved = IntegerField(default=0)
        low_stock_threshold = IntegerField(null=True)

        class Meta:
            indexes = ((("warehouse", "product"), True), (("product", "warehouse"), False))
            constraints = [Check("on_hand >= 0"), Check("reserved >= 0"), Check("reserved <= on_hand")]

    class StockMove(Base):
        id = BigAutoField()
        warehouse = ForeignKeyField(Warehouse, on_delete="RESTRICT", index=False)
        product = ForeignKeyField(Product, on_delete="RESTRICT")
        kind = CharField(max_length=16)
        on_hand_delta = IntegerField(default=0)
        reserved_delta = IntegerField(default=0)
        reference = CharField(max_length=64, null=True)
        reason = CharField(max_length=255, default="")
        province = CharField(max_length=32, default="")
        actor = CharField(max_length=48, default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            indexes = (
                (("reference", "kind", "warehouse", "product"), True),
                (("warehouse", "product", "id"), False),
                (("kind", "created_at"), False),
            )

    class Transfer(Base):
        id = AutoField()
        from_warehouse = ForeignKeyField(Warehouse, on_delete="RESTRICT")
        to_warehouse = ForeignKeyField(Warehouse, on_delete="RESTRICT")
        status = CharField(max_length=16, default="in_transit", index=True)
        note = CharField(max_length=255, default="")
        actor = CharField(max_length=48, default="")
        dispatched_at = DateTimeField(default=datetime.datetime.utcnow)
        arrived_at = DateTimeField(null=True)

    class TransferLine(Base):
        id = AutoField()
        transfer = ForeignKeyField(Transfer, on_delete="CASCADE")
        product = ForeignKeyField(Product, on_delete="RESTRICT")
        quantity = IntegerField(constraints=[Check("quantity > 0")])

        class Meta:
            indexes = ((("transfer", "product"), True),)

    class StockTake(Base):
        id = AutoField()
        warehouse = ForeignKeyField(Warehouse, on_delete="RESTRICT")
        status = CharField(max_length=16, default="open", index=True)
        reason = CharField(max_length=255, default="")
        opened_by = CharField(max_length=48, default="")
        opened_at = DateTimeField(default=datetime.datetime.utcnow)
        posted_at = DateTimeField(null=True)

    class StockTakeCount(Base):
        id = AutoField()
        stock_take = ForeignKeyField(StockTake, on_delete="CASCADE")
        product = ForeignKeyField(Product, on_delete="RESTRICT")
        counted = IntegerField(constraints=[Check("counted >= 0")])

        class Meta:
            indexes = ((("stock_take", "product"), True),)

    db.create_tables([Warehouse, WarehouseProvince, Stock, StockMove, Transfer, TransferLine, StockTake,
                      StockTakeCount])


def down(migrator, db):
    for table in ("stock_take_count", "stock_take", "transfer_line", "transfer", "stock_move", "stock",
                  "warehouse_province", "warehouse"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
