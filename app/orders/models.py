"""Orders: the order with its priced lines, its event log, refunds, and the promotions and shipping templates
that price it.

Report columns are denormalised on purpose: `paid_at` is copied onto each line at
payment, and the covering indexes below let the reports aggregate lines and
orders without touching the table rows. The product and region indexes lead with
the grouped columns, so a report reads its index in group order (no temporary
table): about as fast as a plain scan of the table, whatever the period. Twin
indexes leading with `paid_at` serve short periods (the dashboard's 30 days).
"""
from peewee import (AutoField, BigAutoField, BigIntegerField, BooleanField, Check, CharField, CompositeKey,
                    DateField, DateTimeField, ForeignKeyField, IntegerField, TextField)

from app.agents.models import Agent, AgentLevel
from app.catalog.models import Product
from app.clock import utcnow
from app.database import BaseModel
from app.inventory.models import Warehouse


class Order(BaseModel):
    """A purchase order of an agent (buyer_agent) or of a direct customer (buyer_agent NULL).

    `idempotency_scope` is who placed it ("agent:<id>" or "admin:<id>"); with
    `idempotency_key` it is unique, so a retried placement finds the first order.
    Amounts are the pricing breakdown at placement, in fen.
    """

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
    to_cloud = BooleanField(default=False)    # bought into the buyer's cloud stock (云仓): stored, never shipped
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
    proof_submitted_at = DateTimeField(null=True)
    carrier = CharField(max_length=32, default="")
    tracking_no = CharField(max_length=64, default="")
    created_at = DateTimeField(default=utcnow)
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
            (("paid_at", "province", "city", "units", "refunded_units", "total_fen", "refunded_fen"), False),
        )
        constraints = [Check("refunded_fen >= 0"), Check("refunded_fen <= total_fen")]


class OrderLine(BaseModel):
    """One product of an order at the prices true when it was placed; `paid_fen` is after its discount share."""

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
            (("paid_at", "product", "quantity", "refunded_quantity", "paid_fen", "refunded_fen"), False),
        )
        constraints = [Check("quantity > 0"), Check("refunded_quantity >= 0"),
                       Check("refunded_quantity <= quantity")]


class OrderEvent(BaseModel):
    """One step of an order's life: the action, the states before and after, who, why, when."""

    id = BigAutoField()
    order = ForeignKeyField(Order, backref="events", on_delete="CASCADE")
    action = CharField(max_length=24)
    from_state = CharField(max_length=24, default="")
    to_state = CharField(max_length=24)
    actor = CharField(max_length=48)
    reason = CharField(max_length=255, default="")
    created_at = DateTimeField(default=utcnow)


class OrderRefund(BaseModel):
    """Money given back on an order, whole or some lines; `goods_back` says whether goods came back to stock."""

    id = AutoField()
    order = ForeignKeyField(Order, backref="refunds", on_delete="CASCADE")
    whole_order = BooleanField()
    goods_back = BooleanField()
    amount_fen = BigIntegerField()
    shipping_fen = BigIntegerField(default=0)
    reason = CharField(max_length=255)
    actor = CharField(max_length=48)
    created_at = DateTimeField(default=utcnow)


class OrderRefundLine(BaseModel):
    """How many units of one order line a refund gave back, and for how much."""

    id = AutoField()
    refund = ForeignKeyField(OrderRefund, backref="lines", on_delete="CASCADE")
    order_line = ForeignKeyField(OrderLine, on_delete="CASCADE")
    quantity = IntegerField()
    amount_fen = BigIntegerField()


class WechatPayment(BaseModel):
    """An order's payment through WeChat Pay APIv3 (JSAPI), recorded before WeChat is asked, so that an
    unknown outcome (timeout, no notification) is settled by a later query.

    status: started (prepay asked for) → paid | closing (order cancelled: close it at WeChat) → closed.
    `expires_at` and `payer_openid` are what the first request sent: a retry sends the same order.
    """

    id = AutoField()
    order = ForeignKeyField(Order, unique=True, on_delete="CASCADE")
    out_trade_no = CharField(max_length=32, unique=True)
    amount_fen = BigIntegerField()
    payer_openid = CharField(max_length=128)
    expires_at = DateTimeField()
    prepay_id = CharField(max_length=64, default="")
    status = CharField(max_length=16, default="started")
    transaction_id = CharField(max_length=32, default="")
    created_at = DateTimeField(default=utcnow)
    checked_at = DateTimeField(null=True)
    paid_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "checked_at"), False),)


class WechatRefund(BaseModel):
    """A refund sent back through WeChat Pay (its own `out_refund_no`): `refunding` until WeChat's notification
    or a query says SUCCESS (`succeeded`: the books are written then, `order_refund`) or it failed (`failed`:
    nothing written). `lines` is the JSON plan [{"line_id", "quantity", "amount_fen"}] the amount was made of.
    """

    id = AutoField()
    order = ForeignKeyField(Order, backref="wechat_refunds", on_delete="CASCADE")
    out_refund_no = CharField(max_length=64, unique=True)
    amount_fen = BigIntegerField()
    shipping_fen = BigIntegerField(default=0)
    whole_order = BooleanField()
    goods_back = BooleanField()
    lines = TextField(default="[]")
    reason = CharField(max_length=255)
    actor = CharField(max_length=48)
    status = CharField(max_length=16, default="refunding")
    refund_id = CharField(max_length=64, default="")
    failure = CharField(max_length=64, default="")
    order_refund = ForeignKeyField(OrderRefund, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)
    checked_at = DateTimeField(null=True)
    settled_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "checked_at"), False), (("settled_at", "status"), False))


PROMOTION_KINDS = ("amount_off", "level_discount")


class Promotion(BaseModel):
    """满减 (amount_off: `off_fen` off from `threshold_fen`) or a level's percentage discount (`discount_bp`)."""

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
    created_at = DateTimeField(default=utcnow)


class ShippingTemplate(BaseModel):
    """Shipping to one province ("" is the default for provinces without their own)."""

    id = AutoField()
    province = CharField(max_length=32, unique=True)
    first_unit_fen = BigIntegerField()
    additional_unit_fen = BigIntegerField(default=0)
    free_over_fen = BigIntegerField(null=True)
    updated_at = DateTimeField(default=utcnow)


class DailyRegionSales(BaseModel):
    """Paid orders per local day, region and buyer level (0: direct customers), net of refunds; kept by rollup.py."""

    day = DateField()
    province = CharField(max_length=32)
    city = CharField(max_length=32)
    level_id = IntegerField()
    orders = IntegerField(default=0)
    units = BigIntegerField(default=0)
    amount_fen = BigIntegerField(default=0)

    class Meta:
        primary_key = CompositeKey("day", "province", "city", "level_id")


class DailyProductSales(BaseModel):
    """Paid order lines per local day and product, net of refunds; kept by rollup.py."""

    day = DateField()
    product_id = IntegerField()
    orders = IntegerField(default=0)
    units = BigIntegerField(default=0)
    amount_fen = BigIntegerField(default=0)

    class Meta:
        primary_key = CompositeKey("day", "product_id")


class Parcel(BaseModel):
    """A shipped order's parcel as the logistics provider follows it (one per order, written at shipment).

    `subscription` is pending → subscribed (or failed after the last retry); the job retries at
    `next_attempt_at`. `callback_token` names the parcel in the callback URL given to the provider and
    `salt` keys the signature of its pushes. `state` is the provider's last state code ("" before any
    trace); `last_trace_at` the newest trace time, which the stuck watch measures from.
    """

    id = AutoField()
    order = ForeignKeyField(Order, unique=True, on_delete="CASCADE")
    carrier_code = CharField(max_length=32)
    tracking_no = CharField(max_length=64)
    phone = CharField(max_length=20, default="")
    subscription = CharField(max_length=16, default="pending")
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(null=True)
    last_error = CharField(max_length=255, default="")
    callback_token = CharField(max_length=48, unique=True)
    salt = CharField(max_length=32)
    state = CharField(max_length=8, default="")
    last_trace_at = DateTimeField(null=True)
    stuck_since = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("subscription", "next_attempt_at"), False),)


class ParcelEvent(BaseModel):
    """One line of a parcel's trace: when (UTC), where, what the carrier wrote and its status; stored once."""

    id = BigAutoField()
    parcel = ForeignKeyField(Parcel, backref="events", on_delete="CASCADE")
    digest = CharField(max_length=40)
    at = DateTimeField()
    place = CharField(max_length=64, default="")
    text = CharField(max_length=255)
    status = CharField(max_length=16, default="")

    class Meta:
        indexes = ((("parcel", "digest"), True), (("parcel", "at"), False))


class ParcelPush(BaseModel):
    """A provider push already taken (the digest of its signed body): the same body again is a replay."""

    id = BigAutoField()
    parcel = ForeignKeyField(Parcel, on_delete="CASCADE")
    digest = CharField(max_length=64, unique=True)
    received_at = DateTimeField(default=utcnow)


class TrackingLink(BaseModel):
    """The customer's share link of an order (`/t/<token>`); revoked links stop working, a new one replaces them."""

    id = AutoField()
    order = ForeignKeyField(Order, backref="tracking_links", on_delete="CASCADE")
    token = CharField(max_length=48, unique=True)
    show_prices = BooleanField(default=False)
    created_by = CharField(max_length=48)
    created_at = DateTimeField(default=utcnow)
    revoked_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("order", "revoked_at"), False),)
