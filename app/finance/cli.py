"""`flask finance check|release|team-bonus`, `flask pay reconcile|settle-transfers`."""
import sys
from datetime import date

import click
from flask.cli import AppGroup

from app import wechat_pay as pay
from app.errors import DomainError
from app.finance import jobs, service

finance_cli = AppGroup("finance", help="Settlement, commission and the ledger.")
pay_cli = AppGroup("pay", help="WeChat Pay: reconciliation and payouts.")


@finance_cli.command("check")
def check():
    """Every journal entry sums to zero, every commission and goods balance equals its ledger, every held amount is
    an open withdrawal; exit 1 on a difference."""
    differences = service.check_ledger() + service.check_withdrawals()
    for difference in differences:
        click.echo(f"{difference.what}: {difference.detail}")
    if differences:
        click.echo(f"{len(differences)} differences in the commission and goods ledgers")
        sys.exit(1)
    click.echo("every journal entry sums to zero and every balance equals its postings; "
               "every goods balance equals its entries; every held amount is an open withdrawal")


@finance_cli.command("release")
def release():
    """Make commission available for completed orders whose return window has passed (the scheduler runs this)."""
    click.echo(f"commission released for {jobs.release_available_commissions()} orders")


@finance_cli.command("team-bonus")
@click.option("--month", default=None, help="YYYY-MM (default: last month).")
def team_bonus(month):
    """Award a month's team bonus (once per month)."""
    try:
        period = int(month.replace("-", "")) if month else None
        credited = jobs.award_team_bonus(period=period)
    except ValueError as exc:
        raise click.ClickException("月份格式应为 YYYY-MM") from exc
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"team bonus credited to {credited} agents")


@pay_cli.command("reconcile")
@click.option("--date", "bill_date", default=None, help="YYYY-MM-DD, a Beijing day (default: yesterday).")
def reconcile(bill_date):
    """Compare a day's WeChat Pay trade bill with our payments and refunds (the scheduler does yesterday's daily)."""
    try:
        day = date.fromisoformat(bill_date) if bill_date else None
    except ValueError as exc:
        raise click.ClickException("日期格式应为 YYYY-MM-DD") from exc
    try:
        run = jobs.reconcile_trade_bill(day)
    except service.BadBill as exc:
        raise click.ClickException(f"账单无法解析：{exc}") from exc
    except pay.PayError as exc:
        raise click.ClickException(f"微信支付账单获取失败：{exc}") from exc
    if run is None:
        raise click.ClickException("未配置微信支付 APIv3，无法对账")
    click.echo(f"{run.bill_date}: {run.bill_rows} bill rows, {run.payments} payments, {run.refunds} refunds, "
               f"{run.discrepancies} discrepancies")
    for item in service.list_discrepancies(bill_date=run.bill_date, open_only=True, per_page=200)[0]:
        click.echo("  " + item.description)
    if run.discrepancies:
        sys.exit(1)


@pay_cli.command("settle-transfers")
def settle_transfers():
    """Ask WeChat Pay about unsettled withdrawal transfers now (the scheduler does it every 5 minutes)."""
    outcomes = jobs.settle_transfers()
    click.echo(" ".join(f"{status}={count}" for status, count in outcomes.items()) or "nothing to settle")
