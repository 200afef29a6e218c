"""Starting a WeChat Pay payment from the mini-program (统一下单, JSAPI) against the fake WeChat Pay server."""
from dataclasses import replace

import pytest
import requests
from wechatpy.pay.utils import calculate_signature

from app.config import configure, get_settings
from app.orders import service
from tests.conftest import MP_APPID
from tests.factories import agent_headers, orderable, place, stock_of

MCH_ID, API_KEY = "1900000109", "k" * 32


@pytest.fixture
def wechat_pay(fake_wechat):
    before = get_settings()
    configure(replace(before, WECHAT_PAY_MCH_ID=MCH_ID, WECHAT_PAY_API_KEY=API_KEY,
                      WECHAT_PAY_API_BASE=fake_wechat.url))
    fake_wechat.pay.add_merchant(MCH_ID, API_KEY, MP_APPID)
    fake_wechat.pay.reset()
    fake_wechat.reset()
    yield fake_wechat
    configure(before)


@pytest.fixture
def my_order(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    product, warehouse = orderable(100)
    return headers, place(agent, (product, 2)), product, warehouse


def start(client, headers, order):
    return client.post(f"/api/mp/orders/{order.id}/wechat-payment", headers=headers)


def test_starting_a_payment_answers_signed_parameters_for_wx_request_payment(client, wechat_pay, my_order):
    headers, order, _, _ = my_order
    response = start(client, headers, order)
    assert response.status_code == 200
    params = response.get_json()
    assert params["appId"] == MP_APPID and params["package"].startswith("prepay_id=wx")
    assert params["paySign"] == calculate_signature({k: v for k, v in params.items() if k != "paySign"}, API_KEY)


def test_wechat_is_asked_for_the_order_total_under_its_number_for_the_agents_openid(client, wechat_pay, my_order):
    headers, order, _, _ = my_order
    start(client, headers, order)
    sent = wechat_pay.pay.order(service.order_no(order))
    assert sent["total_fee"] == str(order.total_fen) and sent["trade_type"] == "JSAPI"
    assert sent["openid"] and sent["notify_url"].endswith("/api/pay/wechat/notify")


def test_asking_again_answers_the_same_prepay_id(client, wechat_pay, my_order):
    headers, order, _, _ = my_order
    first, again = start(client, headers, order).get_json(), start(client, headers, order).get_json()
    assert first["package"] == again["package"]


def test_another_agents_order_is_not_found(client, wechat_pay, my_order, fake_wechat):
    _, order, _, _ = my_order
    other_headers, _ = agent_headers(client, fake_wechat)
    response = start(client, other_headers, order)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "order_not_found"
    assert wechat_pay.pay.order(service.order_no(order)) is None


def test_a_paid_order_is_not_paid_again(client, wechat_pay, my_order):
    headers, order, _, _ = my_order
    service.confirm_payment(order.id, actor="admin:1", method="transfer", amount_fen=order.total_fen)
    response = start(client, headers, order)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "illegal_transition"


def test_an_order_wechat_already_took_payment_for_says_so(client, wechat_pay, my_order):
    headers, order, _, _ = my_order
    start(client, headers, order)
    wechat_pay.pay.mark_paid(service.order_no(order))
    response = start(client, headers, order)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "already_paid"


def test_wechat_pay_down_is_a_503_and_the_order_stays_payable(client, wechat_pay, my_order):
    headers, order, _, _ = my_order
    wechat_pay.http_error_next("/pay/unifiedorder", 502)
    response = start(client, headers, order)
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "wechat_unavailable"
    assert start(client, headers, order).status_code == 200


def test_wechat_pay_not_answering_in_time_is_a_503(client, wechat_pay, my_order):
    headers, order, _, _ = my_order
    wechat_pay.hang_next("/pay/unifiedorder", 5)
    response = start(client, headers, order)
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "wechat_unavailable"


def test_a_brand_without_wechat_pay_says_to_pay_by_transfer(client, fake_wechat, my_order):
    headers, order, _, _ = my_order
    response = start(client, headers, order)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "wechat_pay_not_configured"
    assert "转账" in response.get_json()["error"]["message"]


@pytest.mark.committed
def test_paying_in_wechat_confirms_the_order_through_the_notification(wechat_pay, live_server, client):
    headers, agent = agent_headers(client, wechat_pay)
    product, warehouse = orderable(100)
    order = place(agent, (product, 2))
    before = get_settings()
    configure(replace(before, PUBLIC_BASE_URL=live_server))
    try:
        response = requests.post(f"{live_server}/api/mp/orders/{order.id}/wechat-payment", headers=headers, timeout=10)
        assert response.status_code == 200
        status, body = wechat_pay.pay.pay(service.order_no(order), transaction_id="4200000099")
    finally:
        configure(before)
    assert status == 200 and "SUCCESS" in body
    paid = service.get_order(order.id)
    assert (paid.status, paid.payment_method, paid.payment_ref) == ("paid", "wechat", "4200000099")
    assert stock_of(product, warehouse) == (50, 2)
