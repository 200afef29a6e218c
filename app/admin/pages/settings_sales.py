"""Console pages: settings — promotions (满减, level discounts) and shipping templates per province.

Roles are the JSON API's (`app/admin/order_rules.py`): staff and finance read, staff change.
"""
from flask import url_for

from app.admin import order_rules as api
from app.admin.pages.web import act, form_values, load, page, render, whole_number, with_checkboxes
from app.agents import service as agents
from app.orders import service as orders
from app.regions import provinces

KIND_NAMES = {"amount_off": "满减", "level_discount": "等级折扣"}
NEW_PROMOTION = {"kind": "amount_off", "active": True}


def _promotions_page(status=200, error=None, values=None):
    return render("settings/promotions.html", status, items=orders.list_promotions(), kinds=KIND_NAMES,
                  levels=[(level.id, level.name) for level in agents.list_levels()], values=values or NEW_PROMOTION,
                  errors=error.fields if error else {}, message=error.message if error else None)


@page("/settings/promotions", roles=api.READ_ROLES)
def settings_promotions():
    """Every promotion, newest first (a short list: promotions are few), with the form for a new one."""
    return _promotions_page()


@page("/settings/promotions", roles=api.WRITE_ROLES, methods=("POST",), endpoint="settings_promotion_create")
def settings_promotion_create():
    """Add a 满减 (threshold and amount off) or a level discount (level and basis points)."""
    values = with_checkboxes(form_values(), ("active",))
    values.update({key: whole_number(values[key]) for key in ("level_id", "discount_bp") if key in values})
    return act(lambda: orders.create_promotion(**load(api.AdminPromotionBody(), values)),
               done=url_for("console.settings_promotions"), message=lambda promotion: f"已添加活动「{promotion.name}」",
               redisplay=lambda exc: _promotions_page(exc.status, exc, values))


@page("/settings/promotions/<id:promotion_id>/active", roles=api.WRITE_ROLES, methods=("POST",))
def settings_promotion_active(promotion_id):
    """Pause or resume a promotion."""
    body = load(api.AdminPromotionPatch(), with_checkboxes(form_values(), ("active",)))
    return act(lambda: orders.update_promotion(promotion_id, **body), done=url_for("console.settings_promotions"),
               message=lambda promotion: f"活动「{promotion.name}」已{'启用' if promotion.active else '暂停'}",
               redisplay=lambda exc: _promotions_page(exc.status, exc))


@page("/settings/promotions/<id:promotion_id>/delete", roles=api.WRITE_ROLES, methods=("POST",))
def settings_promotion_delete(promotion_id):
    """Remove a promotion (placed orders keep their discount)."""
    return act(lambda: orders.delete_promotion(promotion_id), done=url_for("console.settings_promotions"),
               message="活动已删除", redisplay=lambda exc: _promotions_page(exc.status, exc))


def _shipping_page(status=200, error=None, values=None):
    return render("settings/shipping.html", status, items=orders.list_shipping_templates(),
                  provinces=[("", "默认（其他省份）")] + [(name, name) for name in provinces()], values=values or {},
                  errors=error.fields if error else {}, message=error.message if error else None)


@page("/settings/shipping", roles=api.READ_ROLES)
def settings_shipping():
    """Every shipping template (one per province, plus the default), with the form to set one."""
    return _shipping_page()


@page("/settings/shipping", roles=api.WRITE_ROLES, methods=("POST",), endpoint="settings_shipping_put")
def settings_shipping_put():
    """Set a province's shipping: first unit, each further unit, free from an amount (replaces the old one)."""
    values = {"province": "", **form_values()}
    return act(lambda: orders.put_shipping_template(**load(api.AdminShippingTemplateBody(), values)),
               done=url_for("console.settings_shipping"), message="运费模板已保存",
               redisplay=lambda exc: _shipping_page(exc.status, exc, values))


@page("/settings/shipping/<id:template_id>/delete", roles=api.WRITE_ROLES, methods=("POST",))
def settings_shipping_delete(template_id):
    """Remove a shipping template."""
    return act(lambda: orders.delete_shipping_template(template_id), done=url_for("console.settings_shipping"),
               message="运费模板已删除", redisplay=lambda exc: _shipping_page(exc.status, exc))
