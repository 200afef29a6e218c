"""Promotions (满减, level percentage discounts) and shipping templates: their upkeep and what pricing reads."""
from peewee import IntegrityError

from app import regions
from app.agents import service as agents
from app.clock import utcnow
from app.database import Prepared, db
from app.errors import Conflict, InvalidInput, NotFound
from app.money import BASIS_POINTS, MAX_FEN
from app.orders.models import PROMOTION_KINDS, Promotion, ShippingTemplate
from app.orders.pricing import AmountOff, ShippingRule
from app.reference import PROMOTIONS, SHIPPING, Referenced

PROMOTION_FIELDS = ("name", "kind", "threshold_fen", "off_fen", "level_id", "discount_bp", "active", "starts_at",
                    "ends_at")
DEFAULT_PROVINCE = ""


def _checked_promotion(values):
    values = {key: value for key, value in values.items() if key in PROMOTION_FIELDS}
    if "name" in values and not (values["name"] or "").strip():
        raise InvalidInput.on("name", "请填写活动名称")
    if values.get("kind") not in PROMOTION_KINDS:
        raise InvalidInput.on("kind", "活动类型必须是 amount_off（满减）或 level_discount（等级折扣）")
    for field in ("threshold_fen", "off_fen"):
        if not 0 <= values.get(field, 0) <= MAX_FEN:
            raise InvalidInput.on(field.removesuffix("_fen"), "金额不能为负数")
    if values["kind"] == "amount_off" and values.get("off_fen", 0) <= 0:
        raise InvalidInput.on("off", "满减金额必须大于0")
    if values["kind"] == "level_discount":
        if not 0 < values.get("discount_bp", 0) < BASIS_POINTS:
            raise InvalidInput.on("discount_bp", "折扣必须在 1 到 9999 个基点之间（1 基点 = 0.01%）")
        if values.get("level_id") is None:
            raise InvalidInput.on("level_id", "等级折扣须指定等级")
        agents.get_level(values["level_id"])
    if values.get("starts_at") and values.get("ends_at") and values["ends_at"] <= values["starts_at"]:
        raise InvalidInput.on("ends_at", "结束时间须晚于开始时间")
    return values


def create_promotion(**values):
    """Add a promotion; it applies to orders priced while it is active and within its dates."""
    values = _checked_promotion(values)
    with db.atomic():
        return Promotion.create(**{("level" if k == "level_id" else k): v for k, v in values.items()})


def update_promotion(promotion_id, **changes):
    """Change a promotion (the whole of it is checked again); returns it as it now is."""
    promotion = get_promotion(promotion_id)
    current = {field: getattr(promotion, field) for field in PROMOTION_FIELDS}
    values = _checked_promotion({**current, **changes})
    with db.atomic():
        (Promotion.update(**{("level" if k == "level_id" else k): v for k, v in values.items()})
         .where(Promotion.id == promotion.id).execute())
    return get_promotion(promotion_id)


def delete_promotion(promotion_id):
    """Remove a promotion (placed orders keep the discount they got)."""
    get_promotion(promotion_id)
    Promotion.delete().where(Promotion.id == promotion_id).execute()


def get_promotion(promotion_id):
    """The promotion with this id, or NotFound."""
    promotion = Promotion.get_or_none(Promotion.id == promotion_id)
    if promotion is None:
        raise NotFound("活动不存在", code="promotion_not_found")
    return promotion


def list_promotions():
    """Every promotion, newest first."""
    return list(Promotion.select().order_by(Promotion.id.desc()))


# Every active promotion, whatever its dates (which ones run is decided at each pricing), and every shipping
# template: kept per process under their reference versions (app/reference.py).
_ACTIVE_PROMOTIONS = Prepared(lambda _: Promotion.select().where(Promotion.active).order_by(Promotion.id))
_SHIPPING_TEMPLATES = Prepared(lambda _: ShippingTemplate.select())
_active_promotions = Referenced(PROMOTIONS, size=1)
_shipping_templates = Referenced(SHIPPING, size=1)


def _running_promotions(now):
    return [p for p in _active_promotions.get("active", _ACTIVE_PROMOTIONS.rows)
            if (p.starts_at is None or p.starts_at <= now) and (p.ends_at is None or p.ends_at > now)]


def pricing_terms(*, level_id, province):
    """What `price_order` needs for a buyer of `level_id` shipping to `province`: (discount bp, 满减 list, rule)."""
    running = _running_promotions(utcnow())
    level_bp = max((p.discount_bp for p in running if p.kind == "level_discount" and p.level_id == level_id
                    and level_id is not None), default=0)
    amount_offs = [AmountOff(p.name, p.threshold_fen, p.off_fen) for p in running if p.kind == "amount_off"]
    return level_bp, amount_offs, shipping_rule(province)


def shipping_rule(province):
    """The shipping rule for `province` (its own template, else the default one, else free)."""
    templates = _shipping_templates.get("all", lambda: {t.province: t for t in _SHIPPING_TEMPLATES.rows()})
    template = templates.get(province) or templates.get(DEFAULT_PROVINCE)
    if template is None:
        return None
    return ShippingRule(template.first_unit_fen, template.additional_unit_fen, template.free_over_fen)


def put_shipping_template(*, province, first_unit_fen, additional_unit_fen=0, free_over_fen=None):
    """Set the shipping template of a province (full name; "" sets the default for every other province)."""
    if province != DEFAULT_PROVINCE and province not in regions.provinces():
        raise InvalidInput.on("province", "未知省份，请使用全称，如 广东省")
    for field, value in (("first_unit", first_unit_fen), ("additional_unit", additional_unit_fen),
                         ("free_over", free_over_fen or 0)):
        if not 0 <= value <= MAX_FEN:
            raise InvalidInput.on(field, "金额不能为负数")
    values = dict(first_unit_fen=first_unit_fen, additional_unit_fen=additional_unit_fen,
                  free_over_fen=free_over_fen, updated_at=utcnow())
    try:
        with db.atomic():
            if not ShippingTemplate.update(**values).where(ShippingTemplate.province == province).execute():
                ShippingTemplate.create(province=province, **values)
    except IntegrityError as exc:
        raise Conflict("运费模板正在被同时修改，请重试", code="concurrent_change") from exc
    return ShippingTemplate.get(ShippingTemplate.province == province)


def delete_shipping_template(template_id):
    """Remove a shipping template."""
    if not ShippingTemplate.delete().where(ShippingTemplate.id == template_id).execute():
        raise NotFound("运费模板不存在", code="shipping_template_not_found")


def list_shipping_templates():
    """Every shipping template, the default first."""
    return list(ShippingTemplate.select().order_by(ShippingTemplate.province))
