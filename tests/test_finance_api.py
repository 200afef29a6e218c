"""The finance doors: the mini-program's balance, lines and withdrawals; the console's rules, queue, expenses,
reports and settlements."""
import io
from datetime import timedelta

import pytest

from app.clock import local_today, utcnow
from app.finance import service as finance
from app.finance.models import AgentBalance
from tests.factories import admin_headers, agent_headers, balance_of, ladder_order, make_admin, with_available

TODAY = local_today()
MONTH = f"{TODAY.year}-{TODAY.month:02d}"


@pytest.fixture
def finance_headers(client):
    return admin_headers(client, make_admin("finance"))


@pytest.fixture
def owner_headers(client):
    return admin_headers(client, make_admin("owner"))


def test_an_agent_sees_its_balance(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat, agent=with_available(50000))
    body = client.get("/api/mp/finance/balance", headers=headers).get_json()
    assert body == {"agent_id": agent.id, "pending": "0.00", "available": "500.00", "held": "0.00",
                    "withdrawn": "0.00", "owed": "0.00"}


def test_an_agent_sees_why_it_earned_each_line(client, fake_wechat):
    _, _, chain = ladder_order()
    headers, _ = agent_headers(client, fake_wechat, agent=chain[1])
    body = client.get("/api/mp/finance/commissions", headers=headers).get_json()
    [line] = body["items"]
    assert (line["amount"], line["rule"], line["status"]) == ("40.00", "level_difference", "pending")
    assert "级差奖" in line["explanation"] and line["details"]["parts"][0]["quantity"] == 2


def test_an_agent_asks_to_withdraw_and_sees_the_request(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat, agent=with_available(50000))
    response = client.post("/api/mp/finance/withdrawals", headers=headers, json={"amount": "200.00"})
    assert response.status_code == 201 and response.get_json()["status"] == "pending"
    assert client.get("/api/mp/finance/withdrawals", headers=headers).get_json()["total"] == 1


def test_withdrawing_more_than_available_is_a_409_in_chinese(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat, agent=with_available(50000))
    response = client.post("/api/mp/finance/withdrawals", headers=headers, json={"amount": "500.01"})
    assert response.status_code == 409
    assert response.get_json()["error"] == {"code": "insufficient_balance", "message": "可提现余额不足", "fields": {}}


@pytest.mark.parametrize("body", [{"amount": 12.5}, {"amount": "1.234"}, {"amount": "-5"}, {}, {"amount": "abc"}])
def test_malformed_withdrawal_amounts_are_422(client, fake_wechat, body):
    headers, _ = agent_headers(client, fake_wechat, agent=with_available(50000))
    assert client.post("/api/mp/finance/withdrawals", headers=headers, json=body).status_code == 422


@pytest.mark.parametrize("amount", ["１２３", "1²", "1e3", "1E2", "١٢", "12.", ".5", "+5", "0x10", "1_000", "12.345"])
def test_an_amount_in_anything_but_ascii_digits_is_422_and_withdraws_nothing(client, fake_wechat, amount):
    headers, _ = agent_headers(client, fake_wechat, agent=with_available(50000))
    response = client.post("/api/mp/finance/withdrawals", headers=headers, json={"amount": amount})
    assert response.status_code == 422
    assert "amount" in response.get_json()["error"]["fields"]
    assert client.get("/api/mp/finance/withdrawals", headers=headers).get_json()["total"] == 0


def test_finance_staff_work_the_withdrawal_queue(client, fake_wechat, finance_headers):
    headers, _ = agent_headers(client, fake_wechat, agent=with_available(50000))
    withdrawal = client.post("/api/mp/finance/withdrawals", headers=headers, json={"amount": "200"}).get_json()
    queue = client.get("/admin/api/finance/withdrawals?status=pending", headers=finance_headers).get_json()
    assert [item["id"] for item in queue["items"]] == [withdrawal["id"]]
    base = f"/admin/api/finance/withdrawals/{withdrawal['id']}"
    assert client.post(f"{base}/approve", headers=finance_headers).get_json()["status"] == "approved"
    paid = client.post(f"{base}/pay", headers=finance_headers, json={"reference": "4200001234"}).get_json()
    assert (paid["status"], paid["reference"]) == ("paid", "4200001234")
    assert client.post(f"{base}/approve", headers=finance_headers).status_code == 409


def test_warehouse_staff_cannot_see_money(client):
    headers = admin_headers(client, make_admin("warehouse"))
    assert client.get("/admin/api/finance/withdrawals", headers=headers).status_code == 403


def test_only_the_owner_creates_rule_versions(client, owner_headers, finance_headers):
    body = {"rules": {"level_difference": {"enabled": True},
                      "referral": {"enabled": True, "kind": "fixed", "amount": "30.00", "scope": "first_order"}}}
    assert client.post("/admin/api/finance/rules", headers=finance_headers, json=body).status_code == 403
    response = client.post("/admin/api/finance/rules", headers=owner_headers, json=body)
    assert response.status_code == 201
    assert response.get_json()["rules"]["referral"]["amount"] == "30.00"
    assert client.get("/admin/api/finance/rules", headers=finance_headers).get_json()["total"] == 1


def test_rules_deeper_than_three_need_the_explicit_flag(client, owner_headers):
    body = {"rules": {"level_difference": {"enabled": True}}, "max_depth": 5}
    refused = client.post("/admin/api/finance/rules", headers=owner_headers, json=body)
    assert refused.status_code == 422 and "max_depth" in refused.get_json()["error"]["fields"]
    allowed = client.post("/admin/api/finance/rules", headers=owner_headers, json={**body, "allow_deeper": True})
    assert allowed.status_code == 201 and "传销" in allowed.get_json()["warnings"][0]


def test_previewing_a_rule_set_on_this_month(client, finance_headers):
    ladder_order()
    body = {"month": MONTH, "rules": {"same_level": {"enabled": True, "rates_bp": [500]},
                                      "level_difference": {"enabled": True}}}
    preview = client.post("/admin/api/finance/rules/preview", headers=finance_headers, json=body).get_json()
    assert (preview["orders"], preview["actual_commission"], preview["proposed_commission"]) == (1, "100.00", "100.00")
    assert preview["by_depth"] == [{"depth": 1, "amount": "40.00"}, {"depth": 2, "amount": "40.00"},
                                   {"depth": 3, "amount": "20.00"}]


def test_a_malformed_month_is_422(client, finance_headers):
    response = client.get("/admin/api/finance/reports/monthly?from=2024-13&to=2024-01", headers=finance_headers)
    assert response.status_code == 422 and response.get_json()["error"]["fields"]["from"] == "月份格式应为 YYYY-MM"


def test_the_settlement_of_an_order_shows_its_gross_margin(client, finance_headers):
    paid, _, _ = ladder_order(shipping_fen=1000)
    body = client.get(f"/admin/api/finance/settlements/{paid.order_id}", headers=finance_headers).get_json()
    # 200 + 10 shipping − 60 cost − 100 commission
    assert (body["revenue"], body["cost_of_goods"], body["commission"], body["gross_margin"]) == \
        ("200.00", "60.00", "100.00", "50.00")
    assert client.get("/admin/api/finance/settlements/999999", headers=finance_headers).status_code == 404


def test_reports_and_their_export(client, finance_headers):
    ladder_order()
    report = client.get(f"/admin/api/finance/reports?start={TODAY}&end={TODAY}", headers=finance_headers).get_json()
    assert (report["sales"], report["gross_profit"]) == ("200.00", "40.00")
    export = client.get(f"/admin/api/finance/reports/monthly/export?from={MONTH}&to={MONTH}&format=csv",
                        headers=finance_headers)
    assert export.status_code == 200 and "净利润" in export.data.decode("utf-8-sig")


def test_an_agent_statement_downloads_as_pdf(client, finance_headers):
    _, _, chain = ladder_order()
    response = client.get(f"/admin/api/finance/agents/{chain[1].id}/statement?month={MONTH}&format=pdf",
                          headers=finance_headers)
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


def test_expenses_are_created_changed_listed_and_deleted(client, finance_headers):
    created = client.post("/admin/api/finance/expenses", headers=finance_headers,
                          json={"category": "marketing", "spent_on": str(TODAY), "amount": "88.80", "note": "朋友圈广告"})
    assert created.status_code == 201
    url = f"/admin/api/finance/expenses/{created.get_json()['id']}"
    assert client.patch(url, headers=finance_headers, json={"amount": "99"}).get_json()["amount"] == "99.00"
    listed = client.get("/admin/api/finance/expenses?category=marketing", headers=finance_headers).get_json()
    assert listed["total"] == 1
    assert client.delete(url, headers=finance_headers).status_code == 204
    assert client.get(url, headers=finance_headers).status_code == 404


def test_an_unknown_expense_category_is_422(client, finance_headers):
    response = client.post("/admin/api/finance/expenses", headers=finance_headers,
                           json={"category": "yacht", "spent_on": str(TODAY), "amount": "1"})
    assert response.status_code == 422 and "category" in response.get_json()["error"]["fields"]


def test_an_expense_receipt_must_be_an_accepted_file(client, finance_headers):
    created = client.post("/admin/api/finance/expenses", headers=finance_headers,
                          json={"category": "rent", "spent_on": str(TODAY), "amount": "3000"}).get_json()
    response = client.post(f"/admin/api/finance/expenses/{created['id']}/attachment", headers=finance_headers,
                           data={"file": (io.BytesIO(b"MZ\x90\x00"), "virus.exe")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and response.get_json()["error"]["fields"] == {"file": "附件只能是 PDF、PNG 或 JPEG 文件"}


def test_finance_check_passes_on_a_consistent_ledger_and_fails_on_a_tampered_balance(app):
    _, _, chain = ladder_order()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["finance", "check"]).exit_code == 0
    AgentBalance.update(pending_fen=AgentBalance.pending_fen + 1).where(AgentBalance.agent == chain[1].id).execute()
    result = runner.invoke(args=["finance", "check"])
    assert result.exit_code == 1 and f"agent {chain[1].id} pending" in result.output


def test_the_release_command_makes_due_commission_available(app):
    paid, _, chain = ladder_order()
    finance.mark_order_completed(order_id=paid.order_id, at=utcnow() - timedelta(days=8))
    result = app.test_cli_runner().invoke(args=["finance", "release"])
    assert result.exit_code == 0 and "1 orders" in result.output
    assert balance_of(chain[1]) == (0, 4000, 0, 0)


def test_the_team_bonus_command_refuses_a_malformed_month(app):
    result = app.test_cli_runner().invoke(args=["finance", "team-bonus", "--month", "2024-13"])
    assert result.exit_code != 0 and "YYYY-MM" in result.output


def test_the_team_bonus_command_refuses_the_month_in_progress(app):
    month = f"{local_today():%Y-%m}"
    result = app.test_cli_runner().invoke(args=["finance", "team-bonus", "--month", month])
    assert result.exit_code != 0 and "尚未结束" in result.output
