"""Cloud stock (云仓): agents' units held in the warehouse, their moves, 转货 between agents, 提货 pickups; an
order may be bought into cloud stock (sales_order.to_cloud)."""
from peewee import (AutoField, BigAutoField, BigIntegerField, BooleanField, Check, CharField, DateTimeField,
                    ForeignKeyField, IntegerField, Model)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Agent(Base):
        id = AutoField()

    class Product(Base):
        id = AutoField()

    class Warehouse(Base):
        id = AutoField()

    class CloudStock(Base):
        id = AutoField()
        agent = ForeignKeyField(Agent, on_delete="RESTRICT", index=False)
        product = ForeignKeyField(Product, on_delete="RESTRICT", index=False)
        warehouse = ForeignKeyField(Warehouse, on_delete="RESTRICT", index=False)
        units = IntegerField(default=0)
        held_since = DateTimeField(null=True)
        updated_at = DateTimeField()

        class Meta:
            table_name = "cloud_stock"
            indexes = ((("agent", "product", "warehouse"), True), (("warehouse", "product"), False),
                       (("product", "held_since"), False))
            constraints = [Check("units >= 0")]

    class CloudMove(Base):
        id = BigAutoField()
        agent = ForeignKeyField(Agent, on_delete="RESTRICT", index=False)
        product = ForeignKeyField(Product, on_delete="RESTRICT")
        warehouse = ForeignKeyField(Warehouse, on_delete="RESTRICT")
        delta = IntegerField()
        reason = CharField(max_length=16)
        reference = CharField(max_length=64)
        actor = CharField(max_length=48, default="")
        created_at = DateTimeField()

        class Meta:
            table_name = "cloud_move"
            indexes = ((("reference", "reason", "agent", "product", "warehouse"), True),
                       (("agent", "product", "warehouse", "id"), False),
                       (("created_at",), False))

    class CloudTransfer(Base):
        id = AutoField()
        upline = ForeignKeyField(Agent, on_delete="RESTRICT")
        downline = ForeignKeyField(Agent, on_delete="RESTRICT", index=False)
        product = ForeignKeyField(Product, on_delete="RESTRICT")
        warehouse = ForeignKeyField(Warehouse, on_delete="RESTRICT")
        quantity = IntegerField(constraints=[Check("quantity > 0")])
        unit_price_fen = BigIntegerField()
        amount_fen = BigIntegerField()
        idempotency_key = CharField(max_length=64)
        request_hash = CharField(max_length=64)
        actor = CharField(max_length=48, default="")
        created_at = DateTimeField()

        class Meta:
            table_name = "cloud_transfer"
            indexes = ((("downline", "idempotency_key"), True), (("created_at",), False))

    class Pickup(Base):
        id = AutoField()
        agent = ForeignKeyField(Agent, on_delete="RESTRICT", index=False)
        warehouse = ForeignKeyField(Warehouse, on_delete="RESTRICT")
        status = CharField(max_length=16, default="waiting")
        idempotency_key = CharField(max_length=64)
        request_hash = CharField(max_length=64)
        consignee_name = CharField(max_length=64)
        consignee_phone = CharField(max_length=20)
        province = CharField(max_length=32)
        city = CharField(max_length=32, default="")
        district = CharField(max_length=32, default="")
        address = CharField(max_length=255)
        dropship = BooleanField(default=False)
        remark = CharField(max_length=255, default="")
        units = IntegerField()
        shipping_fen = BigIntegerField(default=0)
        carrier = CharField(max_length=32, default="")
        tracking_no = CharField(max_length=64, default="")
        actor = CharField(max_length=48, default="")
        created_at = DateTimeField()
        picked_at = DateTimeField(null=True)
        shipped_at = DateTimeField(null=True)
        closed_at = DateTimeField(null=True)

        class Meta:
            table_name = "cloud_pickup"
            indexes = ((("agent", "idempotency_key"), True), (("agent", "id"), False), (("status", "id"), False))

    class PickupLine(Base):
        id = AutoField()
        pickup = ForeignKeyField(Pickup, on_delete="CASCADE")
        product = ForeignKeyField(Product, on_delete="RESTRICT")
        product_name = CharField(max_length=64)
        quantity = IntegerField(constraints=[Check("quantity > 0")])

        class Meta:
            table_name = "cloud_pickup_line"
            indexes = ((("pickup", "product"), True),)

    db.create_tables([CloudStock, CloudMove, CloudTransfer, Pickup, PickupLine])
    migrator.migrate(migrator.add_column("sales_order", "to_cloud", BooleanField(default=False)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("sales_order", "to_cloud"))
    for table in ("cloud_pickup_line", "cloud_pickup", "cloud_transfer", "cloud_move", "cloud_stock"):
        db.execute_sql(f"DROP TABLE {table}")
