"""Warehouses and the stock ledger: a Stock row per warehouse and product, a StockMove per change."""
from peewee import (AutoField, BigAutoField, BooleanField, Check, CharField, DateTimeField, ForeignKeyField,
                    IntegerField)

from app.catalog.models import Product
from app.clock import utcnow
from app.database import BaseModel

MOVE_KINDS = ("receive", "reserve", "release", "ship", "return", "adjust", "transfer_out", "transfer_in",
              "stocktake", "cloud_in", "cloud_out")
TRANSFER_STATUSES = ("in_transit", "arrived")
STOCK_TAKE_STATUSES = ("open", "posted")


class Warehouse(BaseModel):
    """A place stock is kept, serving the provinces listed in WarehouseProvince."""

    id = AutoField()
    name = CharField(max_length=64, unique=True)
    address = CharField(max_length=255, default="")
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)


class WarehouseProvince(BaseModel):
    """A province a warehouse serves (buyers there are shipped from it first)."""

    id = AutoField()
    warehouse = ForeignKeyField(Warehouse, backref="provinces", on_delete="CASCADE")
    province = CharField(max_length=32, index=True)

    class Meta:
        indexes = ((("warehouse", "province"), True),)


class Stock(BaseModel):
    """On-hand and reserved units of a product in a warehouse; available = on_hand - reserved.

    Only the inventory service changes it, always with a StockMove in the same
    transaction; the CHECKs make an oversell impossible even for a buggy statement.
    """

    id = AutoField()
    warehouse = ForeignKeyField(Warehouse, backref="+", on_delete="RESTRICT", index=False)
    product = ForeignKeyField(Product, backref="+", on_delete="RESTRICT", index=False)
    on_hand = IntegerField(default=0)
    reserved = IntegerField(default=0)
    low_stock_threshold = IntegerField(null=True)

    class Meta:
        indexes = ((("warehouse", "product"), True), (("product", "warehouse"), False))
        constraints = [Check("on_hand >= 0"), Check("reserved >= 0"), Check("reserved <= on_hand")]


class StockMove(BaseModel):
    """One change of a Stock row; the row always equals the sum of its moves.

    `reference` names what caused it ("order:123", "transfer:4"); a (reference,
    kind, warehouse, product) happens once, which makes repeated calls no-ops.
    `province` is where shipped goods went, for the allocation report.
    """

    id = BigAutoField()
    warehouse = ForeignKeyField(Warehouse, backref="+", on_delete="RESTRICT", index=False)
    product = ForeignKeyField(Product, backref="+", on_delete="RESTRICT")
    kind = CharField(max_length=16)
    on_hand_delta = IntegerField(default=0)
    reserved_delta = IntegerField(default=0)
    reference = CharField(max_length=64, null=True)
    reason = CharField(max_length=255, default="")
    province = CharField(max_length=32, default="")
    actor = CharField(max_length=48, default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("reference", "kind", "warehouse", "product"), True),
            (("warehouse", "product", "id"), False),
            (("kind", "created_at"), False),
        )


class Transfer(BaseModel):
    """Goods sent from one warehouse to another: in transit from dispatch until arrival."""

    id = AutoField()
    from_warehouse = ForeignKeyField(Warehouse, backref="+", on_delete="RESTRICT")
    to_warehouse = ForeignKeyField(Warehouse, backref="+", on_delete="RESTRICT")
    status = CharField(max_length=16, default="in_transit", index=True)
    note = CharField(max_length=255, default="")
    actor = CharField(max_length=48, default="")
    dispatched_at = DateTimeField(default=utcnow)
    arrived_at = DateTimeField(null=True)


class TransferLine(BaseModel):
    """A product and quantity travelling in a transfer."""

    id = AutoField()
    transfer = ForeignKeyField(Transfer, backref="lines", on_delete="CASCADE")
    product = ForeignKeyField(Product, backref="+", on_delete="RESTRICT")
    quantity = IntegerField(constraints=[Check("quantity > 0")])

    class Meta:
        indexes = ((("transfer", "product"), True),)


class StockTake(BaseModel):
    """A count (盘点) of a warehouse: open while counts are entered, posted as stocktake moves."""

    id = AutoField()
    warehouse = ForeignKeyField(Warehouse, backref="+", on_delete="RESTRICT")
    status = CharField(max_length=16, default="open", index=True)
    reason = CharField(max_length=255, default="")
    opened_by = CharField(max_length=48, default="")
    opened_at = DateTimeField(default=utcnow)
    posted_at = DateTimeField(null=True)


class StockTakeCount(BaseModel):
    """The counted quantity of one product in a stock-take."""

    id = AutoField()
    stock_take = ForeignKeyField(StockTake, backref="counts", on_delete="CASCADE")
    product = ForeignKeyField(Product, backref="+", on_delete="RESTRICT")
    counted = IntegerField(constraints=[Check("counted >= 0")])
    expected = IntegerField(null=True)    # on-hand when posted: the difference stays what was posted
    reserved = IntegerField(null=True)    # reserved when posted

    class Meta:
        indexes = ((("stock_take", "product"), True),)
