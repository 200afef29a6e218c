"""Codes of dropshipped orders belong to the consignee's province: codes bound before carried the agent's, so the
customer's own scan was taken for 窜货."""
from peewee import BigAutoField, BigIntegerField, BooleanField, CharField, Model


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Order(Base):
        id = BigAutoField()
        province = CharField(max_length=32)
        dropship = BooleanField(default=False)

        class Meta:
            table_name = "sales_order"

    class Code(Base):
        id = BigAutoField()
        order_id = BigIntegerField(null=True)
        province = CharField(max_length=32, default="")

    dropshipped = Order.select(Order.id).where(Order.dropship == True)  # noqa: E712  (SQL, not Python)
    (Code.update(province=Order.select(Order.province).where(Order.id == Code.order_id))
     .where(Code.order_id.in_(dropshipped)).execute())


def down(migrator, db):
    """Nothing to undo: the agent's province these codes carried was the defect."""
