"""`flask finance check|release|team-bonus`."""
import sys

import click
from flask.cli import AppGroup

from app.errors import DomainError
from app.finance import jobs, service

finance_cli = AppGroup("finance", help="Settlement, commission and the ledger.")


@finance_cli.command("check")
def check():
    """Every journal entry sums to zero, every commission and goods balance equals its ledger; exit 1 on a difference."""
    differences = service.check_ledger()
    for difference in differences:
        click.echo(f"{difference.what}: {difference.detail}")
    if differences:
        click.echo(f"{len(differences)} differences in the commission and goods ledgers")
        sys.exit(1)
    click.echo("every journal entry sums to zero and every balance equals its postings; "
               "every goods balance equals its entries")


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
