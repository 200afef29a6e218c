"""An agent scanning goods of its own sees which of its orders they came in; nobody else learns that."""
from tests.factories import advanced, agent_headers, make_batch, orderable, place, shipped, wechat_login


def look_up(client, code, headers=None):
    response = client.get(f"/api/mp/codes/{code}", headers=headers or {})
    assert response.status_code == 200
    return response.get_json()


def shipped_order(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    product, _ = orderable()
    order = advanced(place(agent, (product, 1)), "pay", "pick", "ship")
    batch = make_batch(1, product=product)
    [code] = shipped(batch, agent, order_id=order.id)
    return headers, order, code


def test_my_own_goods_name_the_order_they_were_shipped_in(client, fake_wechat):
    headers, order, code = shipped_order(client, fake_wechat)
    body = look_up(client, code, headers)
    assert body["genuine"] is True
    assert body["my_order"]["id"] == order.id and len(body["my_order"]["order_no"]) >= 12


def test_another_agent_consumer_or_anonymous_scan_sees_no_order(client, fake_wechat):
    _, _, code = shipped_order(client, fake_wechat)
    other_agent, _ = agent_headers(client, fake_wechat)
    consumer, _ = wechat_login(client, fake_wechat)
    assert look_up(client, code, other_agent)["my_order"] is None
    assert look_up(client, code, consumer)["my_order"] is None
    assert look_up(client, code)["my_order"] is None


def test_an_unknown_code_has_no_order(client, fake_wechat):
    headers, _, _ = shipped_order(client, fake_wechat)
    body = look_up(client, "not-a-code", headers)
    assert body["genuine"] is False and body["my_order"] is None
