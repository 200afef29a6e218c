"""Authenticity codes and price control: batches, codes, scans, flags, consumer reports, retail sales, violations."""
from peewee import (AutoField, BigAutoField, BigIntegerField, BooleanField, CharField, DateTimeField,
                    ForeignKeyField, IntegerField, TextField)

from app.agents.models import Agent
from app.catalog.models import Product
from app.clock import utcnow
from app.database import BaseModel

FLAG_REASONS = ("many_scans", "distant_scans", "unshipped_scan", "pin_guessing")
FLAG_STATUSES = ("open", "cleared", "confirmed")
FLAG_STATUS_NAMES = {"open": "待处理", "cleared": "误报", "confirmed": "确认仿冒"}
# What the console may do with an open flag, and with a violation.
FLAG_REVIEW_NAMES = {"clear": "误报，解除", "confirm": "确认仿冒"}
VIOLATION_ACTION_NAMES = {"warn": "警告", "note": "备注", "suspend": "停权", "dismiss": "忽略"}
VIOLATION_KINDS = ("cross_region", "price_low", "price_high")
VIOLATION_KIND_NAMES = {"cross_region": "窜货", "price_low": "低于控价", "price_high": "高于控价"}
VIOLATION_SOURCES = ("scan", "retail_sale", "consumer_report")
# "review": 窜货 resting only on the consumer's word, opened without an alert (anyone holding a code can type a place).
VIOLATION_STATUSES = ("open", "review", "warned", "noted", "suspended", "dismissed")
VIOLATION_STATUS_NAMES = {"open": "待处理", "review": "待核实", "warned": "已警告", "noted": "已备注", "suspended": "已停权",
                          "dismissed": "已忽略"}
# Where a scan's place came from: its address located offline, or what the consumer said on the page or in chat.
PLACE_SOURCES = ("", "network", "consumer", "chat")
PLACE_SOURCE_NAMES = {"network": "网络定位", "consumer": "消费者填写", "chat": "消费者在聊天中所说"}
# Where a scan came from: the scan page, the mini-program, the official account's chat.
SCAN_CHANNEL_NAMES = {"page": "网页", "mp": "小程序", "chat": "公众号"}


class CodeBatch(BaseModel):
    """Codes generated together for one product and production lot."""

    id = AutoField()
    product = ForeignKeyField(Product, on_delete="RESTRICT", index=True)
    lot = CharField(max_length=32)
    quantity = IntegerField()
    box_size = IntegerField(default=0)
    with_pin = BooleanField(default=False)
    note = CharField(max_length=255, default="")
    created_by = CharField(max_length=48, default="")
    created_at = DateTimeField(default=utcnow)


class Code(BaseModel):
    """One printed code: an item's, or a box's that contains item codes; bound at shipment to the order or the
    提货 pickup (cloud stock) it left the warehouse in: at most one of `order_id`, `pickup_id` is set."""

    id = BigAutoField()
    code = CharField(max_length=17, unique=True)
    batch = ForeignKeyField(CodeBatch, on_delete="RESTRICT")
    serial = IntegerField()
    is_box = BooleanField(default=False)
    box = ForeignKeyField("self", null=True, on_delete="RESTRICT", index=True)
    pin_hash = CharField(max_length=32, null=True)
    pin_failures = IntegerField(default=0)
    order_id = BigIntegerField(null=True, index=True)
    pickup_id = BigIntegerField(null=True, index=True)
    agent = ForeignKeyField(Agent, null=True, on_delete="RESTRICT", index=True)
    province = CharField(max_length=32, default="")
    bound_at = DateTimeField(null=True)
    bound_by = CharField(max_length=48, default="")
    scan_count = IntegerField(default=0)

    class Meta:
        indexes = ((("batch", "is_box", "serial"), True),)

    @property
    def shipped(self):
        return self.order_id is not None or self.pickup_id is not None


class CodeScan(BaseModel):
    """One counted look-up of a known code (a refresh by the same visitor is not counted again)."""

    id = BigAutoField()
    code = ForeignKeyField(Code, on_delete="RESTRICT")
    at = DateTimeField(default=utcnow, index=True)
    ip = CharField(max_length=45)
    user_agent = CharField(max_length=255, default="")
    openid = CharField(max_length=64, default="")
    province = CharField(max_length=32, default="")
    city = CharField(max_length=32, default="")
    place_source = CharField(max_length=8, default="")
    channel = CharField(max_length=8, default="page")

    class Meta:
        indexes = ((("code", "at"), False), (("province", "at"), False))


class CodeMiss(BaseModel):
    """A look-up of a code that is mistyped or unknown: the evidence of counterfeits and of enumeration."""

    id = BigAutoField()
    text = CharField(max_length=40)
    verdict = CharField(max_length=16)
    ip = CharField(max_length=45)
    openid = CharField(max_length=64, default="")
    at = DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("ip", "at"), False), (("openid", "at"), False))


class CodePinFailure(BaseModel):
    """A wrong scratch-off PIN entered for a code, by whom: a source is locked, never the code for everyone."""

    id = BigAutoField()
    code = ForeignKeyField(Code, on_delete="RESTRICT")
    ip = CharField(max_length=45)
    openid = CharField(max_length=64, default="")
    at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("code", "ip"), False), (("code", "openid"), False))


class CodeFlag(BaseModel):
    """A code held for the owner's review: scanned too often, far apart too soon, or before it was ever shipped.
    Never a verdict of fake."""

    id = AutoField()
    code = ForeignKeyField(Code, on_delete="RESTRICT")
    reason = CharField(max_length=16)
    evidence = TextField(default="{}")
    status = CharField(max_length=16, default="open", index=True)
    created_at = DateTimeField(default=utcnow)
    reviewed_by = CharField(max_length=48, default="")
    reviewed_at = DateTimeField(null=True)
    note = CharField(max_length=255, default="")

    class Meta:
        indexes = ((("code", "reason"), True),)


class ConsumerReport(BaseModel):
    """What a consumer said after a scan: the price paid and where they bought."""

    id = AutoField()
    code = ForeignKeyField(Code, on_delete="RESTRICT", index=True)
    scan = ForeignKeyField(CodeScan, on_delete="RESTRICT", unique=True)
    price_fen = IntegerField(null=True)
    place = CharField(max_length=64, default="")
    at = DateTimeField(default=utcnow)


class RetailSale(BaseModel):
    """A sale an agent recorded to one of its customers; `client_ref` makes a retried upload a no-op."""

    id = AutoField()
    agent = ForeignKeyField(Agent, on_delete="RESTRICT")
    client_ref = CharField(max_length=64)
    customer_name = CharField(max_length=64)
    customer_phone = CharField(max_length=20, default="")
    total_fen = BigIntegerField()
    at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("agent", "client_ref"), True), (("agent", "at"), False))


class RetailSaleLine(BaseModel):
    """One product of a retail sale at its unit price."""

    id = AutoField()
    sale = ForeignKeyField(RetailSale, on_delete="CASCADE", index=True, backref="lines")
    product = ForeignKeyField(Product, on_delete="RESTRICT")
    quantity = IntegerField()
    unit_fen = IntegerField()


class RetailSaleCode(BaseModel):
    """An authenticity code the agent scanned into a retail sale: that item went to that customer (once)."""

    id = AutoField()
    sale = ForeignKeyField(RetailSale, on_delete="CASCADE", index=True, backref="codes")
    code = ForeignKeyField(Code, on_delete="RESTRICT", unique=True)


class Violation(BaseModel):
    """Something an agent did against the brand's rules, with its evidence, and what the owner did about it."""

    id = AutoField()
    agent = ForeignKeyField(Agent, on_delete="RESTRICT")
    kind = CharField(max_length=16, index=True)
    source = CharField(max_length=16)
    code = ForeignKeyField(Code, null=True, on_delete="RESTRICT", index=True)
    product = ForeignKeyField(Product, null=True, on_delete="RESTRICT")
    price_fen = IntegerField(null=True)
    min_fen = IntegerField(null=True)
    max_fen = IntegerField(null=True)
    province = CharField(max_length=32, default="")
    place_source = CharField(max_length=8, default="")
    evidence = TextField(default="{}")
    dedupe_key = CharField(max_length=191, unique=True)
    status = CharField(max_length=16, default="open", index=True)
    created_at = DateTimeField(default=utcnow)
    acted_by = CharField(max_length=48, default="")
    acted_at = DateTimeField(null=True)
    action_note = CharField(max_length=255, default="")

    class Meta:
        indexes = ((("agent", "created_at"), False),)
