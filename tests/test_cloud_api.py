"""Cloud stock over HTTP: the mini-program's /api/mp/cloud and the console's /admin/api/cloud."""
import csv
import io

import pytest

from tests.factories import (ADDRESS, admin_headers, agent_headers, cloud_units, in_cloud, make_admin,
                             make_agent, make_level, orderable, stock_of, with_goods)
from tests.test_errors import assert_error


def family(client, fake_wechat, money_fen=1_000_000):
    """An upline holding 10 units of a product in cloud stock; its downline signed in with goods money."""
    from app.catalog import service as catalog
    top, low = make_level(rank=1), make_level(rank=2)
    upline = make_agent(level=top)
    headers, downline = agent_headers(client, fake_wechat, level=low, upline=upline)
    with_goods(money_fen, agent=downline)
    product, warehouse = orderable(on_hand=100)
    catalog.set_level_price(product_id=product.id, level_id=top.id, price_fen=6000)
    catalog.set_level_price(product_id=product.id, level_id=low.id, price_fen=9000)
    in_cloud(upline, product, 10)
    return headers, upline, downline, product, warehouse


def transfer_body(product, quantity=2, key="t-1"):
    return {"idempotency_key": key, "product_id": product.id, "quantity": quantity}


@pytest.fixture
def keeper(client):
    return admin_headers(client, make_admin("warehouse"))


def test_an_agent_buys_into_its_cloud_stock_through_the_order_api(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    product, _ = orderable(100)
    placed = client.post("/api/mp/orders", headers=headers, json={
        "idempotency_key": "c-1", "items": [{"product_id": product.id, "quantity": 3}], "to_cloud": True})
    assert placed.status_code == 201 and placed.get_json()["to_cloud"] is True
    assert placed.get_json()["shipping"] == "0.00"


def test_my_cloud_stock_lists_my_units(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    product, _ = orderable(100)
    in_cloud(agent, product, 4)
    rows = client.get("/api/mp/cloud/stock", headers=headers).get_json()
    assert [(r["product_id"], r["units"], r["held_months"]) for r in rows] == [(product.id, 4, 0)]


def test_a_downline_sees_its_uplines_offers_at_its_price(client, fake_wechat):
    headers, _, _, product, _ = family(client, fake_wechat)
    offers = client.get("/api/mp/cloud/upline-offers", headers=headers).get_json()
    assert offers == [{"product_id": product.id, "product_name": product.name, "unit": product.unit,
                       "price": "90.00", "available": 10}]


def test_a_transfer_answers_201_and_its_retry_200(client, fake_wechat):
    headers, upline, downline, product, _ = family(client, fake_wechat)
    first = client.post("/api/mp/cloud/transfers", headers=headers, json=transfer_body(product))
    again = client.post("/api/mp/cloud/transfers", headers=headers, json=transfer_body(product))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["transfer"]["amount"] == "180.00" and again.get_json()["repeated"] is True
    assert cloud_units(downline, product) == 2 and cloud_units(upline, product) == 8


def test_a_transfer_beyond_the_uplines_units_is_409(client, fake_wechat):
    headers, upline, _, product, _ = family(client, fake_wechat)
    response = client.post("/api/mp/cloud/transfers", headers=headers, json=transfer_body(product, 11))
    assert_error(response, 409)
    assert response.get_json()["error"]["code"] == "insufficient_cloud_stock" and cloud_units(upline, product) == 10


@pytest.mark.parametrize("quantity", [0, 10000, "2", 1.5, None])
def test_an_odd_transfer_quantity_is_422(client, fake_wechat, quantity):
    headers, _, _, product, _ = family(client, fake_wechat)
    assert_error(client.post("/api/mp/cloud/transfers", headers=headers,
                             json={"idempotency_key": "x", "product_id": product.id, "quantity": quantity}), 422)


def test_a_pickup_to_a_customer_answers_201(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    product, warehouse = orderable(100, on_hand=20)
    in_cloud(agent, product, 5)
    response = client.post("/api/mp/cloud/pickups", headers=headers, json={
        "idempotency_key": "p-1", "items": [{"product_id": product.id, "quantity": 2}],
        "consignee": {"name": "王小姐", "phone": "13912345678", "province": "广东省", "city": "广州市",
                      "address": "天河路1号"}})
    assert response.status_code == 201
    pickup = response.get_json()["pickup"]
    assert pickup["status"] == "waiting" and pickup["dropship"] is True and pickup["lines"][0]["quantity"] == 2
    assert cloud_units(agent, product) == 3


def test_a_pickup_beyond_my_units_is_409(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    product, _ = orderable(100, on_hand=20)
    in_cloud(agent, product, 1)
    response = client.post("/api/mp/cloud/pickups", headers=headers, json={
        "idempotency_key": "p-1", "items": [{"product_id": product.id, "quantity": 2}], "consignee": ADDRESS})
    assert_error(response, 409)


def test_another_agents_pickup_is_404(client, fake_wechat):
    from app.cloud import service as cloud
    headers, _ = agent_headers(client, fake_wechat)
    other = make_agent()
    product, _ = orderable(100, on_hand=20)
    in_cloud(other, product, 3)
    theirs, _ = cloud.request_pickup(agent=other, idempotency_key="o", items=[{"product_id": product.id,
                                                                                "quantity": 1}], consignee=ADDRESS)
    assert_error(client.get(f"/api/mp/cloud/pickups/{theirs.id}", headers=headers), 404)
    assert_error(client.post(f"/api/mp/cloud/pickups/{theirs.id}/cancel", headers=headers), 404)


def test_the_warehouse_picks_and_ships_a_pickup(client, fake_wechat, keeper):
    headers, agent = agent_headers(client, fake_wechat)
    product, warehouse = orderable(100, on_hand=20)
    in_cloud(agent, product, 5)
    pickup = client.post("/api/mp/cloud/pickups", headers=headers, json={
        "idempotency_key": "p-1", "items": [{"product_id": product.id, "quantity": 2}],
        "consignee": ADDRESS}).get_json()["pickup"]
    assert client.post(f"/admin/api/cloud/pickups/{pickup['id']}/pick", headers=keeper).status_code == 200
    shipped = client.post(f"/admin/api/cloud/pickups/{pickup['id']}/ship", headers=keeper,
                          json={"carrier": "顺丰", "tracking_no": "SF100"})
    assert shipped.status_code == 200 and shipped.get_json()["status"] == "shipped"
    assert stock_of(product, warehouse) == (18, 3)


def test_shipping_a_waiting_pickup_is_409(client, fake_wechat, keeper):
    headers, agent = agent_headers(client, fake_wechat)
    product, _ = orderable(100, on_hand=20)
    in_cloud(agent, product, 5)
    pickup = client.post("/api/mp/cloud/pickups", headers=headers, json={
        "idempotency_key": "p-1", "items": [{"product_id": product.id, "quantity": 2}],
        "consignee": ADDRESS}).get_json()["pickup"]
    assert_error(client.post(f"/admin/api/cloud/pickups/{pickup['id']}/ship", headers=keeper,
                             json={"carrier": "顺丰", "tracking_no": "SF100"}), 409)


def test_the_console_lists_and_exports_holdings_with_their_age(client, keeper):
    agent = make_agent()
    product, _ = orderable(100)
    in_cloud(agent, product, 6)
    page = client.get("/admin/api/cloud/stock", headers=keeper).get_json()
    assert page["total"] == 1 and page["items"][0]["units"] == 6
    exported = client.get("/admin/api/cloud/stock/export?format=csv", headers=keeper)
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0][0] == "代理" and rows[1][4] == "6"


def test_the_console_lists_cloud_moves(client, keeper):
    agent = make_agent()
    product, _ = orderable(100)
    in_cloud(agent, product, 6)
    moves = client.get(f"/admin/api/cloud/moves?agent_id={agent.id}", headers=keeper).get_json()
    assert [(m["reason"], m["delta"]) for m in moves["items"]] == [("purchase", 6)]


def test_an_agent_cannot_use_the_console_api(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    assert_error(client.get("/admin/api/cloud/stock", headers=headers), 401)


def test_the_owner_turns_on_commission_on_transfers_in_a_rule_version(client):
    from app.finance import service as finance
    owner = admin_headers(client, make_admin("owner"))
    response = client.post("/admin/api/finance/rules", headers=owner, json={
        "rules": {"level_difference": {"enabled": True}, "cloud_transfers": {"enabled": True}}})
    assert response.status_code == 201, response.get_json()
    assert finance.commission_on_cloud_transfers()
