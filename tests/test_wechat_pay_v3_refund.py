"""Refunds of WeChat-paid orders sent back through WeChat Pay APIv3 (/v3/refund/domestic/refunds) against the fake
v3 server: refunding until WeChat says SUCCESS (the books written once) or fails (owners told, nothing written),
partial refunds bounded by what was paid, the settle job, faults; offline-paid orders keep the direct refund."""
import pytest
import requests

from app.errors import Unavailable
from app.notify.models import Notification as OutboxMessage
from app.orders import jobs, payments, service, wechat_refunds
from app.orders.models import WechatRefund
from tests.factories import (
    admin_headers,
    advanced,
    make_admin,
    make_agent,
    orderable,
    place,
    settings_changed,
    stock_of,
)
from tests.faults import ledger_checks

REFUNDS = "/v3/refund/domestic/refunds"
REFUND_NOTIFY = "/api/pay/wechat/v3/refund-notify"
CLEAN_LEDGERS = {"stock check": 0, "finance check": 0}


def wechat_paid(fake, client, agent, *items):
    """An agent's order paid through WeChat Pay APIv3 (started, paid at the fake, notified)."""
    order = place(agent, *items)
    payments.start_wechat_payment(order.id, agent=agent, openid="o-payer", client_ip="127.0.0.1")
    no = service.order_no(order)
    fake.pay(no, notify=False)
    headers, body = fake.payment_notification(no)
    assert client.post("/api/pay/wechat/v3/notify", data=body, headers=headers).status_code == 204
    return service.get_order(order.id)


@pytest.fixture
def finance(client):
    return admin_headers(client, make_admin("finance"))


@pytest.fixture
def paid_order(client, wechat_pay_v3):
    agent = make_agent()
    product, warehouse = orderable(100)
    return wechat_paid(wechat_pay_v3, client, agent, (product, 2)), product, warehouse


@pytest.fixture
def shipped_order(client, wechat_pay_v3):
    agent = make_agent()
    product, warehouse = orderable(100)
    order = wechat_paid(wechat_pay_v3, client, agent, (product, 3))
    return advanced(order, "pick", "ship"), product, warehouse


def ask_refund(client, headers, order, lines=None, goods_back=False):
    body = {"reason": "质量问题", "goods_back": goods_back, **({"lines": lines} if lines else {})}
    return client.post(f"/admin/api/orders/{order.id}/refund", headers=headers, json=body)


def refund_notify(client, headers_and_body):
    headers, body = headers_and_body
    return client.post(REFUND_NOTIFY, data=body, headers=headers)


def test_a_refund_of_a_wechat_paid_order_goes_to_wechat_and_waits(client, wechat_pay_v3, paid_order, finance):
    order, product, warehouse = paid_order
    response = ask_refund(client, finance, order)
    assert response.status_code == 201 and response.get_json()["status"] == "refunding"
    sent = wechat_pay_v3.calls(REFUNDS)[0].body
    assert sent["out_refund_no"] == response.get_json()["out_refund_no"]
    assert sent["out_trade_no"] == service.order_no(order)
    assert sent["amount"] == {"refund": order.total_fen, "total": order.total_fen, "currency": "CNY"}
    unchanged = service.get_order(order.id)
    assert (unchanged.status, unchanged.refunded_fen, stock_of(product, warehouse)) == ("paid", 0, (50, 2))


def test_wechats_success_writes_the_books_once(client, wechat_pay_v3, paid_order, finance):
    order, product, warehouse = paid_order
    no = ask_refund(client, finance, order).get_json()["out_refund_no"]
    wechat_pay_v3.settle_refund(no, notify=False)
    for _ in range(3):
        assert refund_notify(client, wechat_pay_v3.refund_notification(no)).status_code == 204
    refunded = service.get_order(order.id)
    assert (refunded.status, refunded.refunded_fen, stock_of(product, warehouse)) == ("refunded", order.total_fen,
                                                                                      (50, 0))
    assert WechatRefund.get(WechatRefund.out_refund_no == no).status == "succeeded"
    assert len(client.get(f"/admin/api/orders/{order.id}/refunds", headers=finance).get_json()) == 1


def test_a_refund_wechat_could_not_make_writes_nothing_and_tells_the_owners(client, wechat_pay_v3, paid_order,
                                                                           finance):
    order, product, warehouse = paid_order
    no = ask_refund(client, finance, order).get_json()["out_refund_no"]
    wechat_pay_v3.settle_refund(no, "ABNORMAL", notify=False)
    assert refund_notify(client, wechat_pay_v3.refund_notification(no)).status_code == 204
    assert refund_notify(client, wechat_pay_v3.refund_notification(no)).status_code == 204
    unchanged = service.get_order(order.id)
    assert (unchanged.status, unchanged.refunded_fen, stock_of(product, warehouse)) == ("paid", 0, (50, 2))
    assert OutboxMessage.select().where(OutboxMessage.kind == "order_refund_failed").count() == 1
    listed = client.get(f"/admin/api/orders/{order.id}/wechat-refunds", headers=finance).get_json()
    assert [(r["status"], r["failure"]) for r in listed] == [("failed", "ABNORMAL")]


def test_after_a_failed_refund_the_money_can_be_refunded_again(client, wechat_pay_v3, paid_order, finance):
    order, _, _ = paid_order
    no = ask_refund(client, finance, order).get_json()["out_refund_no"]
    wechat_pay_v3.settle_refund(no, "CLOSED", notify=False)
    refund_notify(client, wechat_pay_v3.refund_notification(no))
    assert ask_refund(client, finance, order).status_code == 201


def test_a_second_whole_refund_while_one_is_under_way_is_refused(client, wechat_pay_v3, paid_order, finance):
    order, _, _ = paid_order
    ask_refund(client, finance, order)
    response = ask_refund(client, finance, order)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "refund_exceeds_paid"
    assert len(wechat_pay_v3.calls(REFUNDS)) == 1


def test_partial_refunds_under_way_count_against_the_units_left(client, wechat_pay_v3, shipped_order, finance):
    order, product, _ = shipped_order
    assert ask_refund(client, finance, order, [{"product_id": product.id, "quantity": 2}]).status_code == 201
    response = ask_refund(client, finance, order, [{"product_id": product.id, "quantity": 2}])
    assert response.status_code == 422 and "最多还可退1件" in response.get_json()["error"]["message"]


def test_partial_refunds_settled_in_any_order_add_up_to_what_was_paid(client, wechat_pay_v3, shipped_order, finance):
    order, product, warehouse = shipped_order
    numbers = [ask_refund(client, finance, order, [{"product_id": product.id, "quantity": 1}], goods_back=True)
               .get_json()["out_refund_no"] for _ in range(3)]
    sent = sum(call.body["amount"]["refund"] for call in wechat_pay_v3.calls(REFUNDS))
    assert sent == order.total_fen
    for no in reversed(numbers):
        wechat_pay_v3.settle_refund(no, notify=False)
        refund_notify(client, wechat_pay_v3.refund_notification(no))
    refunded = service.get_order(order.id)
    assert (refunded.status, refunded.refunded_fen, refunded.refunded_units) == ("refunded", order.total_fen, 3)
    assert stock_of(product, warehouse) == (50, 0)


def test_a_refund_wechat_refuses_is_a_409_and_writes_nothing(client, wechat_pay_v3, paid_order, finance):
    order, _, _ = paid_order
    wechat_pay_v3.fail_next(REFUNDS, 400, "NOT_ENOUGH", "基本账户余额不足")
    response = ask_refund(client, finance, order)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "wechat_refund_refused"
    assert "余额不足" in response.get_json()["error"]["message"]
    assert service.get_order(order.id).refunded_fen == 0
    assert WechatRefund.get(WechatRefund.order == order.id).status == "failed"


def test_wechat_down_leaves_the_refund_for_the_job_which_sends_it_again(client, wechat_pay_v3, paid_order, finance):
    order, _, _ = paid_order
    wechat_pay_v3.fail_next(REFUNDS, 503)
    no = ask_refund(client, finance, order).get_json()["out_refund_no"]
    assert wechat_pay_v3.refund(no) is None
    with settings_changed(WECHAT_PAY_QUERY_AFTER_MINUTES=0):
        assert jobs.settle_wechat_pay() == {"refund_refunding": 1}
        assert wechat_pay_v3.refund(no)["status"] == "PROCESSING"
        wechat_pay_v3.settle_refund(no, notify=False)
        assert jobs.settle_wechat_pay() == {"refund_succeeded": 1}
    assert service.get_order(order.id).status == "refunded"
    assert [call.body["out_refund_no"] for call in wechat_pay_v3.calls(REFUNDS, "POST")] == [no, no]


def test_a_refund_whose_answer_was_lost_is_found_by_the_job_and_not_made_twice(client, wechat_pay_v3, paid_order,
                                                                              finance):
    order, _, _ = paid_order
    wechat_pay_v3.hang_next(REFUNDS, 3, accept=True)
    with settings_changed(WECHAT_TIMEOUT_SECONDS=0.5):
        no = ask_refund(client, finance, order).get_json()["out_refund_no"]
    wechat_pay_v3.settle_refund(no, notify=False)
    with settings_changed(WECHAT_PAY_QUERY_AFTER_MINUTES=0):
        assert jobs.settle_wechat_pay() == {"refund_succeeded": 1}
    assert service.get_order(order.id).refunded_fen == order.total_fen
    assert len(wechat_pay_v3.calls(REFUNDS, "POST")) == 1


def test_a_forged_refund_notification_is_a_4xx_and_writes_nothing(client, wechat_pay_v3, paid_order, finance):
    from tests.fake_wechat_pay_v3 import _forger

    order, _, _ = paid_order
    no = ask_refund(client, finance, order).get_json()["out_refund_no"]
    wechat_pay_v3.settle_refund(no, notify=False)
    assert refund_notify(client, wechat_pay_v3.refund_notification(no, key=_forger())).status_code == 400
    assert service.get_order(order.id).refunded_fen == 0


@pytest.fixture
def paid_in_certificate_mode(client, wechat_pay_v3_certificates):
    agent = make_agent()
    product, warehouse = orderable(100)
    return wechat_paid(wechat_pay_v3_certificates, client, agent, (product, 2)), product, warehouse


def test_in_platform_certificate_mode_a_refund_is_sent_and_its_notification_writes_the_books_once(
        client, wechat_pay_v3_certificates, paid_in_certificate_mode, finance):
    order, product, warehouse = paid_in_certificate_mode
    response = ask_refund(client, finance, order)
    assert response.status_code == 201 and response.get_json()["status"] == "refunding"
    no = response.get_json()["out_refund_no"]
    wechat_pay_v3_certificates.settle_refund(no, notify=False)
    for _ in range(2):
        assert refund_notify(client, wechat_pay_v3_certificates.refund_notification(no)).status_code == 204
    refunded = service.get_order(order.id)
    assert (refunded.status, refunded.refunded_fen, stock_of(product, warehouse)) == ("refunded", order.total_fen,
                                                                                      (50, 0))


def test_in_platform_certificate_mode_the_job_asks_wechat_about_a_refund_and_writes_its_success(
        client, wechat_pay_v3_certificates, paid_in_certificate_mode, finance):
    order, _, _ = paid_in_certificate_mode
    no = ask_refund(client, finance, order).get_json()["out_refund_no"]
    wechat_pay_v3_certificates.settle_refund(no, notify=False)
    with settings_changed(WECHAT_PAY_QUERY_AFTER_MINUTES=0):
        assert jobs.settle_wechat_pay() == {"refund_succeeded": 1}
    assert service.get_order(order.id).refunded_fen == order.total_fen
    assert WechatRefund.get(WechatRefund.out_refund_no == no).status == "succeeded"


def test_in_platform_certificate_mode_a_refund_notification_signed_by_another_key_writes_nothing(
        client, wechat_pay_v3_certificates, paid_in_certificate_mode, finance):
    from tests.fake_wechat_pay_v3 import _forger

    order, _, _ = paid_in_certificate_mode
    no = ask_refund(client, finance, order).get_json()["out_refund_no"]
    wechat_pay_v3_certificates.settle_refund(no, notify=False)
    forged = wechat_pay_v3_certificates.refund_notification(no, key=_forger())
    assert refund_notify(client, forged).status_code == 400
    assert service.get_order(order.id).refunded_fen == 0
    assert WechatRefund.get(WechatRefund.out_refund_no == no).status == "refunding"


def test_a_refund_notification_for_an_unknown_refund_is_a_4xx(client, wechat_pay_v3):
    signed = wechat_pay_v3.notification("REFUND.SUCCESS", {"out_refund_no": "NOPE", "refund_status": "SUCCESS",
                                                           "amount": {"refund": 1}}, original_type="refund")
    assert refund_notify(client, signed).status_code == 404


def test_an_offline_paid_order_keeps_the_direct_refund(client, wechat_pay_v3, finance):
    agent = make_agent()
    product, _ = orderable(100)
    order = advanced(place(agent, (product, 2)), "pay")
    response = ask_refund(client, finance, order)
    assert response.status_code == 201 and response.get_json()["status"] == "succeeded"
    assert service.get_order(order.id).status == "refunded" and wechat_pay_v3.calls(REFUNDS) == []


@pytest.mark.committed
def test_a_wechat_refund_end_to_end_over_http(app, client, wechat_pay_v3, live_server):
    agent = make_agent()
    product, warehouse = orderable(100)
    with settings_changed(PUBLIC_BASE_URL=live_server):
        order = wechat_paid(wechat_pay_v3, client, agent, (product, 2))
        headers = admin_headers(client, make_admin("finance"))
        response = requests.post(f"{live_server}/admin/api/orders/{order.id}/refund", headers=headers,
                                 json={"reason": "质量问题"}, timeout=10)
        assert response.status_code == 201
        answers = wechat_pay_v3.settle_refund(response.json()["out_refund_no"], times=2)
    assert [a.status_code for a in answers] == [204, 204]
    assert service.get_order(order.id).status == "refunded" and stock_of(product, warehouse) == (50, 0)
    assert {command: code for command, (code, _) in ledger_checks(app).items()} == CLEAN_LEDGERS


@pytest.mark.committed
@pytest.mark.mysql_only
def test_refund_notifications_repeated_at_once_write_the_books_once(app, client, wechat_pay_v3, live_server):
    agent = make_agent()
    product, warehouse = orderable(100)
    with settings_changed(PUBLIC_BASE_URL=live_server):
        order = wechat_paid(wechat_pay_v3, client, agent, (product, 2))
        headers = admin_headers(client, make_admin("finance"))
        no = client.post(f"/admin/api/orders/{order.id}/refund", headers=headers,
                         json={"reason": "质量问题"}).get_json()["out_refund_no"]
        wechat_pay_v3.settle_refund(no, notify=False)
        signed = [wechat_pay_v3.refund_notification(no) for _ in range(8)]
        answers = wechat_pay_v3.send_at_once(live_server + REFUND_NOTIFY, signed)
    assert answers == [204] * len(signed)
    refunded = service.get_order(order.id)
    assert (refunded.refunded_fen, len(refunded.event_log)) == (order.total_fen, 4)  # place, pay, requested, refund
    assert stock_of(product, warehouse) == (50, 0)
    assert {command: code for command, (code, _) in ledger_checks(app).items()} == CLEAN_LEDGERS


def test_a_wechat_paid_order_is_not_cancelled_without_its_money_going_back(client, wechat_pay_v3, paid_order):
    order, product, warehouse = paid_order
    headers = admin_headers(client, make_admin("staff"))
    response = client.post(f"/admin/api/orders/{order.id}/cancel", headers=headers, json={"reason": "客户不要了"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "refund_through_wechat"
    assert service.get_order(order.id).status == "paid" and stock_of(product, warehouse) == (50, 2)


@pytest.mark.committed
def test_wechat_pay_slow_or_down_throughout_is_settled_by_the_job_once_with_clean_ledgers(
        app, client, fake_wechat, wechat_pay_v3):
    """The payment's answer lost, no notification ever, the refund's answer lost, the first queries failing: the
    job settles each once, nothing doubled or lost, `flask stock check` and `flask finance check` clean."""
    agent = make_agent()
    product, warehouse = orderable(100)
    order = place(agent, (product, 2))
    wechat_pay_v3.hang_next("/v3/pay/transactions/jsapi", 3, accept=True)
    with settings_changed(WECHAT_TIMEOUT_SECONDS=0.5, WECHAT_PAY_QUERY_AFTER_MINUTES=0):
        with pytest.raises(Unavailable):
            payments.start_wechat_payment(order.id, agent=agent, openid="o-payer", client_ip="127.0.0.1")
        wechat_pay_v3.pay(service.order_no(order), notify=False)
        wechat_pay_v3.fail_next(r"/v3/pay/transactions/out-trade-no/.*", 502)
        assert jobs.settle_wechat_pay() == {"payment_unknown": 1}
        assert jobs.settle_wechat_pay() == {"payment_paid": 1}
        wechat_pay_v3.hang_next(REFUNDS, 3, accept=True)
        record = wechat_refunds.request_refund(order.id, actor="admin:1", reason="质量问题")
        assert record.status == "refunding"
        wechat_pay_v3.settle_refund(record.out_refund_no, notify=False)
        wechat_pay_v3.fail_next(r"/v3/refund/domestic/refunds/.*", 500)
        assert jobs.settle_wechat_pay() == {"refund_unknown": 1}
        assert jobs.settle_wechat_pay() == {"refund_succeeded": 1}
        assert jobs.settle_wechat_pay() == {}
    refunded = service.get_order(order.id)
    assert (refunded.status, refunded.refunded_fen, stock_of(product, warehouse)) == ("refunded", order.total_fen,
                                                                                      (50, 0))
    assert len(wechat_pay_v3.calls(REFUNDS, "POST")) == 1
    assert [e.action for e in refunded.event_log].count("pay") == 1
    assert {command: code for command, (code, _) in ledger_checks(app).items()} == CLEAN_LEDGERS


def test_an_order_being_refunded_whole_is_not_picked_until_wechat_answers(client, wechat_pay_v3, paid_order,
                                                                          finance):
    order, _, _ = paid_order
    no = ask_refund(client, finance, order).get_json()["out_refund_no"]
    response = client.post(f"/admin/api/orders/{order.id}/pick", headers=admin_headers(client, make_admin("warehouse")))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "refund_under_way"
    wechat_pay_v3.settle_refund(no, "ABNORMAL", notify=False)
    refund_notify(client, wechat_pay_v3.refund_notification(no))
    assert client.post(f"/admin/api/orders/{order.id}/pick",
                       headers=admin_headers(client, make_admin("warehouse"))).status_code == 200
