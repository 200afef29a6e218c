"""Console: products, level prices (拿货价) with their history, price ranges (控价)."""
from flask import request

from app import media
from app.admin.stock import READ_ROLES, WRITE_ROLES
from app.catalog import service as catalog
from app.clock import isoformat
from app.http import Blueprint, admin_actor, admin_required
from app.schemas import PageArgs, RowId, Schema, Yuan, fields, page_body, page_schema, validate

blp = Blueprint("admin_catalog", __name__, url_prefix="/admin/api/products", description="商品与价格")



class AdminProductBody(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    spec = fields.String(validate=validate.Length(max=64))
    unit = fields.String(validate=validate.Length(min=1, max=8))
    gtin = fields.String(allow_none=True, validate=validate.Length(max=14))
    image_url = fields.String(validate=validate.Length(max=255))
    cost_price = Yuan(data_key="cost_price", attribute="cost_fen")
    retail_price = Yuan(data_key="retail_price", attribute="retail_fen")
    low_stock_threshold = fields.Integer(strict=True, validate=validate.Range(min=0, max=10**9))
    active = fields.Boolean()


class AdminProductPatchBody(AdminProductBody):
    name = fields.String(validate=validate.Length(min=1, max=64))


class AdminProductOut(Schema):
    id = fields.Integer()
    name = fields.String()
    spec = fields.String()
    unit = fields.String()
    gtin = fields.String(allow_none=True)
    image_url = fields.String()
    cost_price = Yuan(attribute="cost_fen")
    retail_price = Yuan(attribute="retail_fen")
    low_stock_threshold = fields.Integer()
    active = fields.Boolean()


class AdminProductListArgs(PageArgs):
    active = fields.Boolean()
    search = fields.String(validate=validate.Length(min=1, max=64))


class AdminLevelPriceBody(Schema):
    price = Yuan(required=True)


class AdminLevelPriceOut(Schema):
    level_id = fields.Integer()
    price = Yuan(attribute="price_fen")
    updated_at = fields.Function(lambda row: isoformat(row.updated_at))


class AdminLevelPriceChangeOut(Schema):
    level_id = fields.Integer()
    old_price = Yuan(attribute="old_fen", allow_none=True)
    new_price = Yuan(attribute="new_fen")
    changed_by = fields.String()
    changed_at = fields.Function(lambda row: isoformat(row.changed_at))


class AdminPriceRangeBody(Schema):
    min_price = Yuan(required=True)
    max_price = Yuan(required=True)


class AdminPriceRangeOut(Schema):
    level_id = fields.Integer()
    min_price = Yuan(attribute="min_fen")
    max_price = Yuan(attribute="max_fen")


@blp.route("", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminProductListArgs, location="query")
@blp.response(200, page_schema(AdminProductOut))
def list_products(args):
    """Products, newest first; filter by active flag or by name/barcode."""
    return page_body(catalog.list_products(active=args.get("active"), search=args.get("search"),
                                           page=args["page"], per_page=args["per_page"]), args)


@blp.route("", methods=["POST"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminProductBody)
@blp.response(201, AdminProductOut)
def create_product(body):
    """Create a product (the barcode's check digit is verified)."""
    return catalog.create_product(**body)


@blp.route("/<id:product_id>", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, AdminProductOut)
def get_product(product_id):
    """One product."""
    return catalog.get_product(product_id)


@blp.route("/<id:product_id>", methods=["PATCH"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminProductPatchBody)
@blp.response(200, AdminProductOut)
def update_product(body, product_id):
    """Change some fields of a product; `active: false` takes it off sale."""
    return catalog.update_product(product_id, **body)


@blp.route("/<id:product_id>/level-prices", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, AdminLevelPriceOut(many=True))
def level_prices(product_id):
    """The product's price at each level."""
    return catalog.level_prices(product_id)


@blp.route("/<id:product_id>/level-prices/<id:level_id>", methods=["PUT"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminLevelPriceBody)
@blp.response(200, AdminLevelPriceOut)
def set_level_price(body, product_id, level_id):
    """Set the product's price at a level; the change is kept in the history."""
    return catalog.set_level_price(product_id=product_id, level_id=level_id, price_fen=body["price"],
                                   actor=admin_actor())


@blp.route("/<id:product_id>/level-prices/history", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, AdminLevelPriceChangeOut(many=True))
def level_price_history(product_id):
    """Every change of the product's level prices, newest first."""
    return catalog.level_price_history(product_id)


@blp.route("/<id:product_id>/price-ranges", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, AdminPriceRangeOut(many=True))
def price_ranges(product_id):
    """The retail price range at each level."""
    return catalog.price_ranges(product_id)


@blp.route("/<id:product_id>/price-ranges/<id:level_id>", methods=["PUT"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminPriceRangeBody)
@blp.response(200, AdminPriceRangeOut)
def set_price_range(body, product_id, level_id):
    """Set the retail prices agents of a level may charge (控价)."""
    return catalog.set_price_range(product_id=product_id, level_id=level_id, min_fen=body["min_price"],
                                   max_fen=body["max_price"])


class AdminProductImageOut(Schema):
    id = fields.Integer()
    position = fields.Integer()
    url = fields.Function(lambda image: media.media_url(image.name))


class AdminProductImagesOut(Schema):
    items = fields.List(fields.Nested(AdminProductImageOut))


class AdminProductImageOrderBody(Schema):
    image_ids = fields.List(RowId(), required=True, validate=validate.Length(min=1, max=catalog.MAX_IMAGES))


@blp.route("/<id:product_id>/images", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, AdminProductImagesOut)
def product_images(product_id):
    """The product's photos, cover first."""
    return {"items": catalog.images_of_product(product_id)}


@blp.route("/<id:product_id>/images", methods=["POST"])
@admin_required(*WRITE_ROLES)
@blp.response(201, AdminProductImagesOut)
def add_product_image(product_id):
    """Add a photo (multipart `image`: JPEG, PNG or WebP, at most 2 MB; re-encoded and resized); at most six."""
    upload = request.files.get("image")
    return {"items": catalog.add_product_image(product_id=product_id, content=upload.read() if upload else b"")}


@blp.route("/<id:product_id>/images/<id:image_id>", methods=["DELETE"])
@admin_required(*WRITE_ROLES)
@blp.response(200, AdminProductImagesOut)
def delete_product_image(product_id, image_id):
    """Remove one photo."""
    return {"items": catalog.delete_product_image(product_id=product_id, image_id=image_id)}


@blp.route("/<id:product_id>/images/order", methods=["PUT"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminProductImageOrderBody)
@blp.response(200, AdminProductImagesOut)
def order_product_images(body, product_id):
    """Reorder the photos (every photo's id once); the first becomes the cover."""
    return {"items": catalog.order_product_images(product_id=product_id, image_ids=body["image_ids"])}
