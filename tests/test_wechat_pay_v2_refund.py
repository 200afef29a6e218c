"""Refunds of orders paid through the legacy WeChat Pay v2 API, sent back through v2 (`secapi/pay/refund` with the
merchant's client certificate) against the fake WeChat's v2 half: `refunding` until the v2 refund notification
(`req_info` decrypted with md5 of the API key) or a refund query says SUCCESS — the same state machine as APIv3's
refunds — repeats, forgeries, refusals and lost answers included."""
import pytest
import requests
from wechatpy.pay.utils import calculate_signature, dict_to_xml

from app.notify.models import Notification as OutboxMessage
from app.orders import jobs, payments, service
from app.orders.models import WechatRefund
from tests.conftest import MP_APPID
from tests.factories import admin_headers, advanced, make_admin, make_agent, orderable, place, settings_changed, \
    stock_of
from tests.faults import ledger_checks

MCH_ID, API_KEY = "1900000109", "k" * 32
REFUND, REFUND_QUERY = "/secapi/pay/refund", "/pay/refundquery"
REFUND_NOTIFY = "/api/pay/wechat/refund-notify"
CLEAN_LEDGERS = {"stock check": 0, "finance check": 0}


@pytest.fixture
def wechat_pay(fake_wechat, tmp_path):
    """A v2 merchant with its API key and its client certificate (apiclient_cert.pem, apiclient_key.pem)."""
    certificate, key = tmp_path / "apiclient_cert.pem", tmp_path / "apiclient_key.pem"
    certificate.write_text("-----BEGIN CERTIFICATE-----\n")
    key.write_text("-----BEGIN PRIVATE KEY-----\n")
    fake_wechat.pay.add_merchant(MCH_ID, API_KEY, MP_APPID)
    fake_wechat.pay.reset()
    fake_wechat.reset()
    with settings_changed(WECHAT_PAY_MCH_ID=MCH_ID, WECHAT_PAY_API_KEY=API_KEY, WECHAT_PAY_API_BASE=fake_wechat.url,
                          WECHAT_PAY_CERT_FILE=str(certificate), WECHAT_PAY_PRIVATE_KEY_FILE=str(key)):
        yield fake_wechat


def v2_paid(client, fake, agent, *items, paid_at_wechat=True):
    """An agent's order paid through v2: unified order at the fake, paid there, its signed notification posted."""
    order = place(agent, *items)
    payments.start_wechat_payment(order.id, agent=agent, openid="o-payer", client_ip="127.0.0.1")
    no = service.order_no(order)
    if paid_at_wechat:
        fake.pay.mark_paid(no)
    data = {"appid": MP_APPID, "mch_id": MCH_ID, "nonce_str": "n0nce", "result_code": "SUCCESS",
            "return_code": "SUCCESS", "out_trade_no": no, "transaction_id": "42000" + no,
            "total_fee": str(order.total_fen), "openid": "o-payer", "trade_type": "JSAPI"}
    answer = client.post("/api/pay/wechat/notify", data=dict_to_xml(data, calculate_signature(data, API_KEY)),
                         content_type="text/xml")
    assert "SUCCESS" in answer.get_data(as_text=True)
    return service.get_order(order.id)


@pytest.fixture
def finance(client):
    return admin_headers(client, make_admin("finance"))


@pytest.fixture
def paid_order(client, wechat_pay):
    agent = make_agent()
    product, warehouse = orderable(100)
    return v2_paid(client, wechat_pay, agent, (product, 2)), product, warehouse


@pytest.fixture
def shipped_order(client, wechat_pay):
    agent = make_agent()
    product, warehouse = orderable(100)
    order = v2_paid(client, wechat_pay, agent, (product, 3))
    return advanced(order, "pick", "ship"), product, warehouse


def ask_refund(client, headers, order, lines=None, goods_back=False):
    body = {"reason": "质量问题", "goods_back": goods_back, **({"lines": lines} if lines else {})}
    return client.post(f"/admin/api/orders/{order.id}/refund", headers=headers, json=body)


def refund_notify(client, body):
    response = client.post(REFUND_NOTIFY, data=body, content_type="text/xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    return response.get_data(as_text=True)


def test_a_refund_of_a_v2_paid_order_goes_to_wechat_and_waits(client, wechat_pay, paid_order, finance):
    order, product, warehouse = paid_order
    response = ask_refund(client, finance, order)
    assert response.status_code == 201 and response.get_json()["status"] == "refunding"
    sent = wechat_pay.pay.refund(response.get_json()["out_refund_no"])
    assert (sent["out_trade_no"], sent["refund_fee"], sent["total_fee"]) == (
        service.order_no(order), str(order.total_fen), str(order.total_fen))
    assert sent["notify_url"].endswith(REFUND_NOTIFY)
    unchanged = service.get_order(order.id)
    assert (unchanged.status, unchanged.refunded_fen, stock_of(product, warehouse)) == ("paid", 0, (50, 2))


def test_the_v2_refund_notification_writes_the_books_once(client, wechat_pay, paid_order, finance):
    order, product, warehouse = paid_order
    no = ask_refund(client, finance, order).get_json()["out_refund_no"]
    for _ in range(3):
        assert "SUCCESS" in refund_notify(client, wechat_pay.pay.refund_notification(no))
    refunded = service.get_order(order.id)
    assert (refunded.status, refunded.refunded_fen, stock_of(product, warehouse)) == ("refunded", order.total_fen,
                                                                                      (50, 0))
    assert WechatRefund.get(WechatRefund.out_refund_no == no).status == "succeeded"
    assert len(client.get(f"/admin/api/orders/{order.id}/refunds", headers=finance).get_json()) == 1


def test_a_v2_refund_wechat_closed_writes_nothing_and_tells_the_owners_once(client, wechat_pay, paid_order, finance):
    order, product, warehouse = paid_order
    no = ask_refund(client, finance, order).get_json()["out_refund_no"]
    for _ in range(2):
        assert "SUCCESS" in refund_notify(client, wechat_pay.pay.refund_notification(no, status="REFUNDCLOSE"))
    unchanged = service.get_order(order.id)
    assert (unchanged.status, unchanged.refunded_fen, stock_of(product, warehouse)) == ("paid", 0, (50, 2))
    assert OutboxMessage.select().where(OutboxMessage.kind == "order_refund_failed").count() == 1
    listed = client.get(f"/admin/api/orders/{order.id}/wechat-refunds", headers=finance).get_json()
    assert [(r["status"], r["failure"]) for r in listed] == [("failed", "CLOSED")]


def test_a_refund_notification_under_another_key_is_refused_and_writes_nothing(client, wechat_pay, paid_order,
                                                                               finance):
    order, _, _ = paid_order
    no = ask_refund(client, finance, order).get_json()["out_refund_no"]
    assert "FAIL" in refund_notify(client, wechat_pay.pay.refund_notification(no, key="f" * 32))
    assert "FAIL" in refund_notify(client, b"<xml><return_code>SUCCESS</return_code><req_info>bm9wZQ==</req_info>"
                                           b"</xml>")
    assert service.get_order(order.id).refunded_fen == 0
    assert WechatRefund.get(WechatRefund.out_refund_no == no).status == "refunding"


def test_a_refund_notification_for_another_amount_is_refused(client, wechat_pay, paid_order, finance):
    order, _, _ = paid_order
    no = ask_refund(client, finance, order).get_json()["out_refund_no"]
    assert "FAIL" in refund_notify(client, wechat_pay.pay.refund_notification(no, refund_fee=1))
    assert service.get_order(order.id).refunded_fen == 0


def test_partial_v2_refunds_add_up_to_at_most_what_was_paid(client, wechat_pay, shipped_order, finance):
    order, product, warehouse = shipped_order
    numbers = [ask_refund(client, finance, order, [{"product_id": product.id, "quantity": 1}], goods_back=True)
               .get_json()["out_refund_no"] for _ in range(3)]
    response = ask_refund(client, finance, order, [{"product_id": product.id, "quantity": 1}])
    assert response.status_code == 422
    assert sum(int(refund["refund_fee"]) for refund in wechat_pay.pay.refunds().values()) == order.total_fen
    for no in reversed(numbers):
        refund_notify(client, wechat_pay.pay.refund_notification(no))
    refunded = service.get_order(order.id)
    assert (refunded.status, refunded.refunded_fen, refunded.refunded_units) == ("refunded", order.total_fen, 3)
    assert stock_of(product, warehouse) == (50, 0)


def test_a_v2_refund_wechat_refuses_is_a_409_and_writes_nothing(client, wechat_pay, finance):
    agent = make_agent()
    product, _ = orderable(100)
    order = v2_paid(client, wechat_pay, agent, (product, 2), paid_at_wechat=False)  # WeChat has no payment
    response = ask_refund(client, finance, order)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "wechat_refund_refused"
    assert service.get_order(order.id).refunded_fen == 0
    assert WechatRefund.get(WechatRefund.order == order.id).status == "failed"


def test_wechat_down_leaves_the_v2_refund_for_the_job_which_sends_it_again(client, wechat_pay, paid_order, finance):
    order, _, _ = paid_order
    wechat_pay.http_error_next(REFUND, 502)
    no = ask_refund(client, finance, order).get_json()["out_refund_no"]
    assert wechat_pay.pay.refund(no) is None
    with settings_changed(WECHAT_PAY_QUERY_AFTER_MINUTES=0):
        assert jobs.settle_wechat_pay() == {"refund_refunding": 1}  # v2 had none: sent again, same number
        assert wechat_pay.pay.refund(no)["status"] == "PROCESSING"
        wechat_pay.pay.settle_refund(no)
        assert jobs.settle_wechat_pay() == {"refund_succeeded": 1}
    assert service.get_order(order.id).status == "refunded"
    assert len(wechat_pay.calls(REFUND)) == 2 and list(wechat_pay.pay.refunds()) == [no]


def test_a_v2_refund_whose_answer_was_lost_is_found_by_the_job_and_not_made_twice(client, wechat_pay, paid_order,
                                                                                 finance):
    order, _, _ = paid_order
    wechat_pay.hang_next(REFUND, 3, accept=True)
    with settings_changed(WECHAT_TIMEOUT_SECONDS=0.5):
        no = ask_refund(client, finance, order).get_json()["out_refund_no"]
    wechat_pay.pay.settle_refund(no)
    with settings_changed(WECHAT_PAY_QUERY_AFTER_MINUTES=0):
        assert jobs.settle_wechat_pay() == {"refund_succeeded": 1}
    assert service.get_order(order.id).refunded_fen == order.total_fen
    assert len(wechat_pay.calls(REFUND)) == 1 and len(wechat_pay.calls(REFUND_QUERY)) == 1


def test_without_the_client_certificate_a_v2_paid_order_is_refunded_in_the_books_only(client, wechat_pay, paid_order,
                                                                                      finance):
    order, _, _ = paid_order
    with settings_changed(WECHAT_PAY_CERT_FILE=""):
        response = ask_refund(client, finance, order)
    assert response.status_code == 201 and response.get_json()["status"] == "succeeded"
    assert wechat_pay.calls(REFUND) == [] and service.get_order(order.id).status == "refunded"


@pytest.mark.committed
def test_a_v2_refund_end_to_end_over_http(app, client, wechat_pay, live_server):
    agent = make_agent()
    product, warehouse = orderable(100)
    with settings_changed(PUBLIC_BASE_URL=live_server):
        order = place(agent, (product, 2))
        payments.start_wechat_payment(order.id, agent=agent, openid="o-payer", client_ip="127.0.0.1")
        assert wechat_pay.pay.pay(service.order_no(order))[0] == 200
        headers = admin_headers(client, make_admin("finance"))
        response = requests.post(f"{live_server}/admin/api/orders/{order.id}/refund", headers=headers,
                                 json={"reason": "质量问题"}, timeout=10)
        assert response.status_code == 201 and response.json()["status"] == "refunding"
        answers = [wechat_pay.pay.notify_refund(response.json()["out_refund_no"]) for _ in range(2)]
    assert [status for status, _ in answers] == [200, 200] and all("SUCCESS" in text for _, text in answers)
    assert service.get_order(order.id).status == "refunded" and stock_of(product, warehouse) == (50, 0)
    assert {command: code for command, (code, _) in ledger_checks(app).items()} == CLEAN_LEDGERS
