"""The goods-payment balance through the mini-program API and the console API: top-ups, paying orders, withdrawing."""
import io
import pytest
from wechatpy.pay.utils import calculate_signature, dict_to_xml

from app.finance import service as finance
from app.finance.models import GoodsTopUp
from app.notify.models import Notification
from app.orders import service as orders
from tests.conftest import MP_APPID
from tests.factories import (admin_headers, agent_headers, goods_of, make_admin, orderable, place, stock_of,
                             with_goods)
from tests.test_wechat_payment import API_KEY, MCH_ID, wechat_pay  # noqa: F401  (wechat_pay is a fixture: v2)

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def me(client, fake_wechat):
    return agent_headers(client, fake_wechat)


@pytest.fixture
def finance_staff(client):
    return admin_headers(client, make_admin("finance"))


def top_up(client, headers, amount="500.00", content=PNG, **form):
    return client.post("/api/mp/finance/goods/top-ups", headers=headers,
                       data={"amount": amount, "image": (io.BytesIO(content), "p.png"), **form})


def pay(client, headers, order):
    return client.post(f"/api/mp/orders/{order.id}/goods-payment", headers=headers)


# --- balance and entries ---

def test_my_goods_balance_starts_at_zero(client, me):
    headers, _ = me
    assert client.get("/api/mp/finance/goods", headers=headers).get_json() == {
        "agent_id": me[1].id, "balance": "0.00", "held": "0.00"}


def test_my_entries_list_each_change_with_its_reason(client, me):
    headers, agent = me
    with_goods(50000, agent=agent)
    body = client.get("/api/mp/finance/goods/entries", headers=headers).get_json()
    assert body["total"] == 1 and body["items"][0]["amount"] == "500.00" and body["items"][0]["reason_name"] == "充值"


# --- top-up by transfer ---

def test_a_transfer_top_up_waits_for_finance_and_tells_the_owners(client, me):
    headers, agent = me
    response = top_up(client, headers, reference="工行尾号1234")
    assert response.status_code == 201
    body = response.get_json()
    assert (body["status"], body["method"], body["amount"], body["has_proof"]) == ("pending", "transfer", "500.00",
                                                                                    True)
    assert goods_of(agent) == (0, 0)
    assert Notification.select().where(Notification.kind == "goods_topup_submitted").count() == 1


def test_proof_uploads_beyond_the_limit_answer_429_and_keep_nothing(client, me):
    from tests.factories import overridden_settings
    headers, agent = me
    with overridden_settings(PROOF_UPLOAD_RATE_LIMIT="2/minute"):
        statuses = [top_up(client, headers, request_id=f"r{n}").status_code for n in range(3)]
        refused = top_up(client, headers, request_id="r3")
    assert statuses == [201, 201, 429] and refused.get_json()["error"]["code"] == "rate_limited"
    assert GoodsTopUp.select().where(GoodsTopUp.agent == agent.id).count() == 2


def test_the_proof_upload_limit_counts_each_agent_on_its_own(client, me, fake_wechat):
    from tests.factories import overridden_settings
    other, _ = agent_headers(client, fake_wechat)
    with overridden_settings(PROOF_UPLOAD_RATE_LIMIT="1/minute"):
        assert top_up(client, me[0], request_id="a").status_code == 201
        assert top_up(client, other, request_id="b").status_code == 201


def test_a_top_up_without_a_proof_image_is_refused(client, me):
    response = client.post("/api/mp/finance/goods/top-ups", headers=me[0], data={"amount": "500.00"})
    assert response.status_code == 422 and "proof" in response.get_json()["error"]["fields"]


def test_a_top_up_whose_proof_is_not_an_image_is_refused(client, me):
    assert top_up(client, me[0], content=b"<html>").status_code == 422


@pytest.mark.parametrize("amount", ["0", "-5", "0.5", "²", "abc", "99999999999999", "1.001"])
def test_an_odd_top_up_amount_is_refused(client, me, amount):
    response = top_up(client, me[0], amount=amount)
    assert response.status_code == 422 and "amount" in response.get_json()["error"]["fields"]


def test_a_repeated_request_id_answers_the_first_top_up(client, me):
    first = top_up(client, me[0], request_id="r1").get_json()
    again = top_up(client, me[0], request_id="r1").get_json()
    assert first["id"] == again["id"] and GoodsTopUp.select().count() == 1


def test_finance_confirms_a_transfer_and_the_balance_is_credited_once(client, me, finance_staff):
    headers, agent = me
    top_up_id = top_up(client, headers).get_json()["id"]
    confirmed = client.post(f"/admin/api/finance/goods/top-ups/{top_up_id}/confirm", headers=finance_staff)
    assert confirmed.status_code == 200 and confirmed.get_json()["status"] == "confirmed"
    again = client.post(f"/admin/api/finance/goods/top-ups/{top_up_id}/confirm", headers=finance_staff)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "top_up_state"
    assert goods_of(agent) == (50000, 0)
    assert Notification.select().where(Notification.kind == "goods_topup_confirmed").count() == 1
    assert finance.check_ledger() == []


def test_finance_rejects_a_transfer_with_a_reason_and_nothing_is_credited(client, me, finance_staff):
    headers, agent = me
    top_up_id = top_up(client, headers).get_json()["id"]
    rejected = client.post(f"/admin/api/finance/goods/top-ups/{top_up_id}/reject", headers=finance_staff,
                           json={"reason": "未收到款项"})
    assert rejected.get_json()["status"] == "rejected" and rejected.get_json()["reason"] == "未收到款项"
    assert client.post(f"/admin/api/finance/goods/top-ups/{top_up_id}/confirm",
                       headers=finance_staff).status_code == 409
    assert goods_of(agent) == (0, 0)


def test_finance_sees_the_transfer_proof(client, me, finance_staff):
    top_up_id = top_up(client, me[0]).get_json()["id"]
    image = client.get(f"/admin/api/finance/goods/top-ups/{top_up_id}/proof", headers=finance_staff)
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data == PNG


def test_another_agents_top_up_proof_is_not_found(client, me, fake_wechat):
    top_up_id = top_up(client, me[0]).get_json()["id"]
    other, _ = agent_headers(client, fake_wechat)
    assert client.get(f"/api/mp/finance/goods/top-ups/{top_up_id}/proof", headers=other).status_code == 404


def test_the_queue_lists_pending_top_ups(client, me, finance_staff):
    top_up(client, me[0])
    body = client.get("/admin/api/finance/goods/top-ups?status=pending", headers=finance_staff).get_json()
    assert body["total"] == 1 and body["items"][0]["agent_id"] == me[1].id


def test_an_agent_may_not_confirm_top_ups(client, me):
    top_up_id = top_up(client, me[0]).get_json()["id"]
    assert client.post(f"/admin/api/finance/goods/top-ups/{top_up_id}/confirm",
                       headers=me[0]).status_code in (401, 403)


# --- top-up by WeChat Pay (v2) ---

def goods_notification(top_up_id, total_fee, *, key=API_KEY, transaction_id="4200000777"):
    data = {"appid": MP_APPID, "mch_id": MCH_ID, "nonce_str": "n0nce", "result_code": "SUCCESS",
            "return_code": "SUCCESS", "out_trade_no": f"GT{top_up_id:010d}", "transaction_id": transaction_id,
            "total_fee": str(total_fee), "openid": "o-1", "trade_type": "JSAPI"}
    return dict_to_xml(data, calculate_signature(data, key))


def notify(client, body):
    response = client.post("/api/pay/wechat/goods-notify", data=body.encode(), content_type="text/xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    return response.get_data(as_text=True)


def test_a_wechat_top_up_answers_signed_parameters_for_wx_request_payment(client, me, wechat_pay):
    response = client.post("/api/mp/finance/goods/top-ups/wechat", headers=me[0], json={"amount": "300.00"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["top_up"]["method"] == "wechat" and body["top_up"]["status"] == "pending"
    params = body["payment"]
    assert params["package"].startswith("prepay_id=")
    assert params["paySign"] == calculate_signature({k: v for k, v in params.items() if k != "paySign"}, API_KEY)
    asked = wechat_pay.pay.order(f"GT{body['top_up']['id']:010d}")
    assert int(asked["total_fee"]) == 30000 and asked["notify_url"].endswith("/api/pay/wechat/goods-notify")


def test_a_wechat_top_up_without_wechat_pay_says_to_transfer(client, me):
    response = client.post("/api/mp/finance/goods/top-ups/wechat", headers=me[0], json={"amount": "300.00"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "wechat_pay_not_configured"


def test_the_wechat_notification_credits_the_top_up_once(client, me, wechat_pay):
    headers, agent = me
    top_up_id = client.post("/api/mp/finance/goods/top-ups/wechat", headers=headers,
                            json={"amount": "300.00"}).get_json()["top_up"]["id"]
    assert "SUCCESS" in notify(client, goods_notification(top_up_id, 30000))
    assert "SUCCESS" in notify(client, goods_notification(top_up_id, 30000))
    assert goods_of(agent) == (30000, 0)
    record = GoodsTopUp.get_by_id(top_up_id)
    assert (record.status, record.payment_ref) == ("confirmed", "4200000777")


def test_a_wechat_notification_with_a_bad_signature_credits_nothing(client, me, wechat_pay):
    top_up_id = client.post("/api/mp/finance/goods/top-ups/wechat", headers=me[0],
                            json={"amount": "300.00"}).get_json()["top_up"]["id"]
    assert "FAIL" in notify(client, goods_notification(top_up_id, 30000, key="x" * 32))
    assert goods_of(me[1]) == (0, 0)


def test_a_wechat_notification_for_another_amount_credits_nothing(client, me, wechat_pay):
    top_up_id = client.post("/api/mp/finance/goods/top-ups/wechat", headers=me[0],
                            json={"amount": "300.00"}).get_json()["top_up"]["id"]
    assert "FAIL" in notify(client, goods_notification(top_up_id, 1))
    assert goods_of(me[1]) == (0, 0)


def test_a_wechat_notification_for_an_unknown_top_up_is_refused(client, wechat_pay):
    assert "FAIL" in notify(client, goods_notification(999999, 100))


def test_a_wechat_top_up_cannot_be_confirmed_by_hand(client, me, wechat_pay, finance_staff):
    top_up_id = client.post("/api/mp/finance/goods/top-ups/wechat", headers=me[0],
                            json={"amount": "300.00"}).get_json()["top_up"]["id"]
    response = client.post(f"/admin/api/finance/goods/top-ups/{top_up_id}/confirm", headers=finance_staff)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "top_up_method"


# --- paying an order from the balance ---

def test_an_order_paid_from_the_balance_is_paid_and_settled(client, me):
    headers, agent = me
    with_goods(50000, agent=agent)
    product, warehouse = orderable(100)
    order = place(agent, (product, 2))
    response = pay(client, headers, order)
    assert response.status_code == 200 and response.get_json()["status"] == "paid"
    paid = orders.get_order(order.id)
    assert (paid.payment_method, paid.total_fen) == ("goods_balance", 20000)
    assert goods_of(agent) == (30000, 0)
    assert stock_of(product, warehouse) == (50, 2)
    assert finance.get_settlement(order.id).total_fen == 20000
    assert finance.check_ledger() == []


def test_a_short_balance_refuses_the_payment_naming_the_shortfall_and_the_order_stays_unpaid(client, me):
    headers, agent = me
    with_goods(5000, agent=agent)
    product, _ = orderable(100)
    order = place(agent, (product, 2))
    response = pay(client, headers, order)
    error = response.get_json()["error"]
    assert response.status_code == 409 and error["code"] == "insufficient_goods_balance"
    assert "还差150.00元" in error["message"]
    assert orders.get_order(order.id).status == "pending_payment" and goods_of(agent) == (5000, 0)


def test_a_paid_order_is_not_paid_again_from_the_balance(client, me):
    headers, agent = me
    with_goods(50000, agent=agent)
    product, _ = orderable(100)
    order = place(agent, (product, 1))
    pay(client, headers, order)
    assert pay(client, headers, order).status_code == 409
    assert goods_of(agent) == (40000, 0)


def test_another_agents_order_is_not_found_and_nothing_is_debited(client, me, fake_wechat):
    headers, agent = me
    with_goods(50000, agent=agent)
    _, other = agent_headers(client, fake_wechat)
    product, _ = orderable(100)
    order = place(other, (product, 1))
    assert pay(client, headers, order).status_code == 404
    assert goods_of(agent) == (50000, 0)


def test_cancelling_an_order_paid_from_the_balance_returns_the_money_to_it(client, me):
    headers, agent = me
    with_goods(50000, agent=agent)
    product, _ = orderable(100)
    order = place(agent, (product, 2))
    pay(client, headers, order)
    orders.cancel(order.id, actor="admin:1", reason="客户不要了")
    assert goods_of(agent) == (50000, 0)
    assert finance.check_ledger() == []


def test_refunding_an_order_paid_from_the_balance_returns_the_refund_to_it(client, me):
    from app.orders import refunds

    headers, agent = me
    with_goods(50000, agent=agent)
    product, _ = orderable(100)
    order = place(agent, (product, 2))
    pay(client, headers, order)
    refunds.refund(order.id, actor="admin:1", reason="质量问题")
    assert goods_of(agent) == (50000, 0)


# --- withdrawing what is left ---

def withdraw(client, headers, amount="200.00", **body):
    return client.post("/api/mp/finance/withdrawals", headers=headers, json={"amount": amount, **body})


def test_a_goods_withdrawal_holds_the_amount_from_the_goods_balance(client, me):
    headers, agent = me
    with_goods(50000, agent=agent)
    response = withdraw(client, headers, source="goods")
    assert response.status_code == 201 and response.get_json()["source"] == "goods"
    assert goods_of(agent) == (30000, 20000)


def test_a_goods_withdrawal_beyond_the_balance_is_refused(client, me):
    headers, agent = me
    with_goods(10000, agent=agent)
    response = withdraw(client, headers, source="goods")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "insufficient_goods_balance"
    assert goods_of(agent) == (10000, 0)


def test_a_rejected_goods_withdrawal_returns_the_amount_to_the_balance(client, me, finance_staff):
    headers, agent = me
    with_goods(50000, agent=agent)
    withdrawal_id = withdraw(client, headers, source="goods").get_json()["id"]
    client.post(f"/admin/api/finance/withdrawals/{withdrawal_id}/reject", headers=finance_staff,
                json={"reason": "信息有误"})
    assert goods_of(agent) == (50000, 0)
    assert finance.check_ledger() == []


def test_a_paid_goods_withdrawal_leaves_the_balance(client, me, finance_staff):
    headers, agent = me
    with_goods(50000, agent=agent)
    withdrawal_id = withdraw(client, headers, source="goods").get_json()["id"]
    client.post(f"/admin/api/finance/withdrawals/{withdrawal_id}/approve", headers=finance_staff)
    client.post(f"/admin/api/finance/withdrawals/{withdrawal_id}/pay", headers=finance_staff,
                json={"reference": "BANK-1"})
    assert goods_of(agent) == (30000, 0)
    assert finance.check_ledger() == []


def test_a_goods_withdrawal_leaves_the_commission_alone(client, me):
    headers, agent = me
    with_goods(50000, agent=agent)
    withdraw(client, headers, source="goods")
    assert client.get("/api/mp/finance/balance", headers=headers).get_json()["held"] == "0.00"


def test_an_unknown_withdrawal_source_is_refused(client, me):
    assert withdraw(client, me[0], source="cloud").status_code == 422


def test_the_console_shows_an_agents_goods_balance_and_entries(client, me, finance_staff):
    agent = with_goods(50000, agent=me[1])
    balance = client.get(f"/admin/api/finance/goods/agents/{agent.id}", headers=finance_staff).get_json()
    entries = client.get(f"/admin/api/finance/goods/agents/{agent.id}/entries", headers=finance_staff).get_json()
    assert balance["balance"] == "500.00" and entries["total"] == 1
