"""The catalogue an agent sees: its own level's price and the stock available, never another level's price."""
from flask import g

from app.http import Blueprint, agent_required
from app.inventory import service as inventory
from app.schemas import Schema, Yuan, fields

blp = Blueprint("mp_catalogue", __name__, url_prefix="/api/mp/catalogue", description="商品目录")


class MpCatalogueItemOut(Schema):
    product_id = fields.Function(lambda entry: entry.product.id)
    name = fields.Function(lambda entry: entry.product.name)
    spec = fields.Function(lambda entry: entry.product.spec)
    unit = fields.Function(lambda entry: entry.product.unit)
    image_url = fields.Function(lambda entry: entry.product.image_url)
    retail_price = Yuan(attribute="product.retail_fen")
    price = Yuan(attribute="price_fen")
    available = fields.Integer()
    retail_min = Yuan(attribute="retail_min_fen", allow_none=True)
    retail_max = Yuan(attribute="retail_max_fen", allow_none=True)
    images = fields.List(fields.String(), metadata={"description": "photo URLs, the cover first"})


@blp.route("", methods=["GET"])
@agent_required
@blp.response(200, MpCatalogueItemOut(many=True))
def catalogue():
    """Products the calling agent can order, at its own level's price, with units available."""
    return inventory.catalogue_for_level(g.agent.level_id)


@blp.route("/<id:product_id>", methods=["GET"])
@agent_required
@blp.response(200, MpCatalogueItemOut)
def catalogue_item(product_id):
    """One product of my catalogue, at my level's price (404 for a product I cannot order)."""
    return inventory.catalogue_item(g.agent.level_id, product_id)
