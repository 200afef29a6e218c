"""`flask stock check` and `flask stock scan`."""
import sys

import click
from flask.cli import AppGroup

from app.inventory import jobs, service

stock_cli = AppGroup("stock", help="Stock ledger.")


@stock_cli.command("check")
def check():
    """Recompute every stock row from its moves; exit 1 when any differs."""
    differences = service.check_ledger()
    for d in differences:
        click.echo(f"warehouse {d.warehouse_id} product {d.product_id}: row on_hand={d.on_hand} "
                   f"reserved={d.reserved}, moves on_hand={d.ledger_on_hand} reserved={d.ledger_reserved}")
    if differences:
        click.echo(f"{len(differences)} stock rows differ from their moves")
        sys.exit(1)
    click.echo("every stock row equals the sum of its moves")


@stock_cli.command("scan")
def scan():
    """Queue today's low-stock alerts now (the scheduler runs this too)."""
    click.echo(f"queued {jobs.scan_low_stock()} low-stock alerts")
