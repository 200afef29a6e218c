"""Cloud stock (云仓): units an agent bought that stay in the brand's warehouse, held for it.

A CloudStock row holds an agent's units of one product in one warehouse; it always
equals the sum of its CloudMove rows and never goes below zero (a CHECK and guarded
UPDATEs). In the warehouse the same units are part of the Stock row's `reserved`
(posted with the stock move kinds `cloud_in` / `cloud_out`), so ordinary orders can
never sell them. A CloudTransfer (转货) moves units from an upline's row to a
downline's; a Pickup (提货) takes units out of cloud stock to be picked and shipped.
"""
from peewee import (AutoField, BigAutoField, BigIntegerField, BooleanField, Check, CharField, DateTimeField,
                    ForeignKeyField, IntegerField)

from app.agents.models import Agent
from app.catalog.models import Product
from app.clock import utcnow
from app.database import BaseModel
from app.inventory.models import Warehouse

MOVE_REASONS = ("purchase", "transfer_in", "transfer_out", "pickup", "pickup_cancel", "refund", "reversal")
PICKUP_STATUSES = ("waiting", "picking", "shipped", "cancelled")


class CloudStock(BaseModel):
    """An agent's cloud units of a product in a warehouse; `held_since` is when the row last went from 0 to >0."""

    id = AutoField()
    agent = ForeignKeyField(Agent, backref="+", on_delete="RESTRICT", index=False)
    product = ForeignKeyField(Product, backref="+", on_delete="RESTRICT", index=False)
    warehouse = ForeignKeyField(Warehouse, backref="+", on_delete="RESTRICT", index=False)
    units = IntegerField(default=0)
    held_since = DateTimeField(null=True)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "cloud_stock"
        indexes = ((("agent", "product", "warehouse"), True), (("warehouse", "product"), False),
                   (("product", "held_since"), False))
        constraints = [Check("units >= 0")]


class CloudMove(BaseModel):
    """One change of a CloudStock row, with its reason and the reference that caused it ("order:1", "transfer:2")."""

    id = BigAutoField()
    agent = ForeignKeyField(Agent, backref="+", on_delete="RESTRICT", index=False)
    product = ForeignKeyField(Product, backref="+", on_delete="RESTRICT")
    warehouse = ForeignKeyField(Warehouse, backref="+", on_delete="RESTRICT")
    delta = IntegerField()
    reason = CharField(max_length=16)
    reference = CharField(max_length=64)
    actor = CharField(max_length=48, default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "cloud_move"
        indexes = ((("reference", "reason", "agent", "product", "warehouse"), True),
                   (("agent", "product", "warehouse", "id"), False),
                   (("created_at",), False))


class CloudTransfer(BaseModel):
    """转货: a downline bought `quantity` units from its upline's cloud stock at the downline's level price."""

    id = AutoField()
    upline = ForeignKeyField(Agent, backref="+", on_delete="RESTRICT")
    downline = ForeignKeyField(Agent, backref="+", on_delete="RESTRICT", index=False)
    product = ForeignKeyField(Product, backref="+", on_delete="RESTRICT")
    warehouse = ForeignKeyField(Warehouse, backref="+", on_delete="RESTRICT")
    quantity = IntegerField(constraints=[Check("quantity > 0")])
    unit_price_fen = BigIntegerField()
    amount_fen = BigIntegerField()
    idempotency_key = CharField(max_length=64)
    request_hash = CharField(max_length=64)
    actor = CharField(max_length=48, default="")
    created_at = DateTimeField(default=utcnow)
    reversed_at = DateTimeField(null=True)   # reversed by the brand: units and money went back
    reversed_by = CharField(max_length=48, default="")
    reversal_reason = CharField(max_length=255, default="")
    commission_fen = BigIntegerField(default=0)   # paid on it by the rules in force (`cloud_transfers`)

    class Meta:
        table_name = "cloud_transfer"
        indexes = ((("downline", "idempotency_key"), True), (("created_at",), False))


class Pickup(BaseModel):
    """提货: cloud units of one warehouse to be picked and shipped to the agent or a customer."""

    id = AutoField()
    agent = ForeignKeyField(Agent, backref="+", on_delete="RESTRICT", index=False)
    warehouse = ForeignKeyField(Warehouse, backref="+", on_delete="RESTRICT")
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
    created_at = DateTimeField(default=utcnow)
    picked_at = DateTimeField(null=True)
    shipped_at = DateTimeField(null=True)
    closed_at = DateTimeField(null=True)

    class Meta:
        table_name = "cloud_pickup"
        indexes = ((("agent", "idempotency_key"), True), (("agent", "id"), False), (("status", "id"), False))


class PickupLine(BaseModel):
    """A product and quantity of a pickup."""

    id = AutoField()
    pickup = ForeignKeyField(Pickup, backref="lines", on_delete="CASCADE")
    product = ForeignKeyField(Product, backref="+", on_delete="RESTRICT")
    product_name = CharField(max_length=64)
    quantity = IntegerField(constraints=[Check("quantity > 0")])

    class Meta:
        table_name = "cloud_pickup_line"
        indexes = ((("pickup", "product"), True),)
