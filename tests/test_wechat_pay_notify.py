"""WeChat Pay (v2) notifications at POST /api/pay/wechat/notify: signed, idempotent, XML both ways."""
from dataclasses import replace

import pytest
from wechatpy.pay.utils import calculate_signature, dict_to_xml

from app.config import configure, get_settings
from app.orders import service
from tests.conftest import MP_APPID
from tests.factories import make_agent, orderable, place, stock_of

MCH_ID, API_KEY = "1900000109", "k" * 32


@pytest.fixture(autouse=True)
def wechat_pay():
    before = get_settings()
    configure(replace(before, WECHAT_PAY_MCH_ID=MCH_ID, WECHAT_PAY_API_KEY=API_KEY))
    yield
    configure(before)


def notification(order, *, total_fee=None, key=API_KEY, transaction_id="4200000001"):
    data = {"appid": MP_APPID, "mch_id": MCH_ID, "nonce_str": "n0nce", "result_code": "SUCCESS",
            "return_code": "SUCCESS", "out_trade_no": service.order_no(order), "transaction_id": transaction_id,
            "total_fee": str(order.total_fen if total_fee is None else total_fee), "openid": "o-1",
            "trade_type": "JSAPI"}
    return dict_to_xml(data, calculate_signature(data, key))


@pytest.fixture
def order():
    agent = make_agent()
    product, warehouse = orderable(100)
    return place(agent, (product, 2)), product, warehouse


def notify(client, body):
    response = client.post("/api/pay/wechat/notify", data=body.encode(), content_type="text/xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    return response.get_data(as_text=True)


def test_a_signed_notification_confirms_the_payment_and_reserves_stock(client, order):
    order, product, warehouse = order
    assert "SUCCESS" in notify(client, notification(order))
    paid = service.get_order(order.id)
    assert (paid.status, paid.payment_method, paid.payment_ref) == ("paid", "wechat", "4200000001")
    assert stock_of(product, warehouse) == (50, 2)


def test_a_replayed_notification_is_acknowledged_and_changes_nothing(client, order):
    order, product, warehouse = order
    notify(client, notification(order))
    assert "SUCCESS" in notify(client, notification(order))
    assert stock_of(product, warehouse) == (50, 2)
    assert [e.action for e in service.get_order(order.id).event_log] == ["place", "pay", "pay_repeated"]


def test_a_notification_with_a_bad_signature_is_refused(client, order):
    order, _, _ = order
    answer = notify(client, notification(order, key="x" * 32))
    assert "FAIL" in answer and "签名错误" in answer
    assert service.get_order(order.id).status == "pending_payment"


def test_a_notification_of_another_amount_is_refused(client, order):
    order, _, _ = order
    assert "FAIL" in notify(client, notification(order, total_fee=1))
    assert service.get_order(order.id).status == "pending_payment"


def test_malformed_xml_gets_a_fail_in_xml(client):
    assert "FAIL" in notify(client, "<xml><not closed")


def test_a_payment_for_a_cancelled_order_is_acknowledged_and_the_owners_are_told(client, order):
    from app.notify.service import queued

    order, _, _ = order
    service.cancel(order.id, actor="system", reason="超时")
    assert "SUCCESS" in notify(client, notification(order))
    assert queued("order_paid_after_close")


def test_without_wechat_pay_settings_nothing_is_confirmed(client, order):
    order, _, _ = order
    configure(replace(get_settings(), WECHAT_PAY_API_KEY=""))
    assert "FAIL" in notify(client, notification(order))
