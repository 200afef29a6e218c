"""Console pages for orders: list, detail with actions by role, payment, shipment with codes, batch work, entry."""
from io import BytesIO

import pytest

from app.codes.models import Code
from app.exports import xlsx_bytes
from app.orders import service
from tests.factories import (advanced, codes_of, console_login, console_post, make_admin, make_agent, make_batch,
                             orderable, place)


@pytest.fixture
def pending_order():
    agent = make_agent()
    product, _ = orderable(100)
    return place(agent, (product, 2))


def signed_in(client, role):
    console_login(client, make_admin(role))
    return client


def test_the_list_shows_orders_with_their_chinese_status(client, pending_order):
    page = signed_in(client, "staff").get("/admin/orders").get_data(as_text=True)
    assert service.order_no(pending_order) in page and "待付款" in page


def test_the_list_filters_by_status(client, pending_order):
    page = signed_in(client, "staff").get("/admin/orders?status=paid").get_data(as_text=True)
    assert service.order_no(pending_order) not in page


def test_a_bad_filter_is_marked_and_the_list_still_shows(client, pending_order):
    response = signed_in(client, "staff").get("/admin/orders?since=yesterday")
    assert response.status_code == 200
    assert "日期格式不正确" in response.get_data(as_text=True)


def test_searching_the_list_by_a_malformed_order_number_shows_an_empty_list(client, pending_order):
    response = signed_in(client, "staff").get("/admin/orders", query_string={"search": "26010100000²"})
    assert response.status_code == 200 and service.order_no(pending_order) not in response.get_data(as_text=True)


def test_the_list_exports_as_xlsx(client, pending_order):
    response = signed_in(client, "finance").get("/admin/orders/export")
    assert response.status_code == 200 and response.data[:2] == b"PK"


def test_the_detail_shows_the_event_log(client, pending_order):
    page = signed_in(client, "warehouse").get(f"/admin/orders/{pending_order.id}").get_data(as_text=True)
    assert "订单记录" in page and "下单" in page


def test_finance_sees_the_payment_form_and_the_warehouse_does_not(app, client, pending_order):
    assert "确认付款" in signed_in(client, "finance").get(f"/admin/orders/{pending_order.id}").get_data(as_text=True)
    other = app.test_client()
    assert "确认付款" not in signed_in(other, "warehouse").get(f"/admin/orders/{pending_order.id}").get_data(
        as_text=True)


def test_finance_confirms_a_payment_from_the_page(client, pending_order):
    signed_in(client, "finance")
    response = console_post(client, f"/admin/orders/{pending_order.id}/pay", {"amount": str(pending_order.total_fen / 100)})
    assert response.status_code == 302
    assert service.get_order(pending_order.id).status == "paid"


def test_a_malformed_amount_is_marked_next_to_its_field(client, pending_order):
    signed_in(client, "finance")
    response = console_post(client, f"/admin/orders/{pending_order.id}/pay", {"amount": "12.345"})
    assert response.status_code == 422
    assert '<em class="error">金额格式不正确' in response.get_data(as_text=True)
    assert service.get_order(pending_order.id).status == "pending_payment"


def test_the_warehouse_may_not_confirm_payments(client, pending_order):
    signed_in(client, "warehouse")
    response = console_post(client, f"/admin/orders/{pending_order.id}/pay", {"amount": "1"})
    assert response.status_code == 403
    assert "无权" in response.get_data(as_text=True)


def test_an_illegal_transition_is_shown_as_a_message_on_the_order(client, pending_order):
    signed_in(client, "warehouse")
    response = console_post(client, f"/admin/orders/{pending_order.id}/pick")
    assert response.status_code == 409
    assert "不能开始配货" in response.get_data(as_text=True)


@pytest.fixture
def picked_order():
    agent = make_agent()
    product, _ = orderable(100)
    order = advanced(place(agent, (product, 2)), "pay", "pick")
    return order, make_batch(5, product=product)


def test_shipping_with_scanned_codes_binds_them(client, picked_order):
    order, batch = picked_order
    signed_in(client, "warehouse")
    codes = codes_of(batch)[:2]
    response = console_post(client, f"/admin/orders/{order.id}/ship",
                            {"carrier": "顺丰", "tracking_no": "SF1001", "codes": "\n".join(codes)})
    assert response.status_code == 302
    assert Code.select().where(Code.order_id == order.id).count() == 2
    assert service.get_order(order.id).status == "shipped"


def test_a_refused_code_keeps_the_order_unshipped_and_says_why(client, picked_order):
    order, batch = picked_order
    signed_in(client, "warehouse")
    response = console_post(client, f"/admin/orders/{order.id}/ship",
                            {"carrier": "顺丰", "tracking_no": "SF1002", "codes": "\n".join(codes_of(batch)[:3])})
    assert response.status_code == 422
    assert service.get_order(order.id).status == "picking"
    assert 'value="SF1002"' in response.get_data(as_text=True)


def test_a_missing_tracking_number_is_marked_next_to_its_field(client, picked_order):
    order, _ = picked_order
    signed_in(client, "warehouse")
    response = console_post(client, f"/admin/orders/{order.id}/ship", {"carrier": "顺丰"})
    assert response.status_code == 422
    assert '<em class="error">必填</em>' in response.get_data(as_text=True)


def test_batch_payment_shows_a_result_per_order(client, pending_order):
    signed_in(client, "finance")
    response = console_post(client, "/admin/orders/batch/pay", {"order_ids": [str(pending_order.id), "999999"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "成功 1 条，跳过 1 条" in page
    assert service.get_order(pending_order.id).status == "paid"


def test_batch_shipment_upload_shows_a_result_per_row(client, picked_order):
    order, _ = picked_order
    signed_in(client, "warehouse")
    sheet = xlsx_bytes(["订单号", "快递公司", "快递单号"], [[service.order_no(order), "顺丰", "SF2001"],
                                                       ["000000000000", "顺丰", "SF2002"]])
    response = console_post(client, "/admin/orders/batch/ship", {"file": (BytesIO(sheet), "ship.xlsx")},
                            content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert "已发货" in page and "订单号不存在" in page
    assert service.get_order(order.id).status == "shipped"


def test_batch_shipment_without_a_file_is_marked_next_to_the_field(client):
    signed_in(client, "warehouse")
    response = console_post(client, "/admin/orders/batch/ship", content_type="multipart/form-data")
    assert response.status_code == 422 and "请上传" in response.get_data(as_text=True)


def test_quick_entry_fills_the_form_from_chat_text(client):
    orderable(100, name="玫瑰面霜")
    signed_in(client, "staff")
    response = console_post(client, "/admin/orders/new/draft",
                            {"text": "张三 13812345678 广东省深圳市南山区科技园路1号 玫瑰面霜x2"})
    page = response.get_data(as_text=True)
    assert 'value="张三"' in page and 'value="13812345678"' in page and 'value="2"' in page


def test_entering_an_order_twice_with_the_same_form_places_it_once(client):
    product, _ = orderable(100)
    signed_in(client, "staff")
    form = {"idempotency_key": "form-1", "consignee.name": "李四", "consignee.phone": "13912345678",
            "consignee.province": "广东省", "consignee.city": "深圳市", "consignee.address": "科技园路2号",
            "items.0.product_id": str(product.id), "items.0.quantity": "1"}
    first = console_post(client, "/admin/orders/new", form)
    second = console_post(client, "/admin/orders/new", form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]


def test_an_order_without_items_is_refused_with_the_field_marked(client):
    signed_in(client, "staff")
    response = console_post(client, "/admin/orders/new", {"idempotency_key": "form-2",
                                                          "consignee.address": "科技园路2号"})
    assert response.status_code == 422
    assert '<em class="error">' in response.get_data(as_text=True)
