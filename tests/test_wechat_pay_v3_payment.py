"""Paying an order through WeChat Pay APIv3 (JSAPI) against the fake v3 server: starting the payment, the
notification at /api/pay/wechat/v3/notify, the settle job's queries, and closing cancelled orders at WeChat."""
import base64
import time
from datetime import timedelta

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from app import reference
from app.clock import utcnow
from app.database import db
from app.finance.models import OrderSettlement
from app.notify.models import Notification as OutboxMessage
from app.orders import jobs, service
from app.orders.models import Order, WechatPayment
from tests.conftest import MP_APPID, PAY_MCH_ID
from tests.factories import agent_headers, make_rules, orderable, place, settings_changed, stock_of
from tests.faults import ledger_checks

NOTIFY = "/api/pay/wechat/v3/notify"
JSAPI = "/v3/pay/transactions/jsapi"
CLEAN_LEDGERS = {"stock check": 0, "finance check": 0}


@pytest.fixture
def my_order(client, fake_wechat, wechat_pay_v3):
    headers, agent = agent_headers(client, fake_wechat)
    product, warehouse = orderable(100)
    return headers, place(agent, (product, 2)), product, warehouse


def start(client, headers, order):
    return client.post(f"/api/mp/orders/{order.id}/wechat-payment", headers=headers)


def notify(client, headers_and_body):
    headers, body = headers_and_body
    return client.post(NOTIFY, data=body, headers=headers)


def started(client, my_order):
    headers, order, _, _ = my_order
    assert start(client, headers, order).status_code == 200
    return service.order_no(order)


def test_starting_a_payment_answers_rsa_signed_parameters_for_wx_request_payment(client, wechat_pay_v3, my_order):
    headers, order, _, _ = my_order
    params = start(client, headers, order).get_json()
    assert params["signType"] == "RSA" and params["appId"] == MP_APPID
    assert params["package"] == f"prepay_id={wechat_pay_v3.transaction(service.order_no(order))['prepay_id']}"
    message = f"{MP_APPID}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n".encode()
    wechat_pay_v3._merchants[PAY_MCH_ID].public_key.verify(base64.b64decode(params["paySign"]), message,
                                                            padding.PKCS1v15(), hashes.SHA256())


def test_wechat_is_asked_for_the_order_total_in_fen_for_the_agents_openid(client, wechat_pay_v3, my_order):
    headers, order, _, _ = my_order
    start(client, headers, order)
    sent = wechat_pay_v3.calls(JSAPI)[0].body
    assert sent["amount"] == {"total": order.total_fen, "currency": "CNY"}
    assert sent["out_trade_no"] == service.order_no(order) and sent["notify_url"].endswith(NOTIFY)
    assert sent["payer"]["openid"].startswith("o")


def test_asking_again_answers_the_same_prepay_id(client, wechat_pay_v3, my_order):
    headers, order, _, _ = my_order
    first, second = start(client, headers, order).get_json(), start(client, headers, order).get_json()
    assert first["package"] == second["package"]


def test_another_agents_order_is_not_found_and_wechat_is_not_asked(client, wechat_pay_v3, my_order, fake_wechat):
    _, order, _, _ = my_order
    other_headers, _ = agent_headers(client, fake_wechat)
    assert start(client, other_headers, order).status_code == 404
    assert wechat_pay_v3.calls(JSAPI) == []


def test_wechat_pay_down_is_a_503_and_the_payment_stays_to_be_asked_about(client, wechat_pay_v3, my_order):
    headers, order, _, _ = my_order
    wechat_pay_v3.fail_next(JSAPI, 500)
    response = start(client, headers, order)
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "wechat_unavailable"
    assert WechatPayment.get(WechatPayment.order == order.id).status == "started"


def test_an_order_wechat_already_took_payment_for_is_confirmed_by_asking(client, wechat_pay_v3, my_order):
    no = started(client, my_order)
    headers, order, _, _ = my_order
    wechat_pay_v3.pay(no, notify=False)
    response = start(client, headers, order)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "already_paid"
    assert service.get_order(order.id).status == "paid"


def test_a_signed_notification_confirms_the_order_and_reserves_its_stock(client, wechat_pay_v3, my_order):
    no = started(client, my_order)
    _, order, product, warehouse = my_order
    wechat_pay_v3.pay(no, notify=False, transaction_id="4200000000000000001")
    assert notify(client, wechat_pay_v3.payment_notification(no)).status_code == 204
    paid = service.get_order(order.id)
    assert (paid.status, paid.payment_method, paid.payment_ref) == ("paid", "wechat", "4200000000000000001")
    assert stock_of(product, warehouse) == (50, 2)
    assert WechatPayment.get(WechatPayment.order == order.id).status == "paid"


def test_a_repeated_notification_is_acknowledged_and_confirms_once(client, wechat_pay_v3, my_order):
    no = started(client, my_order)
    _, order, product, warehouse = my_order
    wechat_pay_v3.pay(no, notify=False)
    for _ in range(3):
        assert notify(client, wechat_pay_v3.payment_notification(no)).status_code == 204
    assert [e.action for e in service.get_order(order.id).event_log] == ["place", "pay"]
    assert stock_of(product, warehouse) == (50, 2)


@pytest.mark.parametrize("forgery", [
    {"timestamp": int(time.time()) - 3600},
    {"serial": "PUB_KEY_ID_NOT_WECHAT"},
])
def test_a_stale_or_wrong_serial_notification_is_a_4xx_and_changes_nothing(client, wechat_pay_v3, my_order,
                                                                            forgery):
    no = started(client, my_order)
    wechat_pay_v3.pay(no, notify=False)
    response = notify(client, wechat_pay_v3.payment_notification(no, **forgery))
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "notification_rejected"
    assert service.get_order(my_order[1].id).status == "pending_payment"


def test_a_forged_notification_is_a_4xx_and_changes_nothing(client, wechat_pay_v3, my_order):
    from tests.fake_wechat_pay_v3 import _forger

    no = started(client, my_order)
    wechat_pay_v3.pay(no, notify=False)
    assert notify(client, wechat_pay_v3.payment_notification(no, key=_forger())).status_code == 400
    assert service.get_order(my_order[1].id).status == "pending_payment"


def test_an_undecryptable_notification_is_a_4xx_and_changes_nothing(client, wechat_pay_v3, my_order):
    no = started(client, my_order)
    wechat_pay_v3.pay(no, notify=False)
    assert notify(client, wechat_pay_v3.notification(
        "TRANSACTION.SUCCESS", wechat_pay_v3.transaction(no), apiv3_key="0" * 32)).status_code == 400
    assert service.get_order(my_order[1].id).status == "pending_payment"


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"resource": 1}', "²".encode() * 100])
def test_odd_bodies_are_a_4xx(client, wechat_pay_v3, body):
    headers = wechat_pay_v3.signature_headers(body.decode("utf-8", "replace"))
    assert client.post(NOTIFY, data=body, headers=headers).status_code == 400


def test_an_amount_that_is_not_the_orders_is_refused_and_the_owners_are_told_once(client, wechat_pay_v3, my_order):
    no = started(client, my_order)
    _, order, _, _ = my_order
    wechat_pay_v3.pay(no, notify=False)
    for _ in range(2):
        response = notify(client, wechat_pay_v3.payment_notification(no, amount=order.total_fen - 1))
        assert response.status_code == 409 and response.get_json()["error"]["code"] == "amount_mismatch"
    assert service.get_order(order.id).status == "pending_payment"
    assert OutboxMessage.select().where(OutboxMessage.kind == "order_payment_amount_mismatch").count() == 1


def test_a_notification_for_an_unknown_order_is_a_4xx(client, wechat_pay_v3):
    body = {"mchid": PAY_MCH_ID, "appid": MP_APPID, "out_trade_no": "991231999999", "trade_state": "SUCCESS",
            "amount": {"total": 100}}
    assert notify(client, wechat_pay_v3.notification("TRANSACTION.SUCCESS", body)).status_code == 404


def test_a_notification_for_another_merchant_is_a_4xx(client, wechat_pay_v3, my_order):
    no = started(client, my_order)
    wechat_pay_v3.pay(no, notify=False)
    resource = {**wechat_pay_v3.transaction(no), "mchid": "1230000109"}
    assert notify(client, wechat_pay_v3.notification("TRANSACTION.SUCCESS", resource)).status_code == 400
    assert service.get_order(my_order[1].id).status == "pending_payment"


def test_the_settle_job_confirms_a_payment_whose_notification_never_came(client, wechat_pay_v3, my_order):
    no = started(client, my_order)
    wechat_pay_v3.pay(no, notify=False)
    with settings_changed(WECHAT_PAY_QUERY_AFTER_MINUTES=0):
        assert jobs.settle_wechat_pay() == {"payment_paid": 1}
    assert service.get_order(my_order[1].id).status == "paid"


@pytest.mark.committed
def test_the_settle_job_settles_each_payment_under_the_rules_in_force_when_it_is_settled(client, fake_wechat,
                                                                                          wechat_pay_v3):
    headers, agent = agent_headers(client, fake_wechat)
    product, _ = orderable(100)
    first, second = place(agent, (product, 1)), place(agent, (product, 1))
    for order in (first, second):
        assert start(client, headers, order).status_code == 200
        wechat_pay_v3.pay(service.order_no(order), notify=False)
    rules_before = make_rules(level_difference={})
    rules_changed = []

    def owner_changes_the_rules():  # in the fake's thread, committed while the job asks about the second payment
        rules_changed.append(make_rules(level_difference={}, max_depth=2))
        db.close()

    wechat_pay_v3.meanwhile_next(f"/v3/pay/transactions/out-trade-no/{service.order_no(second)}",
                                 owner_changes_the_rules)
    with settings_changed(WECHAT_PAY_QUERY_AFTER_MINUTES=0), reference.scope():  # as the scheduler runs a job
        assert jobs.settle_wechat_pay() == {"payment_paid": 2}
    settled_under = {row.order_id: row.rule_version_id for row in OrderSettlement.select()}
    assert settled_under == {first.id: rules_before.id, second.id: rules_changed[0].id}


def test_the_settle_job_leaves_an_unpaid_payment_started(client, wechat_pay_v3, my_order):
    started(client, my_order)
    with settings_changed(WECHAT_PAY_QUERY_AFTER_MINUTES=0):
        assert jobs.settle_wechat_pay() == {"payment_not_paid": 1}
    assert WechatPayment.get(WechatPayment.order == my_order[1].id).status == "started"


def test_the_settle_job_waits_for_wechat_pay_to_come_back(client, wechat_pay_v3, my_order):
    no = started(client, my_order)
    wechat_pay_v3.pay(no, notify=False)
    wechat_pay_v3.hang_next(r"/v3/pay/transactions/out-trade-no/.*", 3)
    with settings_changed(WECHAT_PAY_QUERY_AFTER_MINUTES=0, WECHAT_TIMEOUT_SECONDS=0.5):
        assert jobs.settle_wechat_pay() == {"payment_unknown": 1}
        assert service.get_order(my_order[1].id).status == "pending_payment"
        wechat_pay_v3.recover()
        assert jobs.settle_wechat_pay() == {"payment_paid": 1}


def test_a_payment_started_whose_answer_was_lost_is_settled_by_the_job(client, wechat_pay_v3, my_order):
    headers, order, _, _ = my_order
    wechat_pay_v3.hang_next(JSAPI, 3, accept=True)
    with settings_changed(WECHAT_TIMEOUT_SECONDS=0.5):
        assert start(client, headers, order).status_code == 503
    wechat_pay_v3.pay(service.order_no(order), notify=False)
    with settings_changed(WECHAT_PAY_QUERY_AFTER_MINUTES=0):
        jobs.settle_wechat_pay()
    assert service.get_order(order.id).status == "paid"


def test_cancelling_an_unpaid_order_closes_its_payment_at_wechat(client, wechat_pay_v3, my_order):
    headers, order, _, _ = my_order
    started(client, my_order)
    assert client.post(f"/api/mp/orders/{order.id}/cancel", json={"reason": "不要了"}, headers=headers).status_code == 200
    assert jobs.settle_wechat_pay() == {"payment_closed": 1}
    assert wechat_pay_v3.transaction(service.order_no(order))["trade_state"] == "CLOSED"
    assert WechatPayment.get(WechatPayment.order == order.id).status == "closed"


def test_an_order_cancelled_for_running_out_of_time_is_closed_at_wechat_at_once(client, wechat_pay_v3, my_order):
    _, order, _, _ = my_order
    no = started(client, my_order)
    Order.update(payment_due_at=utcnow() - timedelta(minutes=1)).where(Order.id == order.id).execute()
    jobs.cancel_unpaid_orders()
    assert wechat_pay_v3.transaction(no)["trade_state"] == "CLOSED"


def test_money_taken_for_an_order_cancelled_meanwhile_is_reported_to_the_owners(client, wechat_pay_v3, my_order):
    headers, order, _, _ = my_order
    no = started(client, my_order)
    client.post(f"/api/mp/orders/{order.id}/cancel", json={"reason": "不要了"}, headers=headers)
    wechat_pay_v3.pay(no, notify=False)
    assert notify(client, wechat_pay_v3.payment_notification(no)).status_code == 204
    assert service.get_order(order.id).status == "cancelled"
    assert OutboxMessage.select().where(OutboxMessage.kind == "order_paid_after_close").count() == 1
    assert jobs.settle_wechat_pay() == {}  # paid: nothing left to close


def test_platform_certificate_mode_pays_too(client, fake_wechat, wechat_pay_v3_certificates):
    headers, agent = agent_headers(client, fake_wechat)
    product, _ = orderable(100)
    order = place(agent, (product, 1))
    assert start(client, headers, order).status_code == 200
    no = service.order_no(order)
    wechat_pay_v3_certificates.pay(no, notify=False)
    assert notify(client, wechat_pay_v3_certificates.payment_notification(no)).status_code == 204
    assert service.get_order(order.id).status == "paid"


@pytest.mark.committed
def test_paying_in_wechat_confirms_the_order_through_the_notification_over_http(
        app, client, fake_wechat, wechat_pay_v3, live_server):
    headers, agent = agent_headers(client, fake_wechat)
    product, warehouse = orderable(100)
    order = place(agent, (product, 2))
    with settings_changed(PUBLIC_BASE_URL=live_server):
        response = requests.post(f"{live_server}/api/mp/orders/{order.id}/wechat-payment", headers=headers,
                                 timeout=10)
        assert response.status_code == 200
        answers = wechat_pay_v3.pay(service.order_no(order), times=2)
    assert [a.status_code for a in answers] == [204, 204]
    assert service.get_order(order.id).status == "paid" and stock_of(product, warehouse) == (50, 2)
    assert {command: code for command, (code, _) in ledger_checks(app).items()} == CLEAN_LEDGERS


@pytest.mark.committed
@pytest.mark.mysql_only
def test_notifications_repeated_at_once_confirm_the_order_once(app, client, fake_wechat, wechat_pay_v3, live_server):
    headers, agent = agent_headers(client, fake_wechat)
    product, warehouse = orderable(100)
    order = place(agent, (product, 2))
    with settings_changed(PUBLIC_BASE_URL=live_server):
        assert requests.post(f"{live_server}/api/mp/orders/{order.id}/wechat-payment", headers=headers,
                             timeout=10).status_code == 200
        no = service.order_no(order)
        wechat_pay_v3.pay(no, notify=False)
        signed = [wechat_pay_v3.payment_notification(no) for _ in range(8)]
        answers = wechat_pay_v3.send_at_once(live_server + NOTIFY, signed)
    assert sorted(answers) == [204] * len(signed)
    paid = service.get_order(order.id)
    assert [e.action for e in paid.event_log].count("pay") == 1 and stock_of(product, warehouse) == (50, 2)
    assert OutboxMessage.select().where(OutboxMessage.kind == "order_paid").count() == 1
    assert not OutboxMessage.select().where(OutboxMessage.kind == "order_paid_after_close").exists()
    assert {command: code for command, (code, _) in ledger_checks(app).items()} == CLEAN_LEDGERS


def test_a_retry_after_the_first_requests_expiry_is_refused_in_chinese(client, wechat_pay_v3, my_order):
    headers, order, _, _ = my_order
    started(client, my_order)
    WechatPayment.update(expires_at=utcnow() + timedelta(minutes=1)).where(
        WechatPayment.order == order.id).execute()
    response = start(client, headers, order)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "payment_window_closing"


def test_money_taken_for_an_order_finance_confirmed_otherwise_is_reported_to_the_owners(client, wechat_pay_v3,
                                                                                         my_order):
    _, order, _, _ = my_order
    no = started(client, my_order)
    service.confirm_payment(order.id, actor="admin:1", method="offline", amount_fen=order.total_fen,
                            payment_ref="BANK-1")
    wechat_pay_v3.pay(no, notify=False)
    assert notify(client, wechat_pay_v3.payment_notification(no)).status_code == 204
    assert OutboxMessage.select().where(OutboxMessage.kind == "order_paid_after_close").count() == 1
    assert service.get_order(order.id).payment_ref == "BANK-1"


def test_a_notification_writes_the_order_its_lines_its_payment_and_its_books_as_one_payment(
        app, client, wechat_pay_v3, my_order):
    from app.agents.models import AgentPurchase
    from app.finance.models import OrderSettlement
    from app.orders.models import OrderLine

    no = started(client, my_order)
    _, order, _, _ = my_order
    wechat_pay_v3.pay(no, notify=False, transaction_id="4200000000000000007")
    assert notify(client, wechat_pay_v3.payment_notification(no)).status_code == 204
    paid = service.get_order(order.id)
    payment = WechatPayment.get(WechatPayment.order == order.id)
    assert (payment.status, payment.transaction_id) == ("paid", "4200000000000000007")
    assert payment.paid_at is not None and payment.checked_at == payment.paid_at
    assert {line.paid_at for line in OrderLine.select().where(OrderLine.order == order.id)} == {paid.paid_at}
    assert OrderSettlement.get_by_id(order.id).total_fen == order.total_fen
    assert AgentPurchase.get(AgentPurchase.order_id == order.id).amount_fen == order.total_fen - order.shipping_fen
    assert {command: code for command, (code, _) in ledger_checks(app).items()} == CLEAN_LEDGERS


def test_a_cloud_order_paid_through_a_notification_is_stored_in_its_buyers_cloud_stock(
        app, client, fake_wechat, wechat_pay_v3):
    from app.orders import placement
    from tests.factories import cloud_units, line

    headers, agent = agent_headers(client, fake_wechat)
    product, warehouse = orderable(100)
    order = placement.place_order(placed_by=f"agent:{agent.id}", idempotency_key="cloud-by-wechat",
                                  buyer_agent=agent, items=[line(product, 3)], to_cloud=True)
    assert start(client, headers, order).status_code == 200
    no = service.order_no(order)
    wechat_pay_v3.pay(no, notify=False)
    assert notify(client, wechat_pay_v3.payment_notification(no)).status_code == 204
    stored = service.get_order(order.id)
    assert (stored.status, stored.warehouse_id) == ("stored", warehouse.id) and stored.received_at is not None
    assert cloud_units(agent, product) == 3 and stock_of(product, warehouse) == (50, 3)
    assert {command: code for command, (code, _) in ledger_checks(app).items()} == CLEAN_LEDGERS


def test_a_notification_for_an_order_whose_stock_ran_short_counts_the_payment_and_picking_waits(
        app, client, fake_wechat, wechat_pay_v3):
    headers, agent = agent_headers(client, fake_wechat)
    product, warehouse = orderable(100, on_hand=1)
    order = place(agent, (product, 2))
    assert start(client, headers, order).status_code == 200
    no = service.order_no(order)
    wechat_pay_v3.pay(no, notify=False)
    assert notify(client, wechat_pay_v3.payment_notification(no)).status_code == 204
    paid = service.get_order(order.id)
    assert (paid.status, paid.warehouse_id) == ("paid", None)
    assert [e.action for e in paid.event_log] == ["place", "pay", "stock_short"]
    assert stock_of(product, warehouse) == (1, 0)
    assert WechatPayment.get(WechatPayment.order == order.id).status == "paid"
    assert OutboxMessage.select().where(OutboxMessage.kind == "order_stock_short").count() == 1


def test_a_notification_for_an_order_paid_otherwise_marks_its_wechat_payment_paid(client, wechat_pay_v3, my_order):
    _, order, _, _ = my_order
    no = started(client, my_order)
    service.confirm_payment(order.id, actor="admin:1", method="offline", amount_fen=order.total_fen,
                            payment_ref="BANK-2")
    wechat_pay_v3.pay(no, notify=False, transaction_id="4200000000000000009")
    assert notify(client, wechat_pay_v3.payment_notification(no)).status_code == 204
    payment = WechatPayment.get(WechatPayment.order == order.id)
    assert (payment.status, payment.transaction_id) == ("paid", "4200000000000000009") and payment.paid_at
