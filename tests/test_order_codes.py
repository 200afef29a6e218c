"""Authenticity codes are bound to an order at shipment, all or nothing, or afterwards by the warehouse."""
import pytest

from app import migrate
from app.codes.models import Code, Violation
from app.database import db
from app.orders import placement, service
from tests.factories import (admin_headers, advanced, codes_of, make_admin, make_agent, make_batch, orderable, place,
                             scan_client, stock_of, unique)


@pytest.fixture
def warehouse_headers(client):
    return admin_headers(client, make_admin("warehouse"))


@pytest.fixture
def picked_order():
    """A picked order of 2 units of one product, with a batch of 5 codes of that product."""
    agent = make_agent(province="浙江省", city="杭州市")
    product, warehouse = orderable(100)
    order = advanced(place(agent, (product, 2)), "pay", "pick")
    return order, agent, make_batch(5, product=product), (product, warehouse)


def ship(client, headers, order, codes):
    return client.post(f"/admin/api/orders/{order.id}/ship", headers=headers,
                       json={"carrier": "顺丰", "tracking_no": unique("SF"), "codes": codes})


def test_shipping_with_codes_binds_them_to_the_order_its_agent_and_region(client, warehouse_headers, picked_order):
    order, agent, batch, _ = picked_order
    codes = codes_of(batch)[:2]
    assert ship(client, warehouse_headers, order, codes).status_code == 200
    bound = list(Code.select().where(Code.code.in_(codes)))
    assert {(c.order_id, c.agent_id, c.province) for c in bound} == {(order.id, agent.id, "浙江省")}


def test_a_code_of_another_product_stops_the_whole_shipment(client, warehouse_headers, picked_order):
    order, _, batch, (product, warehouse) = picked_order
    stranger = codes_of(make_batch(1))[0]
    response = ship(client, warehouse_headers, order, [codes_of(batch)[0], stranger])
    assert response.status_code in (409, 422)
    assert service.get_order(order.id).status == "picking"
    assert stock_of(product, warehouse) == (50, 2)
    assert Code.select().where(Code.order_id == order.id).count() == 0


def test_more_codes_than_units_are_refused(client, warehouse_headers, picked_order):
    order, _, batch, _ = picked_order
    response = ship(client, warehouse_headers, order, codes_of(batch)[:3])
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "too_many_codes"


def test_codes_can_be_bound_after_shipment(client, warehouse_headers, picked_order):
    order, _, batch, _ = picked_order
    assert ship(client, warehouse_headers, order, []).status_code == 200
    response = client.post(f"/admin/api/orders/{order.id}/codes", headers=warehouse_headers,
                           json={"codes": codes_of(batch)[:2]})
    assert response.status_code == 200
    assert response.get_json()["bound"] == 2


def test_binding_the_same_codes_again_changes_nothing(client, warehouse_headers, picked_order):
    order, _, batch, _ = picked_order
    codes = codes_of(batch)[:2]
    ship(client, warehouse_headers, order, codes)
    response = client.post(f"/admin/api/orders/{order.id}/codes", headers=warehouse_headers, json={"codes": codes})
    assert response.status_code == 200 and response.get_json()["repeated"] is True


def test_codes_cannot_be_bound_before_picking(client, warehouse_headers):
    agent = make_agent()
    product, _ = orderable(100)
    order = advanced(place(agent, (product, 1)), "pay")
    response = client.post(f"/admin/api/orders/{order.id}/codes", headers=warehouse_headers,
                           json={"codes": codes_of(make_batch(1, product=product))})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "codes_not_bindable"


def test_a_customer_order_binds_codes_to_the_consignee_province():
    product, _ = orderable(100)
    placed = placement.enter_order(actor="admin:1", idempotency_key=unique("k"),
                                   items=[{"product_id": product.id, "quantity": 1}],
                                   consignee={"name": "李四", "phone": "13700000000", "province": "四川省",
                                              "city": "成都市", "address": "春熙路1号"})
    order = advanced(placed, "pay", "pick")
    code = codes_of(make_batch(1, product=product))
    service.ship(order.id, actor="admin:1", carrier="顺丰", tracking_no="SF1", codes_scanned=code)
    bound = Code.get(Code.code == code[0])
    assert (bound.agent_id, bound.province) == (None, "四川省")


def _dropshipped_to_sichuan(client, warehouse_headers, picked_order):
    """picked_order's agent (浙江省) ships straight to a customer in 四川省; returns the bound codes."""
    _, agent, batch, (product, _) = picked_order
    order = advanced(place(agent, (product, 1), consignee={"name": "李四", "phone": "13700000000",
                                                         "province": "四川省", "city": "成都市",
                                                         "address": "春熙路1号"}), "pay", "pick")
    codes = codes_of(batch)[:1]
    assert ship(client, warehouse_headers, order, codes).status_code == 200
    return codes


def test_a_dropshipped_order_binds_its_codes_to_the_consignee_province(client, warehouse_headers, picked_order):
    code = _dropshipped_to_sichuan(client, warehouse_headers, picked_order)[0]
    bound = Code.get(Code.code == code)
    assert (bound.agent_id, bound.province) == (picked_order[1].id, "四川省")


def test_the_dropship_customers_own_scan_is_no_cross_region_violation(app, client, warehouse_headers,
                                                                      picked_order):
    code = _dropshipped_to_sichuan(client, warehouse_headers, picked_order)[0]
    scan_client(app).get(f"/api/mp/codes/{code}", query_string={"province": "四川省"})
    assert Violation.select().count() == 0


def test_the_migration_moves_codes_dropshipped_before_the_fix_to_the_consignee_province(client, warehouse_headers,
                                                                                        picked_order):
    order, agent, batch, _ = picked_order
    dropshipped = _dropshipped_to_sichuan(client, warehouse_headers, picked_order)[0]
    own = codes_of(batch)[1]
    assert ship(client, warehouse_headers, order, [own]).status_code == 200
    Code.update(province=agent.province).where(Code.code == dropshipped).execute()  # as bound before the fix
    migration = next(m for m in migrate.runner().migrations() if m.name == "0110_dropship_code_regions")
    migration.load().up(None, db.obj)
    assert Code.get(Code.code == dropshipped).province == "四川省"
    assert Code.get(Code.code == own).province == "浙江省"
