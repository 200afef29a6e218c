"""Profit reports, monthly statements and expenses, with the figures written out by hand."""
import subprocess
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from app.clock import local_today
from app.finance import service as finance
from tests.factories import ladder_order, refund_of

TODAY = local_today()
THIS_MONTH = TODAY.year * 100 + TODAY.month


@pytest.fixture
def month_of_business():
    """One order (2 × ¥100, ¥5 off, ¥10 shipping, cost ¥60, commission ¥100), a ¥50 refund, ¥8 + ¥50 of expenses."""
    paid, product, chain = ladder_order(discount_fen=500, shipping_fen=1000)
    finance.record_refund(refund_of(paid, [(product, 0, 5000)]))
    finance.create_expense(category="shipping", spent_on=TODAY, amount_fen=800)
    finance.create_expense(category="rent", spent_on=TODAY, amount_fen=5000)
    return paid, chain


def test_the_profit_report_adds_up_a_period(month_of_business):
    report = finance.profit_report(start=TODAY, end=TODAY)
    # income: 200 − 5 + 10 − 50 refunded = 155; commission 100 less 50/195 of it reversed
    # (40×50/195 = 10.26, 10.26, 20×50/195 = 5.13 → 25.65) = 74.35; gross 155 − 60 − 74.35 = 20.65
    assert (report["orders"], report["sales_fen"], report["discount_fen"], report["shipping_charged_fen"]) == \
        (1, 20000, 500, 1000)
    assert (report["refunds_fen"], report["net_income_fen"], report["cost_of_goods_fen"]) == (5000, 15500, 6000)
    assert (report["commissions_fen"], report["gross_profit_fen"]) == (7435, 2065)
    assert (report["expenses_fen"], report["net_profit_fen"]) == (5800, 2065 - 5800)
    assert {e["category"]: e["amount_fen"] for e in report["expenses_by_category"]}["rent"] == 5000


def test_the_monthly_report_has_every_month_and_the_total(month_of_business):
    first = (TODAY.replace(day=1) - timedelta(days=1))
    report = finance.monthly_report(first=first.year * 100 + first.month, last=THIS_MONTH)
    assert [m["orders"] for m in report["months"]] == [0, 1]
    assert report["months"][1]["net_profit_fen"] == report["total"]["net_profit_fen"] == 2065 - 5800


def test_a_report_period_that_ends_before_it_starts_is_refused():
    from app.errors import InvalidInput

    with pytest.raises(InvalidInput):
        finance.profit_report(start=TODAY, end=TODAY - timedelta(days=1))


def test_the_statement_runs_from_the_opening_to_the_closing_balance(month_of_business):
    _, chain = month_of_business
    regional = chain[1]
    data = finance.statement(agent_id=regional.id, period=THIS_MONTH)
    assert data["opening_balance"] == 0
    assert [line["changes"]["pending"] for line in data["lines"]] == [4000, -1026]
    assert data["closing_balance"] == 4000 - 1026


def test_the_statement_as_xlsx_lists_opening_lines_and_closing(month_of_business, tmp_path):
    _, chain = month_of_business
    content = finance.statement_xlsx(finance.statement(agent_id=chain[1].id, period=THIS_MONTH))
    (tmp_path / "s.xlsx").write_bytes(content)
    rows = list(load_workbook(tmp_path / "s.xlsx").active.values)
    assert rows[0][:2] == ("日期", "摘要") and rows[1][1] == "期初余额" and rows[-1][1] == "期末余额"
    assert rows[-1][-1] == "29.74"


def test_the_statement_as_pdf_renders_chinese(month_of_business, tmp_path):
    _, chain = month_of_business
    content = finance.statement_pdf(finance.statement(agent_id=chain[1].id, period=THIS_MONTH))
    assert content.startswith(b"%PDF-")
    (tmp_path / "s.pdf").write_bytes(content)
    try:
        subprocess.run(["pdftoppm", "-png", "-r", "50", str(tmp_path / "s.pdf"), str(tmp_path / "page")],
                       check=True, timeout=30)
    except FileNotFoundError:
        pytest.skip("pdftoppm is not installed")
    assert (tmp_path / "page-1.png").stat().st_size > 1000


def test_a_receipt_must_be_a_pdf_or_an_image(tmp_path):
    from app.config import configure, get_settings
    from app.errors import InvalidInput

    settings = get_settings()
    configure(settings.__class__(**{**settings.__dict__, "UPLOAD_DIR": str(tmp_path)}))
    try:
        expense = finance.create_expense(category="other", spent_on=TODAY, amount_fen=100)
        with pytest.raises(InvalidInput):
            finance.attach(expense.id, filename="run.sh", content=b"#!/bin/sh\nrm -rf /")
        attached = finance.attach(expense.id, filename="../../收据.pdf", content=b"%PDF-1.4 receipt")
        path, mimetype, name = finance.attachment(expense.id)
        assert (attached.attachment_name, mimetype, name) == ("收据.pdf", "application/pdf", f"expense-{expense.id}.pdf")
        assert path.startswith(str(tmp_path))
        finance.delete_expense(expense.id)
        assert not list((tmp_path / "expenses").iterdir())
    finally:
        configure(settings)
