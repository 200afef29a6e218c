"""The console's order API: entry, roles, payment with proof, batch work, export, picking lists, rules."""
import io

import pytest
from openpyxl import Workbook, load_workbook

from app.exports import csv_bytes
from app.orders import service
from tests.factories import admin_headers, advanced, make_admin, make_agent, orderable, place, stock_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def as_role(client):
    return lambda role: admin_headers(client, make_admin(role))


def test_staff_enter_a_customer_order(client, as_role):
    product, _ = orderable(100, retail_yuan=250)
    response = client.post("/admin/api/orders", headers=as_role("staff"), json={
        "idempotency_key": "c-1", "items": [{"product_id": product.id, "quantity": 2}],
        "consignee": {"name": "李四", "phone": "13700000000", "province": "广东省", "city": "广州市",
                      "address": "天河路1号"}})
    assert response.status_code == 201
    assert response.get_json()["total"] == "500.00" and response.get_json()["buyer_agent_id"] is None


def test_staff_enter_an_order_for_an_agent_at_its_level_price(client, as_role):
    agent = make_agent()
    product, _ = orderable(100)
    response = client.post("/admin/api/orders", headers=as_role("staff"), json={
        "idempotency_key": "a-1", "agent_id": agent.id, "items": [{"product_id": product.id, "quantity": 1}],
        "consignee": {"address": "科技园路1号"}})
    assert response.status_code == 201 and response.get_json()["total"] == "100.00"


def test_the_warehouse_may_not_confirm_payments(client, as_role):
    agent = make_agent()
    product, _ = orderable(100)
    order = place(agent, (product, 1))
    response = client.post(f"/admin/api/orders/{order.id}/pay", headers=as_role("warehouse"),
                           data={"amount": "100.00"})
    assert response.status_code == 403


def test_finance_confirms_a_transfer_with_its_proof_and_a_second_time_changes_nothing(client, as_role, tmp_path):
    agent = make_agent()
    product, warehouse = orderable(100)
    order = place(agent, (product, 1))
    headers = as_role("finance")
    first = client.post(f"/admin/api/orders/{order.id}/pay", headers=headers,
                        data={"amount": "100.00", "payment_ref": "银行流水1", "proof": (io.BytesIO(PNG), "p.png")})
    second = client.post(f"/admin/api/orders/{order.id}/pay", headers=headers, data={"amount": "100.00"})
    assert first.status_code == 200 and first.get_json()["confirmed_now"] is True
    assert second.get_json()["confirmed_now"] is False and "未重复处理" in second.get_json()["message"]
    assert service.get_order(order.id).payment_proof.endswith(".png")
    assert stock_of(product, warehouse) == (50, 1)


def test_a_proof_that_is_not_an_image_is_a_422(client, as_role):
    agent = make_agent()
    product, _ = orderable(100)
    order = place(agent, (product, 1))
    response = client.post(f"/admin/api/orders/{order.id}/pay", headers=as_role("finance"),
                           data={"amount": "100.00", "proof": (io.BytesIO(b"%PDF-1.4"), "p.pdf")})
    assert response.status_code == 422 and "proof" in response.get_json()["error"]["fields"]


def test_batch_payment_confirms_each_and_reports_each(client, as_role):
    agent = make_agent()
    product, _ = orderable(100)
    first, second = place(agent, (product, 1)), advanced(place(agent, (product, 1)), "pay")
    rows = client.post("/admin/api/orders/batch/pay", headers=as_role("finance"),
                       json={"order_ids": [first.id, second.id, 2**40]}).get_json()
    assert [(r["outcome"], r["message"]) for r in rows] == [
        ("done", "已确认付款"), ("done", "此前已确认付款，未重复处理"), ("skipped", "订单不存在")]


def shipment_file(rows, fmt="xlsx"):
    headers = ("订单号", "快递公司", "快递单号")
    if fmt == "csv":
        return csv_bytes(headers, rows), "ship.csv"
    workbook = Workbook()
    workbook.active.append(headers)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), "ship.xlsx"


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_shipment_file_ships_the_good_rows_and_says_why_it_skipped_the_bad(client, as_role, fmt):
    agent = make_agent()
    product, warehouse = orderable(100)
    ready = [advanced(place(agent, (product, 1)), "pay", "pick") for _ in range(2)]
    unpaid = place(agent, (product, 1))
    content, name = shipment_file([(service.order_no(ready[0]), "顺丰", "SF001"), ("999999999999", "顺丰", "SF002"),
                                   (service.order_no(unpaid), "顺丰", "SF003"),
                                   (service.order_no(ready[1]), "中通", "")], fmt)
    headers = as_role("warehouse")
    rows = client.post("/admin/api/orders/batch/ship", headers=headers,
                       data={"file": (io.BytesIO(content), name)}).get_json()
    assert [r["outcome"] for r in rows] == ["shipped", "skipped", "skipped", "skipped"]
    assert rows[1]["message"] == "订单号不存在" and "待付款" in rows[2]["message"] and "快递单号" in rows[3]["message"]
    assert stock_of(product, warehouse) == (49, 1)
    again = client.post("/admin/api/orders/batch/ship", headers=headers,
                        data={"file": (io.BytesIO(content), name)}).get_json()
    assert again[0] == {**rows[0], "outcome": "skipped", "message": "此前已按该单号发货"}
    assert stock_of(product, warehouse) == (49, 1)


@pytest.mark.parametrize("text", ["26010100000²", "9" * 35, "２６０１０１０００００１"])
def test_a_search_by_a_malformed_order_number_finds_nothing(client, as_role, text):
    response = client.get("/admin/api/orders", query_string={"search": text}, headers=as_role("staff"))
    assert response.status_code == 200 and response.get_json()["items"] == []


def test_a_shipment_file_with_malformed_order_numbers_answers_every_row(client, as_role):
    agent = make_agent()
    product, warehouse = orderable(100)
    ready = [advanced(place(agent, (product, 1)), "pay", "pick") for _ in range(2)]
    content, name = shipment_file([(service.order_no(ready[0]), "顺丰", "SF001"), ("26010100000²", "顺丰", "SF002"),
                                   ("9" * 35, "顺丰", "SF003"), (service.order_no(ready[1]), "顺丰", "SF004")], "csv")
    response = client.post("/admin/api/orders/batch/ship", headers=as_role("warehouse"),
                           data={"file": (io.BytesIO(content), name)})
    assert response.status_code == 200
    assert [(r["outcome"], r["message"]) for r in response.get_json()] == [
        ("shipped", "已发货"), ("skipped", "订单号不存在"), ("skipped", "订单号不存在"), ("shipped", "已发货")]
    assert stock_of(product, warehouse) == (48, 0)


def test_a_shipment_file_without_the_columns_is_a_422(client, as_role):
    content, name = shipment_file([])
    workbook = load_workbook(io.BytesIO(content))
    workbook.active["A1"] = "编号"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client.post("/admin/api/orders/batch/ship", headers=as_role("warehouse"),
                           data={"file": (io.BytesIO(buffer.getvalue()), "x.xlsx")})
    assert response.status_code == 422


def test_batch_picking(client, as_role):
    agent = make_agent()
    product, _ = orderable(100)
    order = advanced(place(agent, (product, 1)), "pay")
    rows = client.post("/admin/api/orders/batch/pick", headers=as_role("warehouse"),
                       json={"order_ids": [order.id]}).get_json()
    assert rows[0]["outcome"] == "done" and service.get_order(order.id).status == "picking"


def test_the_list_filters_and_pages(client, as_role):
    agent = make_agent()
    product, _ = orderable(100)
    orders = [place(agent, (product, 1)) for _ in range(3)]
    advanced(orders[0], "pay")
    headers = as_role("staff")
    page = client.get(f"/admin/api/orders?agent_id={agent.id}&per_page=2", headers=headers).get_json()
    assert page["total"] == 3 and len(page["items"]) == 2
    paid = client.get("/admin/api/orders?status=paid", headers=headers).get_json()
    assert [o["id"] for o in paid["items"]] == [orders[0].id]
    found = client.get(f"/admin/api/orders?search={service.order_no(orders[1])}", headers=headers).get_json()
    assert [o["id"] for o in found["items"]] == [orders[1].id]


def test_a_refund_through_the_console(client, as_role):
    agent = make_agent()
    product, warehouse = orderable(100)
    order = advanced(place(agent, (product, 2)), "pay", "pick", "ship")
    response = client.post(f"/admin/api/orders/{order.id}/refund", headers=as_role("finance"), json={
        "reason": "破损", "lines": [{"product_id": product.id, "quantity": 1}], "goods_back": True})
    assert response.status_code == 201 and response.get_json()["amount"] == "100.00"
    assert stock_of(product, warehouse) == (49, 0)


def test_the_export_is_an_xlsx_of_the_orders(client, as_role):
    agent = make_agent()
    product, _ = orderable(100)
    order = place(agent, (product, 2))
    response = client.get("/admin/api/orders/export", headers=as_role("finance"))
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.values)
    assert rows[0][0] == "订单号" and rows[1][0] == service.order_no(order) and "×2" in rows[1][11]


def test_the_picking_list_is_a_pdf(client, as_role):
    agent = make_agent()
    product, _ = orderable(100)
    order = advanced(place(agent, (product, 2)), "pay")
    response = client.post("/admin/api/orders/picking-list", headers=as_role("warehouse"),
                           json={"order_ids": [order.id]})
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_promotions_and_shipping_templates_are_managed_in_the_console(client, as_role):
    headers = as_role("staff")
    created = client.post("/admin/api/promotions", headers=headers,
                          json={"name": "满500减50", "kind": "amount_off", "threshold": "500", "off": "50"})
    assert created.status_code == 201 and created.get_json()["off"] == "50.00"
    patched = client.patch(f"/admin/api/promotions/{created.get_json()['id']}", headers=headers,
                           json={"active": False})
    assert patched.get_json()["active"] is False
    put = client.put("/admin/api/shipping-templates", headers=headers,
                     json={"province": "广东省", "first_unit": "10", "additional_unit": "5", "free_over": "300"})
    assert put.status_code == 200 and put.get_json()["free_over"] == "300.00"
    assert client.put("/admin/api/shipping-templates", headers=headers,
                      json={"province": "火星", "first_unit": "10"}).status_code == 422
    bad = client.post("/admin/api/promotions", headers=headers, json={"name": "折", "kind": "level_discount"})
    assert bad.status_code == 422


def test_reports_answer_per_product_and_region(client, as_role):
    agent = make_agent()
    product, _ = orderable(100)
    advanced(place(agent, (product, 2)), "pay")
    headers = as_role("finance")
    by_product = client.get("/admin/api/order-reports/product", headers=headers).get_json()
    assert by_product == [{"key": str(product.id), "label": product.name, "orders": 1, "units": 2,
                           "amount": "200.00"}]
    by_region = client.get("/admin/api/order-reports/region", headers=headers).get_json()
    assert by_region[0]["label"] == "广东省 深圳市"
    export = client.get("/admin/api/order-reports/export?report=month", headers=headers)
    assert export.status_code == 200 and export.mimetype.endswith("sheet")
    assert client.get("/admin/api/order-reports/day?since=2025-02-01&until=2025-01-01",
                      headers=headers).status_code == 422
