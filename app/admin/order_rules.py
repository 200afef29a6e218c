"""Console: promotions (满减, level discounts) and shipping templates per province."""

from app.http import Blueprint, admin_required
from app.orders import service as orders
from app.schemas import RowId, Schema, UtcDateTime, Yuan, fields, validate

promotions_blp = Blueprint("admin_promotions", __name__, url_prefix="/admin/api/promotions", description="促销")
shipping_blp = Blueprint("admin_shipping", __name__, url_prefix="/admin/api/shipping-templates",
                         description="运费模板")

WRITE_ROLES = ("staff",)
READ_ROLES = ("staff", "finance")


class AdminPromotionBody(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    kind = fields.String(required=True, validate=validate.OneOf(orders.PROMOTION_KINDS))
    threshold_fen = Yuan(data_key="threshold", load_default=0)
    off_fen = Yuan(data_key="off", load_default=0)
    level_id = RowId(load_default=None, strict=True)
    discount_bp = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=9999))
    active = fields.Boolean(load_default=True)
    starts_at = fields.NaiveDateTime(load_default=None)
    ends_at = fields.NaiveDateTime(load_default=None)


class AdminPromotionPatch(Schema):
    name = fields.String(validate=validate.Length(min=1, max=64))
    threshold_fen = Yuan(data_key="threshold")
    off_fen = Yuan(data_key="off")
    level_id = RowId(allow_none=True, strict=True)
    discount_bp = fields.Integer(strict=True, validate=validate.Range(min=0, max=9999))
    active = fields.Boolean()
    starts_at = fields.NaiveDateTime(allow_none=True)
    ends_at = fields.NaiveDateTime(allow_none=True)


class AdminPromotionOut(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    threshold = Yuan(attribute="threshold_fen")
    off = Yuan(attribute="off_fen")
    level_id = fields.Integer(allow_none=True)
    discount_bp = fields.Integer()
    active = fields.Boolean()
    starts_at = UtcDateTime(allow_none=True)
    ends_at = UtcDateTime(allow_none=True)


class AdminShippingTemplateBody(Schema):
    province = fields.String(required=True, validate=validate.Length(max=32))
    first_unit_fen = Yuan(data_key="first_unit", required=True)
    additional_unit_fen = Yuan(data_key="additional_unit", load_default=0)
    free_over_fen = Yuan(data_key="free_over", load_default=None, allow_none=True)


class AdminShippingTemplateOut(Schema):
    id = fields.Integer()
    province = fields.String()
    first_unit = Yuan(attribute="first_unit_fen")
    additional_unit = Yuan(attribute="additional_unit_fen")
    free_over = Yuan(attribute="free_over_fen", allow_none=True)


@promotions_blp.route("", methods=["GET"])
@admin_required(*READ_ROLES)
@promotions_blp.response(200, AdminPromotionOut(many=True))
def list_promotions():
    """Every promotion, newest first."""
    return orders.list_promotions()


@promotions_blp.route("", methods=["POST"])
@admin_required(*WRITE_ROLES)
@promotions_blp.arguments(AdminPromotionBody)
@promotions_blp.response(201, AdminPromotionOut)
def create_promotion(body):
    """Add a 满减 (amount_off: threshold, off) or a level discount (level_discount: level_id, discount_bp)."""
    return orders.create_promotion(**body)


@promotions_blp.route("/<id:promotion_id>", methods=["PATCH"])
@admin_required(*WRITE_ROLES)
@promotions_blp.arguments(AdminPromotionPatch)
@promotions_blp.response(200, AdminPromotionOut)
def update_promotion(body, promotion_id):
    """Change a promotion."""
    return orders.update_promotion(promotion_id, **body)


@promotions_blp.route("/<id:promotion_id>", methods=["DELETE"])
@admin_required(*WRITE_ROLES)
@promotions_blp.response(204)
def delete_promotion(promotion_id):
    """Remove a promotion (placed orders keep their discount)."""
    orders.delete_promotion(promotion_id)


@shipping_blp.route("", methods=["GET"])
@admin_required(*READ_ROLES)
@shipping_blp.response(200, AdminShippingTemplateOut(many=True))
def list_shipping_templates():
    """Every shipping template (province "" is the default)."""
    return orders.list_shipping_templates()


@shipping_blp.route("", methods=["PUT"])
@admin_required(*WRITE_ROLES)
@shipping_blp.arguments(AdminShippingTemplateBody)
@shipping_blp.response(200, AdminShippingTemplateOut)
def put_shipping_template(body):
    """Set a province's shipping (first unit, each further unit, free from an amount); province "" is the default."""
    return orders.put_shipping_template(**body)


@shipping_blp.route("/<id:template_id>", methods=["DELETE"])
@admin_required(*WRITE_ROLES)
@shipping_blp.response(204)
def delete_shipping_template(template_id):
    """Remove a shipping template."""
    orders.delete_shipping_template(template_id)
