"""Every transition of the order state machine, with its stock effect, its event and its ledger entries."""
import pytest

from app.agents.models import AgentPurchase
from app.errors import Conflict
from app.notify.service import queued
from app.orders import service
from tests.factories import advanced, make_agent, orderable, paid, place, stock_of


@pytest.fixture
def bought():
    """An agent's order of 3 units (100 yuan each) of a product with 50 on hand."""
    agent = make_agent()
    product, warehouse = orderable(100, on_hand=50)
    return place(agent, (product, 3)), product, warehouse


def test_placing_reserves_nothing(bought):
    order, product, warehouse = bought
    assert order.status == "pending_payment"
    assert stock_of(product, warehouse) == (50, 0)


def test_payment_reserves_the_goods_in_the_chosen_warehouse(bought):
    order, product, warehouse = bought
    order = paid(order)
    assert order.status == "paid" and order.warehouse_id == warehouse.id
    assert stock_of(product, warehouse) == (50, 3)


def test_payment_records_the_agents_purchase_and_tells_the_agent(bought):
    order, _, _ = bought
    paid(order)
    purchase = AgentPurchase.get(AgentPurchase.order_id == order.id)
    assert purchase.amount_fen == 30000
    assert [n.recipient for n in queued("order_paid")] == [f"agent:{order.buyer_agent_id}"]


def test_a_second_payment_confirmation_changes_nothing_and_says_so(bought):
    order, product, warehouse = bought
    paid(order)
    again, confirmed_now = service.confirm_payment(order.id, actor="admin:2", method="offline",
                                                   amount_fen=order.total_fen)
    assert confirmed_now is False and again.status == "paid"
    assert stock_of(product, warehouse) == (50, 3)
    assert [e.action for e in service.get_order(order.id).event_log][-1] == "pay_repeated"


def test_a_payment_of_another_amount_is_refused(bought):
    order, product, warehouse = bought
    with pytest.raises(Conflict) as raised:
        service.confirm_payment(order.id, actor="admin:1", method="offline", amount_fen=order.total_fen - 1)
    assert raised.value.code == "amount_mismatch"
    assert service.get_order(order.id).status == "pending_payment"


def test_payment_while_stock_is_short_still_counts_and_picking_waits_for_stock():
    agent = make_agent()
    product, warehouse = orderable(100, on_hand=2)
    order = paid(place(agent, (product, 3)))
    assert order.status == "paid" and order.warehouse_id is None
    assert stock_of(product, warehouse) == (2, 0)
    with pytest.raises(Conflict) as raised:
        service.pick(order.id, actor="admin:1")
    assert raised.value.code == "insufficient_stock"
    from app.inventory import service as inventory
    inventory.receive(warehouse_id=warehouse.id, lines=[{"product_id": product.id, "quantity": 5}])
    assert service.pick(order.id, actor="admin:1").status == "picking"
    assert stock_of(product, warehouse) == (7, 3)


def test_picking_an_order_short_of_several_products_names_each_and_its_shortfall():
    agent = make_agent()
    scarce, warehouse = orderable(100, on_hand=1)
    plenty, _ = orderable(100, on_hand=50, warehouse=warehouse)
    gone, _ = orderable(100, on_hand=2, warehouse=warehouse)
    order = paid(place(agent, (scarce, 3), (plenty, 4), (gone, 5)))
    with pytest.raises(Conflict) as raised:
        service.pick(order.id, actor="admin:1")
    assert raised.value.code == "insufficient_stock"
    assert f"「{scarce.name}」在「{warehouse.name}」可用 1{scarce.unit}，需要 3{scarce.unit}（缺 2{scarce.unit}）" \
        in raised.value.message
    assert f"「{gone.name}」在「{warehouse.name}」可用 2{gone.unit}，需要 5{gone.unit}（缺 3{gone.unit}）" \
        in raised.value.message
    assert f"「{plenty.name}」" not in raised.value.message


def test_picking_keeps_the_reservation(bought):
    order, product, warehouse = bought
    assert advanced(order, "pay", "pick").status == "picking"
    assert stock_of(product, warehouse) == (50, 3)


def test_shipping_takes_the_goods_out_and_tells_the_agent(bought):
    order, product, warehouse = bought
    order = advanced(order, "pay", "pick", "ship")
    assert order.status == "shipped" and order.carrier == "顺丰" and order.tracking_no
    assert stock_of(product, warehouse) == (47, 0)
    assert queued("order_shipped")[0].recipient == f"agent:{order.buyer_agent_id}"


def test_receipt_and_completion_leave_stock_alone(bought):
    order, product, warehouse = bought
    order = advanced(order, "pay", "pick", "ship", "receive", "complete")
    assert order.status == "completed" and order.received_at and order.closed_at
    assert stock_of(product, warehouse) == (47, 0)


def test_cancelling_an_unpaid_order_touches_no_stock(bought):
    order, product, warehouse = bought
    assert service.cancel(order.id, actor="admin:1", reason="客户不要了").status == "cancelled"
    assert stock_of(product, warehouse) == (50, 0)


def test_cancelling_a_paid_order_releases_its_stock_and_reverses_the_purchase(bought):
    order, product, warehouse = bought
    paid(order)
    service.cancel(order.id, actor="admin:1", reason="缺货")
    assert stock_of(product, warehouse) == (50, 0)
    assert AgentPurchase.get(AgentPurchase.order_id == order.id).reversed_fen == 30000
    assert service.get_order(order.id).refunded_fen == order.total_fen


@pytest.mark.parametrize("actions, action", [
    ((), "pick"), ((), "ship"), ((), "receive"), (("pay",), "ship"), (("pay", "pick"), "cancel"),
    (("pay", "pick", "ship"), "cancel"), (("pay", "pick", "ship"), "pick"), (("pay",), "complete"),
])
def test_an_illegal_transition_is_a_409_and_changes_nothing(bought, actions, action):
    order, product, warehouse = bought
    order = advanced(order, *actions)
    before = (order.status, stock_of(product, warehouse))
    calls = {"pick": lambda: service.pick(order.id, actor="a"), "receive": lambda: service.receive(order.id, actor="a"),
             "ship": lambda: service.ship(order.id, actor="a", carrier="顺丰", tracking_no="SF1"),
             "cancel": lambda: service.cancel(order.id, actor="a", reason="x"),
             "complete": lambda: service.complete(order.id, actor="a")}
    with pytest.raises(Conflict) as raised:
        calls[action]()
    assert raised.value.code == "illegal_transition"
    assert (service.get_order(order.id).status, stock_of(product, warehouse)) == before


def test_paying_a_cancelled_order_is_a_409(bought):
    order, _, _ = bought
    service.cancel(order.id, actor="admin:1", reason="超时")
    with pytest.raises(Conflict):
        service.confirm_payment(order.id, actor="admin:1", method="offline", amount_fen=order.total_fen)


def test_every_transition_is_logged_with_who_and_why(bought):
    order, _, _ = bought
    paid(order, actor="admin:7")
    service.cancel(order.id, actor="admin:8", reason="缺货")
    events = [(e.action, e.from_state, e.to_state, e.actor, e.reason) for e in service.get_order(order.id).event_log]
    assert events == [("place", "", "pending_payment", f"agent:{order.buyer_agent_id}", ""),
                      ("pay", "pending_payment", "paid", "admin:7", ""),
                      ("cancel", "paid", "cancelled", "admin:8", "缺货")]


def test_the_paid_order_facts_carry_snapshotted_prices_and_costs(bought):
    order, product, _ = bought
    paid(order)
    facts = service.paid_order_facts(order.id)
    assert facts.total_fen == 30000 and facts.buyer_agent_id == order.buyer_agent_id
    assert [(l.product_id, l.quantity, l.unit_price_fen, l.unit_cost_fen) for l in facts.lines] == [
        (product.id, 3, 10000, 4000)]


def test_an_unpaid_order_has_no_paid_facts(bought):
    with pytest.raises(Conflict):
        service.paid_order_facts(bought[0].id)
