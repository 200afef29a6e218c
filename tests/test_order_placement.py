"""Placing an order: level prices snapshotted, the consignee, the refusals, the idempotency key, approval."""
import pytest

from app.catalog import service as catalog
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.notify.service import queued
from app.orders import placement, rules, service
from tests.factories import ADDRESS, line, make_agent, make_level, orderable, place, unique


def test_an_order_is_priced_at_the_agents_level_and_stored_with_its_breakdown():
    agent = make_agent()
    product, _ = orderable(88.5)
    order = place(agent, (product, 2))
    assert (order.subtotal_fen, order.total_fen, order.units) == (17700, 17700, 2)
    assert [(l.product_id, l.unit_price_fen, l.paid_fen) for l in order.line_list] == [(product.id, 8850, 17700)]


def test_a_later_price_change_never_alters_a_placed_order():
    agent = make_agent()
    product, _ = orderable(100)
    order = place(agent, (product, 1))
    catalog.set_level_price(product_id=product.id, level_id=agent.level_id, price_fen=5000)
    assert service.get_order(order.id).line_list[0].unit_price_fen == 10000


def test_promotions_and_shipping_templates_price_the_order():
    agent = make_agent()
    product, _ = orderable(100)
    rules.create_promotion(name="满200减20", kind="amount_off", threshold_fen=20000, off_fen=2000)
    rules.create_promotion(name="九折", kind="level_discount", level_id=agent.level_id, discount_bp=1000)
    rules.put_shipping_template(province="广东省", first_unit_fen=1000, additional_unit_fen=500)
    order = place(agent, (product, 3))
    assert (order.level_discount_fen, order.promotion_discount_fen, order.shipping_fen) == (3000, 2000, 2000)
    assert order.total_fen == 30000 - 3000 - 2000 + 2000 and order.promotion_name == "满200减20"


def test_the_default_shipping_template_covers_provinces_without_their_own():
    rules.put_shipping_template(province="", first_unit_fen=1200)
    assert rules.shipping_rule("西藏自治区").first_unit_fen == 1200


def test_the_consignee_defaults_to_the_agent_and_another_one_is_dropshipping():
    agent = make_agent()
    product, _ = orderable(100)
    own = place(agent, (product, 1))
    other = place(agent, (product, 1), consignee={"name": "张三", "phone": "13912345678", "province": "浙江",
                                                  "city": "杭州", "district": "西湖", "address": "文三路1号"})
    assert (own.consignee_name, own.province, own.city, own.dropship) == (agent.name, "广东省", "深圳市", False)
    assert (other.province, other.city, other.district, other.dropship) == ("浙江省", "杭州市", "西湖区", True)


@pytest.mark.parametrize("typed, stored", [("+86 139 1234 5679", "13912345679"), ("０２０－１２３４５６７８", "020-12345678")])
def test_a_consignee_phone_is_read_like_every_other_phone(typed, stored):
    agent = make_agent()
    product, _ = orderable(100)
    order = place(agent, (product, 1), consignee={"phone": typed, **ADDRESS})
    assert order.consignee_phone == stored


@pytest.mark.parametrize("consignee, field", [
    ({"province": "火星省", **ADDRESS}, "consignee.province"),
    ({"province": "广东省", "city": "杭州市", **ADDRESS}, "consignee.province"),
    ({"phone": "12345", **ADDRESS}, "consignee.phone"),
    ({"address": ""}, "consignee.address"),
])
def test_a_bad_consignee_is_refused_naming_the_field(consignee, field):
    agent = make_agent()
    product, _ = orderable(100)
    with pytest.raises(InvalidInput) as raised:
        place(agent, (product, 1), consignee=consignee)
    assert field in raised.value.fields


def test_a_retry_with_the_same_key_returns_the_first_order():
    agent = make_agent()
    product, _ = orderable(100)
    first = place(agent, (product, 2), key="k-1")
    again = place(agent, (product, 2), key="k-1")
    assert again.id == first.id and again.repeated and not first.repeated


def test_the_same_key_with_another_body_is_a_409():
    agent = make_agent()
    product, _ = orderable(100)
    place(agent, (product, 2), key="k-1")
    with pytest.raises(Conflict) as raised:
        place(agent, (product, 3), key="k-1")
    assert raised.value.code == "idempotency_key_reused"


def test_keys_are_per_buyer():
    first, second = make_agent(), make_agent()
    product, _ = orderable(100)
    assert place(first, (product, 1), key="k").id != place(second, (product, 1), key="k").id


@pytest.mark.parametrize("status", ["suspended", "expired"])
def test_an_agent_that_is_not_active_may_not_order(status):
    agent = make_agent(status=status)
    product, _ = orderable(100)
    with pytest.raises(Forbidden):
        place(agent, (product, 1))


def test_an_inactive_product_is_unknown_to_an_agent():
    agent = make_agent()
    product, _ = orderable(100)
    catalog.update_product(product.id, active=False)
    with pytest.raises(NotFound) as raised:
        place(agent, (product, 1))
    assert raised.value.code == "product_not_found"


def test_staff_are_told_a_product_is_inactive():
    agent = make_agent()
    product, _ = orderable(100)
    catalog.update_product(product.id, active=False)
    with pytest.raises(Conflict) as raised:
        placement.enter_order(actor="admin:1", idempotency_key="staff-1", agent_id=agent.id,
                              items=[line(product, 1)], consignee=ADDRESS)
    assert raised.value.code == "product_inactive"


def test_a_first_order_below_the_levels_minimum_is_refused():
    agent = make_agent(level=make_level(min_first_purchase_fen=50000))
    product, _ = orderable(100)
    with pytest.raises(InvalidInput) as raised:
        place(agent, (product, 4))
    assert raised.value.code == "below_first_order_minimum" and "500.00" in raised.value.message
    assert place(agent, (product, 5)).status == "pending_payment"


def test_an_order_of_a_level_that_needs_approval_waits_for_the_upline_who_is_told():
    upline = make_agent()
    agent = make_agent(upline=upline, level=make_level(orders_need_upline_approval=True))
    product, _ = orderable(100)
    order = place(agent, (product, 1))
    assert order.status == "awaiting_approval" and order.approver_id == upline.id
    assert queued("order_approval_needed")[0].recipient == f"agent:{upline.id}"


def test_approval_makes_the_order_payable_and_tells_the_agent():
    upline = make_agent()
    agent = make_agent(upline=upline, level=make_level(orders_need_upline_approval=True))
    product, _ = orderable(100)
    order = service.approve(place(agent, (product, 1)).id, actor=f"agent:{upline.id}", approver=upline)
    assert order.status == "pending_payment" and order.payment_due_at
    assert queued("order_approved")[0].recipient == f"agent:{agent.id}"


def test_rejection_needs_a_reason_and_tells_the_agent():
    upline = make_agent()
    agent = make_agent(upline=upline, level=make_level(orders_need_upline_approval=True))
    product, _ = orderable(100)
    order = place(agent, (product, 1))
    with pytest.raises(InvalidInput):
        service.reject(order.id, actor="x", approver=upline, reason=" ")
    assert service.reject(order.id, actor="x", approver=upline, reason="量太少").status == "rejected"
    assert "量太少" in queued("order_rejected")[0].data


def test_staff_enter_a_customer_order_at_retail_price():
    product, _ = orderable(100, retail_yuan=299)
    order = placement.enter_order(actor="admin:1", idempotency_key=unique("k"), items=[line(product, 2)],
                                  consignee={"name": "李四", "phone": "020-12345678", "province": "广东省",
                                             "city": "广州市", "address": "天河路1号"})
    assert order.buyer_agent_id is None and order.total_fen == 59800 and order.dropship


def test_quick_entry_drafts_against_the_agents_catalogue():
    agent = make_agent()
    product, _ = orderable(100, name="玫瑰面霜")
    draft = placement.draft_from_text("张三 13812345678 广东省深圳市南山区科技园路1号 玫瑰面霜x2", buyer_agent=agent)
    assert draft.phone.value == "13812345678" and draft.district.value == "南山区"
    assert [(item.product_id, item.quantity) for item in draft.items] == [(product.id, 2)]
