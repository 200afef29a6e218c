"""Refunds: whole or some units, each line at its paid share; stock released or returned; facts for finance."""
import pytest

from app.agents import service as agents
from app.agents.models import AgentPurchase
from app.clock import local_today
from app.errors import Conflict, InvalidInput
from app.finance import service as finance
from app.orders import refunds, rules, service
from tests.factories import advanced, make_agent, orderable, place, stock_of


def refund(order, lines=None, goods_back=False):
    return refunds.refund(order.id, actor="admin:1", reason="质量问题", lines=lines, goods_back=goods_back)


@pytest.fixture
def discounted():
    """A shipped order of 3 units at 100 yuan with 满减 10 yuan off from 300 (each unit paid 96.67/96.67/96.66)."""
    rules.create_promotion(name="满300减10", kind="amount_off", threshold_fen=30000, off_fen=1000)
    agent = make_agent()
    product, warehouse = orderable(100)
    order = advanced(place(agent, (product, 3)), "pay", "pick", "ship")
    return order, product, warehouse


def test_a_whole_refund_before_shipment_releases_the_reservation():
    agent = make_agent()
    product, warehouse = orderable(100)
    order = advanced(place(agent, (product, 2)), "pay", "pick")
    record = refund(order)
    assert record.amount_fen == order.total_fen
    assert service.get_order(order.id).status == "refunded"
    assert stock_of(product, warehouse) == (50, 0)


def test_a_whole_refund_with_goods_back_returns_them_to_the_warehouse(discounted):
    order, product, warehouse = discounted
    refund(order, goods_back=True)
    assert stock_of(product, warehouse) == (50, 0)
    assert service.get_order(order.id).refunded_fen == order.total_fen == 29000


def test_a_refund_without_goods_back_leaves_stock_alone(discounted):
    order, product, warehouse = discounted
    refund(order)
    assert stock_of(product, warehouse) == (47, 0)


def test_partial_refunds_add_up_exactly_to_what_the_line_cost(discounted):
    order, product, _ = discounted
    amounts = [refund(order, [{"product_id": product.id, "quantity": 1}]).amount_fen for _ in range(3)]
    assert sum(amounts) == 29000 and max(amounts) - min(amounts) <= 1
    assert service.get_order(order.id).status == "refunded"


def test_after_every_unit_was_refunded_one_by_one_the_shipping_can_still_be_refunded():
    agent = make_agent()
    product, _ = orderable(100)
    rules.put_shipping_template(province="", first_unit_fen=1000)
    order = advanced(place(agent, (product, 2)), "pay", "pick", "ship")
    assert order.shipping_fen == 1000
    for _ in range(2):
        refund(order, [{"product_id": product.id, "quantity": 1}])
    record = refund(order)
    order = service.get_order(order.id)
    assert record.amount_fen == record.shipping_fen == 1000 and order.refunded_fen == order.total_fen
    assert order.event_log[-1].action == "shipping_refund"
    with pytest.raises(Conflict):
        refund(order)


def test_a_refund_without_goods_back_keeps_the_cost_of_goods_in_the_profit_report():
    agent = make_agent()
    product, _ = orderable(100, cost_yuan=20)
    order = advanced(place(agent, (product, 3)), "pay", "pick", "ship", "receive")
    before = finance.profit_report(start=local_today(), end=local_today())["cost_of_goods_fen"]
    refund(order)
    assert before == finance.profit_report(start=local_today(), end=local_today())["cost_of_goods_fen"] == 6000


def test_a_refund_with_goods_back_takes_their_cost_off():
    agent = make_agent()
    product, _ = orderable(100, cost_yuan=20)
    order = advanced(place(agent, (product, 3)), "pay", "pick", "ship", "receive")
    refund(order, [{"product_id": product.id, "quantity": 1}], goods_back=True)
    assert finance.profit_report(start=local_today(), end=local_today())["cost_of_goods_fen"] == 4000


def test_a_partial_refund_keeps_the_state_and_logs_it(discounted):
    order, product, _ = discounted
    refund(order, [{"product_id": product.id, "quantity": 1}])
    order = service.get_order(order.id)
    assert order.status == "shipped" and order.event_log[-1].action == "partial_refund"


def test_refunding_more_units_than_are_left_is_refused(discounted):
    order, product, _ = discounted
    refund(order, [{"product_id": product.id, "quantity": 2}])
    with pytest.raises(InvalidInput):
        refund(order, [{"product_id": product.id, "quantity": 2}])


def test_a_partial_refund_before_shipment_is_refused():
    agent = make_agent()
    product, _ = orderable(100)
    order = advanced(place(agent, (product, 2)), "pay")
    with pytest.raises(Conflict) as raised:
        refund(order, [{"product_id": product.id, "quantity": 1}])
    assert raised.value.code == "partial_refund_before_shipment"


def test_an_unpaid_order_cannot_be_refunded():
    agent = make_agent()
    product, _ = orderable(100)
    with pytest.raises(Conflict):
        refund(place(agent, (product, 1)))


def test_a_refund_reverses_the_agents_purchase(discounted):
    order, product, _ = discounted
    refund(order, [{"product_id": product.id, "quantity": 1}])
    assert AgentPurchase.get(AgentPurchase.order_id == order.id).reversed_fen == 9667


def test_refund_facts_name_units_amounts_and_shipping(discounted):
    order, product, _ = discounted
    record = refund(order, [{"product_id": product.id, "quantity": 2}], goods_back=True)
    facts = service.refund_facts(record.id)
    assert facts.refund_id == f"refund:{record.id}" and facts.order_id == order.id and not facts.whole_order
    assert [(l.product_id, l.quantity, l.amount_fen) for l in facts.lines] == [(product.id, 2, record.amount_fen)]


def test_every_partial_refund_comes_off_the_agents_purchases():
    agent = make_agent()
    product, _ = orderable(100)
    order = advanced(place(agent, (product, 3)), "pay", "pick", "ship")
    for _ in range(2):
        refunds.refund(order.id, actor="admin:1", reason="破损", lines=[{"product_id": product.id, "quantity": 1}])
    assert agents.performance(agent.id)["own_purchase"] == 10000
