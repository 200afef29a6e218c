"""An agent's own stock in the mini-program: its own orders on the way and received, less its recorded sales."""
import pytest

from app.codes import service as codes
from app.orders import refunds
from tests.factories import advanced, agent_headers, orderable, place


@pytest.fixture
def me(client, fake_wechat):
    return agent_headers(client, fake_wechat)


def my_stock(client, headers):
    response = client.get("/api/mp/me/stock", headers=headers)
    assert response.status_code == 200
    return {item["product_name"]: item for item in response.get_json()["items"]}


def sell(agent, product, quantity):
    codes.record_retail_sale(agent_id=agent.id, client_ref=f"sale-{product.id}-{quantity}", customer_name="王女士",
                             items=[{"product_id": product.id, "quantity": quantity, "unit_fen": 30000}])


def test_a_shipped_order_is_on_the_way_and_a_received_one_in_hand(client, me):
    headers, agent = me
    product, _ = orderable(100, name="玫瑰面霜")
    advanced(place(agent, (product, 5)), "pay", "pick", "ship")
    assert my_stock(client, headers)["玫瑰面霜"] == {
        "product_id": product.id, "product_name": "玫瑰面霜", "on_the_way": 5, "received": 0, "sold": 0, "on_hand": 0}
    advanced(place(agent, (product, 3)), "pay", "pick", "ship", "receive")
    stock = my_stock(client, headers)["玫瑰面霜"]
    assert (stock["on_the_way"], stock["received"], stock["on_hand"]) == (5, 3, 3)


def test_recorded_sales_come_off_what_is_in_hand(client, me):
    headers, agent = me
    product, _ = orderable(100, name="精华液")
    advanced(place(agent, (product, 10)), "pay", "pick", "ship", "receive")
    sell(agent, product, 4)
    stock = my_stock(client, headers)["精华液"]
    assert (stock["received"], stock["sold"], stock["on_hand"]) == (10, 4, 6)


def test_orders_sent_straight_to_customers_are_not_my_stock(client, me):
    headers, agent = me
    product, _ = orderable(100, name="面膜")
    order = place(agent, (product, 2), consignee={"name": "客户甲", "phone": "13900000001", "address": "某路1号"})
    advanced(order, "pay", "pick", "ship", "receive")
    assert my_stock(client, headers) == {}


def test_unpaid_and_refunded_units_are_not_in_hand(client, me):
    headers, agent = me
    product, _ = orderable(100, name="洁面乳")
    place(agent, (product, 7))
    received = advanced(place(agent, (product, 4)), "pay", "pick", "ship", "receive")
    refunds.refund(received.id, actor="admin:1", reason="质量问题")
    stock = my_stock(client, headers).get("洁面乳")
    assert stock is None or (stock["received"], stock["on_hand"]) == (0, 0)


def test_another_agents_stock_is_not_mine(client, me, fake_wechat):
    headers, _ = me
    _, other = agent_headers(client, fake_wechat)
    product, _ = orderable(100, name="爽肤水")
    advanced(place(other, (product, 2)), "pay", "pick", "ship", "receive")
    assert my_stock(client, headers) == {}
