"""The order page's refunds of some units (which units of which lines, goods back or not) and the codes a shipment
carried."""
from app.orders import service
from tests.factories import (advanced, codes_of, console_as, console_post, make_agent, make_batch, orderable, place,
                             stock_of, unique)


def paid_two_products():
    agent = make_agent()
    cream, warehouse = orderable(100)
    serum, _ = orderable(50, warehouse=warehouse)
    order = advanced(place(agent, (cream, 3), (serum, 2)), "pay")
    return order, cream, serum, warehouse


def refund(client, order, **form):
    return console_post(client, f"/admin/orders/{order.id}/refund", {"reason": "部分退货", **form})


def shipped(order):
    advanced(order, "pick")
    service.ship(order.id, actor="admin:1", carrier="顺丰", tracking_no=unique("SF"))
    return order


def test_finance_refund_some_units_of_one_line_of_a_shipped_order(client):
    order, cream, serum, _ = paid_two_products()
    shipped(order)
    console_as(client, "finance")
    response = refund(client, order, scope="lines", **{f"refund.{cream.id}": "1", f"refund.{serum.id}": "0"})
    assert response.status_code == 302
    refreshed = service.get_order(order.id)
    assert refreshed.refunded_fen == 10000 and refreshed.status == "shipped"
    assert {line.product_id: line.refunded_quantity for line in refreshed.line_list} == {cream.id: 1, serum.id: 0}


def test_goods_back_return_the_units_to_stock(client):
    order, cream, _, warehouse = paid_two_products()
    shipped(order)
    before = stock_of(cream, warehouse)
    console_as(client, "finance")
    refund(client, order, scope="lines", goods_back="1", **{f"refund.{cream.id}": "2"})
    assert stock_of(cream, warehouse)[0] == before[0] + 2


def test_more_units_than_were_bought_are_refused_and_nothing_is_refunded(client):
    order, cream, _, _ = paid_two_products()
    shipped(order)
    console_as(client, "finance")
    response = refund(client, order, scope="lines", **{f"refund.{cream.id}": "4"})
    assert response.status_code in (409, 422)
    assert service.get_order(order.id).refunded_fen == 0


def test_a_partial_refund_with_no_units_asks_for_them(client):
    order, cream, _, _ = paid_two_products()
    console_as(client, "finance")
    response = refund(client, order, scope="lines", **{f"refund.{cream.id}": "0"})
    assert response.status_code == 422 and "请填写要退的商品数量" in response.get_data(as_text=True)


def test_an_unshipped_order_is_refunded_whole_only(client):
    order, cream, _, _ = paid_two_products()
    console_as(client, "finance")
    response = refund(client, order, scope="lines", **{f"refund.{cream.id}": "1"})
    assert response.status_code == 409 and "未发货的订单请整单取消或整单退款" in response.get_data(as_text=True)
    assert "按所填数量退款" not in response.get_data(as_text=True)


def test_the_whole_refund_button_refunds_everything(client):
    order, _, _, _ = paid_two_products()
    console_as(client, "finance")
    refund(client, order, scope="whole")
    assert service.get_order(order.id).status == "refunded"


def test_the_order_page_lists_the_codes_its_shipment_carried(client):
    agent = make_agent()
    product, _ = orderable(100)
    order = advanced(place(agent, (product, 2)), "pay", "pick")
    texts = codes_of(make_batch(2, product=product))
    service.ship(order.id, actor="admin:1", carrier="顺丰", tracking_no=unique("SF"), codes_scanned=texts)
    console_as(client, "staff")
    page = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "发货防伪码" in page and all(code in page for code in texts)
