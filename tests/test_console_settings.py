"""Console settings pages: levels, products and prices, commission rules with their preview, promotions, shipping,
message templates and accounts — each with the JSON API's roles, field errors beside the fields, and its action."""
import json

import pytest

from app.accounts.models import AdminUser
from app.agents.models import AgentLevel
from app.catalog.models import LevelPrice, PriceRange
from app.chat.models import WechatBinding
from app.finance.models import CommissionRuleVersion
from app.orders.models import Promotion, ShippingTemplate
from tests.factories import (console_login, console_post, make_admin, make_agent, make_binding, make_level, make_rules,
                             make_network_levels, make_product, priced_product, settings_changed)

FIELD_ERROR = '<em class="error">'


def signed_in(client, role):
    user = make_admin(role)
    console_login(client, user)
    return user


def page_text(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role, path", [
    ("warehouse", "/admin/settings/rules"), ("staff", "/admin/settings/products"),
    ("warehouse", "/admin/settings/promotions"), ("finance", "/admin/settings/users"),
    ("finance", "/admin/settings/templates")])
def test_a_role_the_api_refuses_may_not_open_the_page(client, role, path):
    signed_in(client, role)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role, path", [
    ("staff", "/admin/settings/levels"), ("finance", "/admin/settings/rules/new"),
    ("staff", "/admin/settings/users"), ("finance", "/admin/settings/shipping")])
def test_a_role_that_only_reads_may_not_change(client, role, path):
    signed_in(client, role)
    assert console_post(client, path, {"name": "x"}).status_code == 403


def test_every_role_reads_the_levels_from_the_main_navigation(client):
    make_level("金牌代理")
    signed_in(client, "warehouse")
    page = page_text(client, "/admin/settings")
    assert "金牌代理" in page and 'href="/admin/settings"' in page and "新建等级" not in page


def test_the_owner_creates_a_level(client):
    signed_in(client, "owner")
    response = console_post(client, "/admin/settings/levels", {"name": "钻石代理", "rank": "1", "active": "true",
                                                               "min_first_purchase": "500"})
    assert response.status_code == 302
    level = AgentLevel.get(AgentLevel.name == "钻石代理")
    assert level.min_first_purchase_fen == 50000 and level.active and not level.may_recruit


def test_a_level_without_a_name_is_marked_next_to_its_field(client):
    signed_in(client, "owner")
    response = console_post(client, "/admin/settings/levels", {"rank": "3"})
    assert response.status_code == 422 and FIELD_ERROR in response.get_data(as_text=True)


def test_a_taken_rank_is_marked_next_to_the_field(client):
    make_level(rank=7)
    signed_in(client, "owner")
    response = console_post(client, "/admin/settings/levels", {"name": "新等级", "rank": "7"})
    assert response.status_code == 409 and "名称或排序重复" in response.get_data(as_text=True)


def test_the_owner_edits_a_level_and_clears_its_promotion_rule(client):
    level = make_level(promote_recruits=5, may_recruit=True)
    signed_in(client, "owner")
    response = console_post(client, f"/admin/settings/levels/{level.id}", {"name": "银牌", "rank": str(level.rank)})
    assert response.status_code == 302
    level = AgentLevel.get_by_id(level.id)
    assert level.name == "银牌" and level.promote_recruits is None and not level.may_recruit


def test_deleting_a_level_agents_hold_is_refused_with_the_reason(client):
    agent = make_agent()
    signed_in(client, "owner")
    response = console_post(client, f"/admin/settings/levels/{agent.level_id}/delete")
    assert response.status_code == 409 and "停用该等级" in response.get_data(as_text=True)


def test_the_owner_deletes_an_unused_level(client):
    level = make_level()
    signed_in(client, "owner")
    assert console_post(client, f"/admin/settings/levels/{level.id}/delete").status_code == 302
    assert AgentLevel.get_or_none(AgentLevel.id == level.id) is None


def test_the_products_list_pages_on_the_server(client):
    for _ in range(3):
        make_product()
    signed_in(client, "finance")
    assert "共 3 条 · 第 2/3 页" in page_text(client, "/admin/settings/products?per_page=1&page=2")


def test_the_warehouse_creates_a_product_and_lands_on_its_prices(client):
    signed_in(client, "warehouse")
    response = console_post(client, "/admin/settings/products", {"name": "玫瑰精华", "unit": "瓶", "active": "true"})
    assert response.status_code == 302 and "/admin/settings/products/" in response.headers["Location"]


def test_the_warehouse_sets_a_level_price_and_it_shows_in_the_history(client):
    level, product = make_level("金牌"), make_product()
    signed_in(client, "warehouse")
    response = console_post(client, f"/admin/settings/products/{product.id}/prices/{level.id}", {"price": "88.50"})
    assert response.status_code == 302
    assert LevelPrice.get(LevelPrice.product == product.id).price_fen == 8850
    page = page_text(client, f"/admin/settings/products/{product.id}")
    assert "<td>warehouse" in page and "admin:" not in page and "后台账号 #" not in page


def test_a_zero_level_price_is_marked_next_to_that_row(client):
    level, product = make_level(), make_product()
    signed_in(client, "warehouse")
    response = console_post(client, f"/admin/settings/products/{product.id}/prices/{level.id}", {"price": "0"})
    assert response.status_code == 422 and "拿货价必须大于0" in response.get_data(as_text=True)


def test_a_reversed_price_range_is_marked_next_to_the_maximum(client):
    level, product = make_level(), make_product()
    signed_in(client, "warehouse")
    response = console_post(client, f"/admin/settings/products/{product.id}/ranges/{level.id}",
                            {"min_price": "100", "max_price": "50"})
    assert response.status_code == 422 and "最高价不能低于最低价" in response.get_data(as_text=True)
    assert not PriceRange.select().exists()


def test_the_warehouse_sets_a_price_range(client):
    level, product = make_level(), make_product()
    signed_in(client, "warehouse")
    console_post(client, f"/admin/settings/products/{product.id}/ranges/{level.id}",
                 {"min_price": "99", "max_price": "199"})
    assert PriceRange.get().max_fen == 19900


def _sample_order():
    """A buyer under two uplines of higher levels, and a product priced at each level."""
    general, regional, ordinary = make_network_levels()
    top = make_agent(level=general)
    middle = make_agent(level=regional, upline=top)
    buyer = make_agent(level=ordinary, upline=middle, name="王小美")
    product = priced_product({general: 6000, regional: 8000, ordinary: 10000})
    return buyer, product


RULE_FORM = {"level_difference.enabled": "true", "max_depth": "3", "quantity": "2"}


def _preview(client, **fields):
    """The rule form previewed by finance on a sample order, with some fields changed."""
    buyer, product = _sample_order()
    signed_in(client, "finance")
    return console_post(client, "/admin/settings/rules/preview",
                        {**RULE_FORM, "buyer": buyer.phone, "product_id": str(product.id), **fields})


def test_the_preview_shows_each_commission_line_with_its_arithmetic(client):
    response = _preview(client)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "王小美" in page and "级差" in page and "80.00" in page
    assert not CommissionRuleVersion.select().exists()


def test_the_preview_pays_a_fixed_referral_reward_on_the_first_order(client):
    response = _preview(client, **{"level_difference.enabled": "", "referral.enabled": "true", "referral.kind": "fixed",
                                   "referral.amount": "50", "referral.scope": "first_order"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "推荐奖" in page and "<td class=\"num\">50.00</td>" in page


def test_a_depth_over_three_without_the_tick_is_refused_next_to_the_depth(client):
    response = _preview(client, max_depth="4")
    assert response.status_code == 422 and "可能被认定为传销" in response.get_data(as_text=True)


def test_a_depth_over_three_with_the_tick_previews_with_the_warning(client):
    response = _preview(client, max_depth="4", allow_deeper="true")
    assert response.status_code == 200 and 'class="warning"' in response.get_data(as_text=True)


def test_a_bad_same_level_rate_is_marked_next_to_its_field(client):
    response = _preview(client, **{"same_level.enabled": "true", "same_level.rate_pct.0": "abc"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'name="same_level.rate_pct.0"' in page.split(FIELD_ERROR)[0][-400:]


def test_a_rate_over_a_hundred_percent_is_marked_next_to_its_field(client):
    response = _preview(client, **{"same_level.enabled": "true", "same_level.rate_pct.0": "120"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "请填写0到100之间的百分数" in page


def test_rates_are_typed_as_percentages(client):
    signed_in(client, "owner")
    response = console_post(client, "/admin/settings/rules/new", {
        **RULE_FORM, "effective_from": "2099-01-01", "same_level.enabled": "true", "same_level.rate_pct.0": "2.5",
        "team.enabled": "true", "team.tiers.0.from": "10000", "team.tiers.0.rate_pct": "1",
        "team.tiers.1.from": "50000", "team.tiers.1.rate_pct": "3"})
    assert response.status_code == 302, response.get_data(as_text=True)
    rules = json.loads(CommissionRuleVersion.get().rules)
    assert rules["same_level"]["rates_bp"] == [250]
    assert rules["team"]["tiers"] == [{"from_fen": 1000000, "rate_bp": 100}, {"from_fen": 5000000, "rate_bp": 300}]


def test_team_tiers_out_of_order_are_marked_on_their_row(client):
    signed_in(client, "owner")
    response = console_post(client, "/admin/settings/rules/new", {
        **RULE_FORM, "effective_from": "2099-01-01", "team.enabled": "true",
        "team.tiers.0.from": "50000", "team.tiers.0.rate_pct": "3", "team.tiers.1.from": "10000",
        "team.tiers.1.rate_pct": "1"})
    assert response.status_code == 422
    assert not CommissionRuleVersion.select().exists()


def test_a_new_version_starts_as_a_copy_of_the_one_in_force(client):
    make_rules(same_level={"rates_bp": [250]}, team={"tiers": [{"from_fen": 1000000, "rate_bp": 100}]})
    signed_in(client, "finance")
    page = page_text(client, "/admin/settings/rules/new")
    assert 'name="same_level.rate_pct.0" value="2.5"' in page
    assert 'name="team.tiers.0.from" value="10000.00"' in page and 'name="team.tiers.0.rate_pct" value="1"' in page


def test_a_sample_buyer_named_by_no_agent_is_marked_on_the_buyer(client):
    response = _preview(client, buyer="不存在的人")
    assert response.status_code == 422 and "没有找到代理「不存在的人」" in response.get_data(as_text=True)


def test_the_owner_saves_a_version_and_sees_it(client):
    signed_in(client, "owner")
    response = console_post(client, "/admin/settings/rules/new", {**RULE_FORM, "note": "春季规则",
                                                                  "effective_from": "2099-01-01"})
    assert response.status_code == 302
    version = CommissionRuleVersion.get()
    assert version.note == "春季规则" and "级差" in page_text(client, response.headers["Location"])
    assert "春季规则" in page_text(client, "/admin/settings/rules")


def test_a_past_effective_date_is_marked_next_to_its_field(client):
    signed_in(client, "owner")
    response = console_post(client, "/admin/settings/rules/new", {**RULE_FORM, "effective_from": "2000-01-01"})
    assert response.status_code == 422 and "生效日期不能早于今天" in response.get_data(as_text=True)


def test_staff_add_a_promotion(client):
    signed_in(client, "staff")
    response = console_post(client, "/admin/settings/promotions",
                            {"name": "满千减百", "kind": "amount_off", "threshold": "1000", "off": "100"})
    assert response.status_code == 302 and Promotion.get().off_fen == 10000


def test_a_level_discount_without_a_level_is_marked_next_to_the_level(client):
    signed_in(client, "staff")
    response = console_post(client, "/admin/settings/promotions",
                            {"name": "金牌九折", "kind": "level_discount", "discount_bp": "1000"})
    assert response.status_code == 422 and "等级折扣须指定等级" in response.get_data(as_text=True)


def test_staff_pause_and_delete_a_promotion(client):
    signed_in(client, "staff")
    console_post(client, "/admin/settings/promotions", {"name": "满减", "kind": "amount_off", "off": "5"})
    promotion = Promotion.get()
    console_post(client, f"/admin/settings/promotions/{promotion.id}/active")
    assert not Promotion.get_by_id(promotion.id).active
    console_post(client, f"/admin/settings/promotions/{promotion.id}/delete")
    assert not Promotion.select().exists()


def test_staff_set_and_delete_a_provinces_shipping(client):
    signed_in(client, "staff")
    console_post(client, "/admin/settings/shipping", {"province": "广东省", "first_unit": "8", "free_over": "299"})
    template = ShippingTemplate.get()
    assert template.first_unit_fen == 800 and template.free_over_fen == 29900
    console_post(client, f"/admin/settings/shipping/{template.id}/delete")
    assert not ShippingTemplate.select().exists()


def test_shipping_without_a_first_unit_is_marked_next_to_its_field(client):
    signed_in(client, "staff")
    response = console_post(client, "/admin/settings/shipping", {"province": "广东省"})
    assert response.status_code == 422 and FIELD_ERROR in response.get_data(as_text=True)


def test_the_templates_page_shows_a_configured_template_and_how_to_configure(client):
    signed_in(client, "staff")
    config = '{"order_shipped": {"official": {"template_id": "TPL-SHIP-1", "fields": {"thing1": "{order_no}"}}}}'
    with settings_changed(NOTIFY_TEMPLATES=config):
        page = page_text(client, "/admin/settings/templates")
    assert "TPL-SHIP-1" in page and "订单已发货" in page and "NOTIFY_TEMPLATES" in page and "未配置" in page


def test_the_owner_creates_a_staff_account(client):
    signed_in(client, "owner")
    response = console_post(client, "/admin/settings/users",
                            {"username": "xiaoli", "password": "secret-123", "role": "staff"})
    assert response.status_code == 302 and AdminUser.get(AdminUser.username == "xiaoli").role == "staff"


def test_a_short_first_password_is_marked_next_to_its_field(client):
    signed_in(client, "owner")
    response = console_post(client, "/admin/settings/users",
                            {"username": "xiaoli", "password": "short", "role": "staff"})
    assert response.status_code == 422 and FIELD_ERROR in response.get_data(as_text=True)


def test_the_owner_changes_a_role(client):
    staff = make_admin("staff")
    signed_in(client, "owner")
    assert console_post(client, f"/admin/settings/users/{staff.id}/role", {"role": "finance"}).status_code == 302
    assert AdminUser.get_by_id(staff.id).role == "finance"


def test_the_owner_disables_an_account(client):
    staff = make_admin("staff")
    signed_in(client, "owner")
    console_post(client, f"/admin/settings/users/{staff.id}/active", {"active": "false"})
    assert not AdminUser.get_by_id(staff.id).active


def test_disabling_oneself_is_refused_on_the_page(client):
    owner = signed_in(client, "owner")
    response = console_post(client, f"/admin/settings/users/{owner.id}/active", {"active": "false"})
    assert response.status_code == 409 and "不能停用或降级自己的账号" in response.get_data(as_text=True)


def test_the_owner_resets_a_password(client):
    staff = make_admin("staff")
    signed_in(client, "owner")
    console_post(client, f"/admin/settings/users/{staff.id}/password", {"password": "brand-new-1"})
    console_login(client, staff, password="brand-new-1")


def test_unbinding_wechat_removes_the_binding(client):
    user = signed_in(client, "finance")
    make_binding(f"admin:{user.id}")
    assert "解除绑定" in page_text(client, "/admin/wechat")
    assert console_post(client, "/admin/wechat/unbind").status_code == 302
    assert not WechatBinding.select().where(WechatBinding.account == f"admin:{user.id}").exists()


def test_the_accounts_list_pages_on_the_server(client):
    make_admin("staff")
    signed_in(client, "owner")
    assert "共 2 条 · 第 1/2 页" in page_text(client, "/admin/settings/users?per_page=1")
