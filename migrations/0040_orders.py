"""Orders: orders, lines, the event log, refunds, promotions and shipping templates."""
import datetime

from peewee import (AutoField, BigAutoField, BigIntegerField, BooleanField, Check, CharField, DateTimeField,
                    ForeignKeyField, IntegerField, Model)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class AgentLevel(Base):
        id = AutoField()

    class Agent(Base):
        id = AutoField()

    class Product(Base):
        id = AutoField()

    class Warehouse(Base):
        id = AutoField()

    class Order(Base):
        id = AutoField()
        buyer_agent = ForeignKeyField(Agent, null=True, on_delete="RESTRICT", index=False)
        level = ForeignKeyField(AgentLevel, null=True, on_delete="RESTRICT")
        approver = ForeignKeyField(Agent, null=True, on_delete="RESTRICT", backref="+")
        placed_by = CharField(max_length=48)
        idempotency_scope = CharField(max_length=48)
        idempotency_key = CharField(max_length=64)
        request_hash = CharField(max_length=64)
        status = CharField(max_length=24)
        consignee_name = CharField(max_length=64)
        consignee_phone = CharField(max_length=20)
        province = CharField(max_length=32)
        city = CharField(max_length=32, default="")
        district = CharField(max_length=32, default="")
        address = CharField(max_length=255)
        dropship = BooleanField(default=False)
        remark = CharField(max_length=255, default="")
        units = IntegerField()
        subtotal_fen = BigIntegerField()
        level_discount_fen = BigIntegerField(default=0)
        promotion_discount_fen = BigIntegerField(default=0)
        promotion_name = CharField(max_length=64, default="")
        shipping_fen = BigIntegerField(default=0)
        total_fen = BigIntegerField()
        refunded_fen = BigIntegerField(default=0)
        refunded_units = IntegerField(default=0)
        warehouse = ForeignKeyField(Warehouse, null=True, on_delete="RESTRICT")
        payment_method = CharField(max_length=16, default="")
        payment_ref = CharField(max_length=64, default="")
        payment_proof = CharField(max_length=128, default="")
        carrier = CharField(max_length=32, default="")
        tracking_no = CharField(max_length=64, default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        payment_due_at = DateTimeField(null=True)
        paid_at = DateTimeField(null=True)
        shipped_at = DateTimeField(null=True)
        received_at = DateTimeField(null=True)
        closed_at = DateTimeField(null=True)

        class Meta:
            table_name = "sales_order"
            indexes = (
                (("idempotency_scope", "idempotency_key"), True),
                (("buyer_agent", "status", "id"), False),
                (("status", "payment_due_at"), False),
                (("status", "shipped_at"), False),
                (("status", "received_at"), False),
                (("approver", "status"), False),
                (("created_at", "status"), False),
                (("province", "city", "paid_at", "units", "refunded_units", "total_fen", "refunded_fen"), False),
                (("paid_at", "level", "units", "refunded_units", "total_fen", "refunded_fen"), False),
            )
            constraints = [Check("refunded_fen >= 0"), Check("refunded_fen <= total_fen")]

    class OrderLine(Base):
        id = AutoField()
        order = ForeignKeyField(Order, backref="lines", on_delete="CASCADE")
        product = ForeignKeyField(Product, on_delete="RESTRICT")
        product_name = CharField(max_length=64)
        quantity = IntegerField()
        unit_price_fen = BigIntegerField()
        discount_fen = BigIntegerField(default=0)
        paid_fen = BigIntegerField()
        unit_cost_fen = BigIntegerField(default=0)
        refunded_quantity = IntegerField(default=0)
        refunded_fen = BigIntegerField(default=0)
        paid_at = DateTimeField(null=True)

        class Meta:
            indexes = (
                (("order", "product"), True),
                (("product", "paid_at", "quantity", "refunded_quantity", "paid_fen", "refunded_fen"), False),
            )
            constraints = [Check("quantity > 0"), Check("refunded_quantity >= 0"),
                           Check("refunded_quantity <= quantity")]

    class OrderEvent(Base):
        id = BigAutoField()
        order = ForeignKeyField(Order, backref="events", on_delete="CASCADE")
        action = CharField(max_length=24)
        from_state = CharField(max_length=24, default="")
        to_state = CharField(max_length=24)
        actor = CharField(max_length=48)
        reason = CharField(max_length=255, default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class OrderRefund(Base):
        id = AutoField()
        order = ForeignKeyField(Order, backref="refunds", on_delete="CASCADE")
        whole_order = BooleanField()
        goods_back = BooleanField()
        amount_fen = BigIntegerField()
        shipping_fen = BigIntegerField(default=0)
        reason = CharField(max_length=255)
        actor = CharField(max_length=48)
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class OrderRefundLine(Base):
        id = AutoField()
        refund = ForeignKeyField(OrderRefund, backref="lines", on_delete="CASCADE")
        order_line = ForeignKeyField(OrderLine, on_delete="CASCADE")
        quantity = IntegerField()
        amount_fen = BigIntegerField()

    class Promotion(Base):
        id = AutoField()
        name = CharField(max_length=64)
        kind = CharField(max_length=16)
        threshold_fen = BigIntegerField(default=0)
        off_fen = BigIntegerField(default=0)
        level = ForeignKeyField(AgentLevel, null=True, on_delete="CASCADE")
        discount_bp = IntegerField(default=0)
        active = BooleanField(default=True)
        starts_at = DateTimeField(null=True)
        ends_at = DateTimeField(null=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class ShippingTemplate(Base):
        id = AutoField()
        province = CharField(max_length=32, unique=True)
        first_unit_fen = BigIntegerField()
        additional_unit_fen = BigIntegerField(default=0)
        free_over_fen = BigIntegerField(null=True)
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

    db.create_tables([Order, OrderLine, OrderEvent, OrderRefund, OrderRefundLine, Promotion, ShippingTemplate])


def down(migrator, db):
    for table in ("shipping_template", "promotion", "order_refund_line", "order_refund", "order_event", "order_line",
                  "sales_order"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
