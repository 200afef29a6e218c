"""Products and what each agent level pays for them and may charge for them."""
from peewee import AutoField, BooleanField, Check, CharField, DateTimeField, ForeignKeyField, IntegerField

from app.agents.models import AgentLevel
from app.clock import utcnow
from app.database import BaseModel


class Product(BaseModel):
    """A sellable item; `low_stock_threshold` is the default every warehouse may override."""

    id = AutoField()
    name = CharField(max_length=64)
    spec = CharField(max_length=64, default="")
    unit = CharField(max_length=8, default="件")
    gtin = CharField(max_length=14, null=True, unique=True)
    image_url = CharField(max_length=255, default="")
    cost_fen = IntegerField(default=0)
    retail_fen = IntegerField(default=0)
    low_stock_threshold = IntegerField(default=0)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)


class ProductImage(BaseModel):
    """A photo of a product (a media name from app.media); the lowest `position` is the cover."""

    id = AutoField()
    product = ForeignKeyField(Product, backref="images", on_delete="RESTRICT")
    position = IntegerField()
    name = CharField(max_length=96)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("product", "position"), False),)


class LevelPrice(BaseModel):
    """What an agent of `level` pays the brand per unit of `product` (拿货价)."""

    id = AutoField()
    product = ForeignKeyField(Product, backref="level_prices", on_delete="RESTRICT")
    level = ForeignKeyField(AgentLevel, backref="+", on_delete="RESTRICT")
    price_fen = IntegerField(constraints=[Check("price_fen > 0")])
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("product", "level"), True),)


class LevelPriceChange(BaseModel):
    """One change of a level price, kept forever (old_fen is null for the first price)."""

    id = AutoField()
    product = ForeignKeyField(Product, backref="+", on_delete="RESTRICT")
    level = ForeignKeyField(AgentLevel, backref="+", on_delete="RESTRICT")
    old_fen = IntegerField(null=True)
    new_fen = IntegerField()
    changed_by = CharField(max_length=48, default="")
    changed_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("product", "changed_at"), False),)


class PriceRange(BaseModel):
    """The retail prices an agent of `level` may charge consumers for `product` (控价)."""

    id = AutoField()
    product = ForeignKeyField(Product, backref="+", on_delete="RESTRICT")
    level = ForeignKeyField(AgentLevel, backref="+", on_delete="RESTRICT")
    min_fen = IntegerField()
    max_fen = IntegerField()
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("product", "level"), True),)
        constraints = [Check("min_fen >= 0"), Check("min_fen <= max_fen")]
