"""Withdrawals to WeChat change paid out by WeChat Pay's 商家转账, end to end through HTTP and the fake APIv3 server."""
import threading

import pytest
import requests

from app.finance import service as finance
from app.finance.jobs import settle_transfers
from app.notify.service import queued
from tests.factories import (admin_headers, agent_headers, balance_of, goods_of, make_admin, settings_changed, unique,
                             with_available, with_goods)

BILLS = "/v3/fund-app/mch-transfer/transfer-bills"
NOTIFY = "/api/pay/wechat/v3/transfer-notify"


@pytest.fixture
def payouts(wechat_pay_v3):
    """WeChat Pay APIv3 with a transfer scene: WeChat-change withdrawals are paid by 商家转账."""
    with settings_changed(WECHAT_PAY_TRANSFER_SCENE_ID="1005", WECHAT_PAY_TRANSFER_QUERY_MINUTES=0):
        yield wechat_pay_v3


@pytest.fixture
def agent(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat, agent=with_available(500000))
    agent.headers = headers
    return agent


@pytest.fixture
def finance_headers(client):
    return admin_headers(client, make_admin("finance"))


def withdraw(client, agent, amount="200.00", payee=None):
    body = {"amount": amount, **({"payee": payee} if payee else {})}
    response = client.post("/api/mp/finance/withdrawals", headers=agent.headers, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def approve(client, headers, withdrawal):
    return client.post(f"/admin/api/finance/withdrawals/{withdrawal['id']}/approve", headers=headers)


def approved(client, agent, finance_headers, amount="200.00", payee=None):
    response = approve(client, finance_headers, withdraw(client, agent, amount, payee))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def notify(client, payouts, out_bill_no, **kwargs):
    headers, body = payouts.transfer_notification(out_bill_no, **kwargs)
    return client.post(NOTIFY, data=body, headers=headers)


def finance_check(app):
    return app.test_cli_runner().invoke(args=["finance", "check"])


def assert_returned(app, agent, withdrawal):
    """The withdrawal failed and its ¥200 is back in the agent's available ¥5,000, the books clean."""
    assert finance.get_withdrawal(withdrawal["id"]).status == "failed" and balance_of(agent) == (0, 500000, 0, 0)
    assert finance_check(app).exit_code == 0


# Approval makes the transfer

def test_approving_a_wechat_change_withdrawal_creates_its_transfer_bill(client, payouts, agent, finance_headers):
    withdrawal = approved(client, agent, finance_headers)
    [call] = payouts.calls(BILLS, "POST")
    assert call.body["out_bill_no"] == withdrawal["out_bill_no"] == f"WD{withdrawal['id']:012d}"
    assert (call.body["transfer_scene_id"], call.body["transfer_amount"], call.body["transfer_remark"]) == (
        "1005", 20000, "佣金提现")
    assert call.body["notify_url"].endswith(NOTIFY) and call.body["transfer_scene_report_infos"]
    assert (withdrawal["status"], withdrawal["transfer_state"], withdrawal["awaiting_confirmation"]) == (
        "transferring", "WAIT_USER_CONFIRM", True)
    assert balance_of(agent) == (0, 480000, 20000, 0)


def test_the_agent_gets_what_request_merchant_transfer_takes(client, payouts, agent, finance_headers):
    withdrawal = approved(client, agent, finance_headers)
    response = client.get(f"/api/mp/finance/withdrawals/{withdrawal['id']}/transfer", headers=agent.headers)
    bill = payouts.transfer_bill(withdrawal["out_bill_no"])
    assert response.status_code == 200
    assert response.get_json() == {"withdrawal_id": withdrawal["id"], "amount": "200.00", "mch_id": "1900009191",
                                   "app_id": "wx-mp-test", "package": bill["package_info"]}


def test_the_agent_is_told_to_confirm_receipt(client, payouts, agent, finance_headers):
    approved(client, agent, finance_headers)
    assert [m.recipient for m in queued("withdrawal_transfer_ready")] == [f"agent:{agent.id}"]


def test_another_agents_transfer_is_404(client, fake_wechat, payouts, agent, finance_headers):
    withdrawal = approved(client, agent, finance_headers)
    other, _ = agent_headers(client, fake_wechat)
    assert client.get(f"/api/mp/finance/withdrawals/{withdrawal['id']}/transfer", headers=other).status_code == 404


def test_a_withdrawal_not_waiting_for_the_agent_has_nothing_to_confirm(client, payouts, agent):
    withdrawal = withdraw(client, agent)
    response = client.get(f"/api/mp/finance/withdrawals/{withdrawal['id']}/transfer", headers=agent.headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_waiting_confirmation"


def test_two_thousand_yuan_and_more_sends_the_real_name_encrypted(client, payouts, agent, finance_headers):
    withdrawal = approved(client, agent, finance_headers, "2000.00", {"kind": "wechat", "name": "张三"})
    [call] = payouts.calls(BILLS, "POST")
    assert call.body["user_name"] != "张三" and call.headers["Wechatpay-Serial"] == payouts.public_key_id
    assert payouts.transfer_bill(withdrawal["out_bill_no"])["user_name"] == "张三"


def test_in_platform_certificate_mode_the_name_is_encrypted_with_the_platform_certificate(
        client, wechat_pay_v3_certificates, agent, finance_headers):
    fake = wechat_pay_v3_certificates
    with settings_changed(WECHAT_PAY_TRANSFER_SCENE_ID="1005"):
        withdrawal = approved(client, agent, finance_headers, "2500.00", {"kind": "wechat", "name": "李四"})
    [call] = fake.calls(BILLS, "POST")
    assert call.headers["Wechatpay-Serial"] == fake.certificate_serial
    assert fake.transfer_bill(withdrawal["out_bill_no"])["user_name"] == "李四"
    assert withdrawal["status"] == "transferring"


def test_under_two_thousand_yuan_no_name_is_sent(client, payouts, agent, finance_headers):
    approved(client, agent, finance_headers, "1999.99", {"kind": "wechat", "name": "张三"})
    assert "user_name" not in payouts.calls(BILLS, "POST")[0].body


def test_two_thousand_yuan_to_wechat_change_without_a_name_is_refused_when_asked(client, payouts, agent):
    response = client.post("/api/mp/finance/withdrawals", headers=agent.headers, json={"amount": "2000.00"})
    assert response.status_code == 422 and "payee.name" in response.get_json()["error"]["fields"]


def test_an_agent_who_never_used_the_mini_program_cannot_be_paid_to_wechat_change(client, payouts, finance_headers):
    withdrawal = finance.request_withdrawal(agent_id=with_available(50000).id, amount_fen=20000)
    response = client.post(f"/admin/api/finance/withdrawals/{withdrawal.id}/approve", headers=finance_headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "no_openid"
    assert finance.get_withdrawal(withdrawal.id).status == "pending" and not payouts.calls(BILLS)


def test_a_bank_payee_keeps_the_manual_mark_paid_flow(client, payouts, agent, finance_headers):
    bank = {"kind": "bank", "name": "张三", "account": "6222021234567890", "bank": "招商银行"}
    withdrawal = approved(client, agent, finance_headers, payee=bank)
    paid = client.post(f"/admin/api/finance/withdrawals/{withdrawal['id']}/pay", headers=finance_headers,
                       json={"reference": "BANK-1"})
    assert withdrawal["out_bill_no"] is None and not payouts.calls(BILLS)
    assert paid.get_json()["status"] == "paid" and balance_of(agent) == (0, 480000, 0, 20000)


def test_without_a_transfer_scene_wechat_change_is_paid_by_hand(client, wechat_pay_v3, agent, finance_headers):
    withdrawal = approved(client, agent, finance_headers)
    assert (withdrawal["status"], withdrawal["out_bill_no"]) == ("approved", None)
    assert not wechat_pay_v3.calls(BILLS)


# WeChat Pay's answer

def test_the_success_notification_marks_it_paid_once(app, client, payouts, agent, finance_headers):
    withdrawal = approved(client, agent, finance_headers)
    payouts.finish_transfer(withdrawal["out_bill_no"], notify=False)
    answers = [notify(client, payouts, withdrawal["out_bill_no"]).status_code for _ in range(3)]
    current = finance.get_withdrawal(withdrawal["id"])
    assert answers == [204, 204, 204] and (current.status, current.transfer_state) == ("paid", "SUCCESS")
    assert current.reference == payouts.transfer_bill(withdrawal["out_bill_no"])["transfer_bill_no"]
    assert balance_of(agent) == (0, 480000, 0, 20000) and len(queued("withdrawal_paid")) == 1
    assert finance_check(app).exit_code == 0


@pytest.mark.parametrize("state", ["FAIL", "CANCELLED"])
def test_a_failed_or_cancelled_transfer_returns_the_money_once(app, client, payouts, agent, finance_headers, state):
    withdrawal = approved(client, agent, finance_headers)
    payouts.finish_transfer(withdrawal["out_bill_no"], state, fail_reason="ACCOUNT_FROZEN", notify=False)
    for _ in range(3):
        assert notify(client, payouts, withdrawal["out_bill_no"]).status_code == 204
    assert_returned(app, agent, withdrawal)
    assert len(queued("withdrawal_failed")) == 1


@pytest.mark.parametrize("state, after", [("SUCCESS", (0, 0)), ("FAIL", (30000, 0))])
def test_a_goods_balance_withdrawal_is_paid_or_returned_in_the_goods_ledger(app, client, fake_wechat, payouts,
                                                                           finance_headers, state, after):
    headers, agent = agent_headers(client, fake_wechat, agent=with_goods(30000))
    response = client.post("/api/mp/finance/withdrawals", headers=headers, json={"amount": "300.00", "source": "goods"})
    withdrawal = approve(client, finance_headers, response.get_json()).get_json()
    assert withdrawal["status"] == "transferring" and goods_of(agent) == (0, 30000)
    payouts.finish_transfer(withdrawal["out_bill_no"], state, notify=False)
    for _ in range(2):
        assert notify(client, payouts, withdrawal["out_bill_no"]).status_code == 204
    assert goods_of(agent) == after and finance_check(app).exit_code == 0


def test_the_fail_reason_is_told_in_chinese(client, payouts, agent, finance_headers):
    withdrawal = approved(client, agent, finance_headers)
    payouts.finish_transfer(withdrawal["out_bill_no"], "FAIL", fail_reason="NAME_NOT_CORRECT", notify=False)
    notify(client, payouts, withdrawal["out_bill_no"])
    assert finance.get_withdrawal(withdrawal["id"]).reason == "收款人姓名与微信实名不符"


def test_a_late_earlier_state_does_not_undo_the_payment(client, payouts, agent, finance_headers):
    withdrawal = approved(client, agent, finance_headers)
    payouts.finish_transfer(withdrawal["out_bill_no"], notify=False)
    notify(client, payouts, withdrawal["out_bill_no"])
    notify(client, payouts, withdrawal["out_bill_no"], state="WAIT_USER_CONFIRM")
    notify(client, payouts, withdrawal["out_bill_no"], state="FAIL")
    current = finance.get_withdrawal(withdrawal["id"])
    assert (current.status, current.transfer_state) == ("paid", "SUCCESS")
    assert balance_of(agent) == (0, 480000, 0, 20000)


def test_a_notification_for_another_amount_is_refused_and_the_owners_told(app, client, payouts, agent,
                                                                          finance_headers):
    withdrawal = approved(client, agent, finance_headers)
    payouts.finish_transfer(withdrawal["out_bill_no"], notify=False)
    responses = [notify(client, payouts, withdrawal["out_bill_no"], amount=2000000) for _ in range(2)]
    assert [r.status_code for r in responses] == [409, 409]
    assert responses[0].get_json()["error"]["code"] == "amount_mismatch"
    assert finance.get_withdrawal(withdrawal["id"]).status == "transferring"
    assert [m.recipient for m in queued("withdrawal_transfer_mismatch")] == ["owners"]
    assert finance_check(app).exit_code == 0


def test_a_notification_for_a_bill_we_never_made_is_404(client, payouts, agent, finance_headers):
    withdrawal = approved(client, agent, finance_headers)
    payouts.state["transfer_bills"]["WD999999999999"] = {**payouts.transfer_bill(withdrawal["out_bill_no"]),
                                                         "out_bill_no": "WD999999999999"}
    assert notify(client, payouts, "WD999999999999").status_code == 404


@pytest.mark.parametrize("forgery", [
    {"key": "forger"}, {"timestamp": 1_000_000_000}, {"serial": "PUB_KEY_ID_SOMEONE_ELSE"}, {"apiv3_key": "x" * 32}])
def test_a_forged_stale_or_unreadable_notification_is_400_and_changes_nothing(client, payouts, agent,
                                                                              finance_headers, forgery):
    from tests.fake_wechat_pay_v3 import _forger

    withdrawal = approved(client, agent, finance_headers)
    payouts.finish_transfer(withdrawal["out_bill_no"], notify=False)
    signing = {"key": _forger()} if forgery.get("key") else forgery
    response = notify(client, payouts, withdrawal["out_bill_no"], **signing)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "notification_rejected"
    assert finance.get_withdrawal(withdrawal["id"]).status == "transferring"


def test_a_body_that_is_not_a_notification_is_400(client, payouts):
    assert client.post(NOTIFY, data=b"\xff" * 100, headers={"Content-Type": "application/json"}).status_code == 400


def test_the_agent_asking_after_confirming_learns_it_is_paid(client, payouts, agent, finance_headers):
    withdrawal = approved(client, agent, finance_headers)
    payouts.finish_transfer(withdrawal["out_bill_no"], notify=False)
    response = client.post(f"/api/mp/finance/withdrawals/{withdrawal['id']}/transfer/refresh", headers=agent.headers)
    assert response.status_code == 200 and response.get_json()["status"] == "paid"


# Faults: never a second transfer

def test_wechat_pay_down_at_approval_leaves_it_approved_with_its_one_number(app, client, payouts, agent,
                                                                            finance_headers):
    payouts.fail_next(BILLS, 500, times=1)
    withdrawal = approved(client, agent, finance_headers)
    assert (withdrawal["status"], withdrawal["out_bill_no"]) == ("approved", f"WD{withdrawal['id']:012d}")
    assert "无应答" in withdrawal["transfer_error"] and finance_check(app).exit_code == 0


def test_the_job_sends_an_unanswered_transfer_again_with_the_same_number(client, payouts, agent, finance_headers):
    payouts.fail_next(BILLS, 503)
    withdrawal = approved(client, agent, finance_headers)
    assert settle_transfers() == {"transferring": 1}
    assert {c.body["out_bill_no"] for c in payouts.calls(BILLS, "POST")} == {withdrawal["out_bill_no"]}
    assert len(payouts.state["transfer_bills"]) == 1


def test_a_transfer_made_whose_answer_was_lost_is_found_by_the_query_not_made_again(client, payouts, agent,
                                                                                   finance_headers):
    payouts.hang_next(BILLS, 3, accept=True)  # created at WeChat Pay, the answer comes after our 2 s timeout
    withdrawal = approved(client, agent, finance_headers)
    assert withdrawal["status"] == "approved"
    settle_transfers()
    current = finance.get_withdrawal(withdrawal["id"])
    assert current.status == "transferring" and len(payouts.calls(BILLS, "POST")) == 1
    assert len(payouts.state["transfer_bills"]) == 1


def test_a_refusal_is_kept_and_asked_again_with_the_same_number(client, payouts, agent, finance_headers):
    payouts.fail_next(BILLS, 403, "NOT_ENOUGH", "商户运营账户资金不足")
    withdrawal = approved(client, agent, finance_headers)
    assert "NOT_ENOUGH" in withdrawal["transfer_error"]
    settle_transfers()
    assert finance.get_withdrawal(withdrawal["id"]).status == "transferring"
    assert {c.body["out_bill_no"] for c in payouts.calls(BILLS, "POST")} == {withdrawal["out_bill_no"]}


def test_the_job_settles_a_transfer_whose_notification_never_came(app, client, payouts, agent, finance_headers):
    withdrawal = approved(client, agent, finance_headers)
    payouts.finish_transfer(withdrawal["out_bill_no"], "FAIL", fail_reason="TRANSFER_RISK", notify=False)
    settle_transfers()
    settle_transfers()
    assert_returned(app, agent, withdrawal)


def test_a_query_that_goes_unanswered_changes_nothing(client, payouts, agent, finance_headers):
    withdrawal = approved(client, agent, finance_headers)
    payouts.fail_next(BILLS + "/out-bill-no/.*", 502)
    settle_transfers()
    assert finance.get_withdrawal(withdrawal["id"]).status == "transferring"


def test_a_transfer_started_can_neither_be_rejected_nor_marked_paid_by_hand(client, payouts, agent,
                                                                           finance_headers):
    payouts.fail_next(BILLS, 500)
    withdrawal = approved(client, agent, finance_headers)
    base = f"/admin/api/finance/withdrawals/{withdrawal['id']}"
    rejected = client.post(f"{base}/reject", headers=finance_headers, json={"reason": "重复申请"})
    paid = client.post(f"{base}/pay", headers=finance_headers, json={"reference": "X1"})
    assert [r.status_code for r in (rejected, paid)] == [409, 409]
    assert {r.get_json()["error"]["code"] for r in (rejected, paid)} == {"transfer_started"}
    assert balance_of(agent) == (0, 480000, 20000, 0)


def test_finance_asks_wechat_pay_from_the_queue(client, payouts, agent, finance_headers):
    withdrawal = approved(client, agent, finance_headers)
    payouts.finish_transfer(withdrawal["out_bill_no"], notify=False)
    response = client.post(f"/admin/api/finance/withdrawals/{withdrawal['id']}/transfer/query",
                           headers=finance_headers)
    assert response.status_code == 200 and response.get_json()["status"] == "paid"


def test_approving_twice_in_a_row_transfers_once(client, payouts, agent, finance_headers):
    withdrawal = withdraw(client, agent)
    first, second = approve(client, finance_headers, withdrawal), approve(client, finance_headers, withdrawal)
    assert (first.status_code, second.status_code) == (200, 409) and len(payouts.calls(BILLS, "POST")) == 1


# Finance withdraws a transfer (撤销)

def cancel(client, headers, withdrawal):
    return client.post(f"/admin/api/finance/withdrawals/{withdrawal['id']}/transfer/cancel", headers=headers)


def test_a_transfer_waiting_for_the_agent_is_cancelled_and_its_money_returned_once(app, client, payouts, agent,
                                                                                  finance_headers):
    withdrawal = approved(client, agent, finance_headers)
    response = cancel(client, finance_headers, withdrawal)
    assert response.status_code == 200 and response.get_json()["transfer_state"] == "CANCELING"
    assert payouts.transfer_bill(withdrawal["out_bill_no"])["state"] == "CANCELLED"
    settle_transfers()
    settle_transfers()
    assert_returned(app, agent, withdrawal)


def test_cancelling_a_transfer_already_received_finds_it_paid(client, payouts, agent, finance_headers):
    withdrawal = approved(client, agent, finance_headers)
    payouts.finish_transfer(withdrawal["out_bill_no"], notify=False)
    response = cancel(client, finance_headers, withdrawal)
    assert response.status_code == 200 and response.get_json()["status"] == "paid"
    assert not payouts.calls(BILLS + "/out-bill-no/.*/cancel")


def test_a_transfer_wechat_pay_never_got_is_ended_and_its_money_returned(client, payouts, agent, finance_headers):
    payouts.fail_next(BILLS, 400, "PARAM_ERROR", "openid与appid不匹配")
    withdrawal = approved(client, agent, finance_headers)
    response = cancel(client, finance_headers, withdrawal)
    assert response.status_code == 200 and response.get_json()["status"] == "failed"
    assert response.get_json()["reason"] == "微信支付未收到转账，已撤销" and balance_of(agent) == (0, 500000, 0, 0)
    assert settle_transfers() == {} and len(payouts.calls(BILLS, "POST")) == 1


def test_a_transfer_sent_a_moment_ago_is_not_ended_while_its_answer_may_be_on_its_way(client, payouts, agent,
                                                                                      finance_headers):
    payouts.fail_next(BILLS, 503)
    withdrawal = approved(client, agent, finance_headers)
    with settings_changed(WECHAT_PAY_TRANSFER_QUERY_MINUTES=5):
        response = cancel(client, finance_headers, withdrawal)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "transfer_not_settled"
    assert finance.get_withdrawal(withdrawal["id"]).status == "approved"


def test_cancelling_while_wechat_pay_is_down_changes_nothing(client, payouts, agent, finance_headers):
    withdrawal = approved(client, agent, finance_headers)
    payouts.fail_next(BILLS + "/out-bill-no/.*", 502)
    response = cancel(client, finance_headers, withdrawal)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "wechat_pay_unavailable"
    assert finance.get_withdrawal(withdrawal["id"]).status == "transferring" and balance_of(agent)[2] == 20000


def test_the_agent_does_not_see_wechat_pays_error_text(client, payouts, agent, finance_headers):
    payouts.fail_next(BILLS, 403, "NOT_ENOUGH", "商户运营账户资金不足")
    approved(client, agent, finance_headers)
    [mine] = client.get("/api/mp/finance/withdrawals", headers=agent.headers).get_json()["items"]
    assert "transfer_error" not in mine and mine["status"] == "approved"


# Over real HTTP, several connections

@pytest.mark.committed
def test_the_fake_notifies_our_live_server_and_the_withdrawal_is_paid(app, live_server, payouts, fake_wechat):
    with settings_changed(PUBLIC_BASE_URL=live_server):
        session = requests.Session()
        code = fake_wechat.issue_login_code(unique("openid-"))
        token = session.post(f"{live_server}/api/mp/auth/login", json={"code": code}).json()["token"]
        from app.accounts.models import WechatUser
        from app.agents.models import Agent

        agent = with_available(50000)
        Agent.update(wechat_user=WechatUser.select().order_by(WechatUser.id.desc()).first()).where(
            Agent.id == agent.id).execute()
        withdrawal = session.post(f"{live_server}/api/mp/finance/withdrawals", json={"amount": "200.00"},
                                  headers={"Authorization": f"Bearer {token}"}).json()
        finance.approve_withdrawal(withdrawal_id=withdrawal["id"], actor_id=None)
        out_bill_no = finance.get_withdrawal(withdrawal["id"]).out_bill_no
        responses = payouts.finish_transfer(out_bill_no, times=2)
    assert [r.status_code for r in responses] == [204, 204]
    assert finance.get_withdrawal(withdrawal["id"]).status == "paid" and balance_of(agent) == (0, 30000, 0, 20000)


@pytest.mark.mysql_only
@pytest.mark.committed
def test_two_approvals_of_one_withdrawal_at_once_make_one_transfer(live_server, payouts, fake_wechat, app):
    from app.accounts.models import WechatUser
    from app.agents.models import Agent

    agent = with_available(50000)
    user = WechatUser.create(openid=unique("openid-"))
    Agent.update(wechat_user=user).where(Agent.id == agent.id).execute()
    withdrawal = finance.request_withdrawal(agent_id=agent.id, amount_fen=20000)
    admins = [make_admin("finance") for _ in range(2)]
    from app.database import db

    db.close()
    with app.test_client() as client:
        headers = [admin_headers(client, admin) for admin in admins]
    barrier, statuses = threading.Barrier(2), []

    def approve_now(auth):
        barrier.wait()
        statuses.append(requests.post(f"{live_server}/admin/api/finance/withdrawals/{withdrawal.id}/approve",
                                      headers=auth, timeout=10).status_code)
    threads = [threading.Thread(target=approve_now, args=(h,)) for h in headers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    assert len(payouts.calls(BILLS, "POST")) == 1 and len(payouts.state["transfer_bills"]) == 1
    assert finance.get_withdrawal(withdrawal.id).status == "transferring"
    assert finance_check(app).exit_code == 0


@pytest.mark.mysql_only
@pytest.mark.committed
def test_notifications_and_a_query_at_once_pay_it_once(live_server, payouts, app):
    from app.accounts.models import WechatUser
    from app.agents.models import Agent
    from app.database import db
    from app.finance.models import JournalEntry

    agent = with_available(50000)
    Agent.update(wechat_user=WechatUser.create(openid=unique("openid-"))).where(Agent.id == agent.id).execute()
    withdrawal = finance.request_withdrawal(agent_id=agent.id, amount_fen=20000)
    finance.approve_withdrawal(withdrawal_id=withdrawal.id, actor_id=None)
    out_bill_no = finance.get_withdrawal(withdrawal.id).out_bill_no
    payouts.finish_transfer(out_bill_no, notify=False)
    with app.test_client() as client:
        headers = admin_headers(client, make_admin("finance"))
    db.close()
    barrier, statuses = threading.Barrier(4), []

    def notify_now():
        signed = payouts.transfer_notification(out_bill_no)
        barrier.wait()
        statuses.append(payouts.send(live_server + NOTIFY, *signed).status_code)

    def query_now():
        barrier.wait()
        statuses.append(requests.post(f"{live_server}/admin/api/finance/withdrawals/{withdrawal.id}/transfer/query",
                                      headers=headers, timeout=10).status_code)
    threads = [threading.Thread(target=notify_now) for _ in range(3)] + [threading.Thread(target=query_now)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 204, 204, 204]
    assert finance.get_withdrawal(withdrawal.id).status == "paid" and balance_of(agent) == (0, 30000, 0, 20000)
    assert JournalEntry.select().where(JournalEntry.key == f"withdrawal:{withdrawal.id}:paid").count() == 1
    assert finance_check(app).exit_code == 0
