"""Console pages for finance: the withdrawal queue, an agent's ledger, expenses and the profit report."""
import pytest

from app.finance.models import Expense, Withdrawal
from tests.factories import console_login, console_post, make_admin, pending_withdrawal


def signed_in(client, role):
    console_login(client, make_admin(role))
    return client


@pytest.mark.parametrize("path", ["/admin/finance/withdrawals", "/admin/finance/expenses", "/admin/finance/profit"])
def test_warehouse_staff_may_not_open_finance_pages(client, path):
    assert signed_in(client, "warehouse").get(path).status_code == 403


def test_the_queue_lists_a_pending_withdrawal_with_its_amount(client):
    pending_withdrawal(20000)
    page = signed_in(client, "finance").get("/admin/finance/withdrawals?status=pending").get_data(as_text=True)
    assert "200.00" in page and "待审核" in page and "批准" in page


def test_finance_approves_then_marks_a_withdrawal_paid(client):
    withdrawal = pending_withdrawal()
    signed_in(client, "finance")
    assert console_post(client, f"/admin/finance/withdrawals/{withdrawal.id}/approve").status_code == 302
    assert console_post(client, f"/admin/finance/withdrawals/{withdrawal.id}/pay",
                        {"reference": "WX2026001"}).status_code == 302
    assert Withdrawal.get_by_id(withdrawal.id).status == "paid"


def test_rejecting_without_a_reason_is_marked_next_to_its_field(client):
    withdrawal = pending_withdrawal()
    response = console_post(signed_in(client, "finance"), f"/admin/finance/withdrawals/{withdrawal.id}/reject")
    assert response.status_code == 422 and '<em class="error">' in response.get_data(as_text=True)
    assert Withdrawal.get_by_id(withdrawal.id).status == "pending"


def test_paying_a_pending_withdrawal_is_refused_on_the_page(client):
    withdrawal = pending_withdrawal()
    response = console_post(signed_in(client, "finance"), f"/admin/finance/withdrawals/{withdrawal.id}/pay",
                            {"reference": "WX1"})
    assert response.status_code == 409 and 'class="flash bad"' in response.get_data(as_text=True)


def test_the_ledger_shows_an_agents_held_amount(client):
    withdrawal = pending_withdrawal(20000)
    page = signed_in(client, "finance").get(f"/admin/finance/agents/{withdrawal.agent_id}/ledger")
    assert "提现冻结" in page.get_data(as_text=True)


def test_recording_an_expense_lists_it(client):
    signed_in(client, "finance")
    response = console_post(client, "/admin/finance/expenses",
                            {"category": "rent", "spent_on": "2026-03-01", "amount": "1200.50", "note": "三月房租"})
    assert response.status_code == 302 and Expense.get().amount_fen == 120050
    assert "三月房租" in client.get("/admin/finance/expenses").get_data(as_text=True)


def test_an_expense_without_an_amount_is_marked_next_to_its_field(client):
    response = console_post(signed_in(client, "finance"), "/admin/finance/expenses",
                            {"category": "rent", "spent_on": "2026-03-01"})
    assert response.status_code == 422 and '<em class="error">' in response.get_data(as_text=True)


def test_the_profit_report_draws_a_chart(client):
    page = signed_in(client, "owner").get("/admin/finance/profit").get_data(as_text=True)
    assert "净利润" in page and "<svg" in page


def test_a_reversed_period_is_marked_next_to_the_end_date(client):
    page = signed_in(client, "finance").get("/admin/finance/profit?start=2026-03-01&end=2026-02-01")
    assert "结束日期不能早于开始日期" in page.get_data(as_text=True)


def test_the_dashboard_counts_pending_withdrawals_for_finance(client):
    pending_withdrawal()
    page = signed_in(client, "finance").get("/admin/").get_data(as_text=True)
    assert "待处理提现" in page


def test_the_dashboard_hides_withdrawals_from_the_warehouse(client):
    pending_withdrawal()
    assert "待处理提现" not in signed_in(client, "warehouse").get("/admin/").get_data(as_text=True)
