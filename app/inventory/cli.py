"""`flask stock check` and `flask stock scan`."""
import sys

import click
from flask.cli import AppGroup

from app.cloud import service as cloud
from app.inventory import jobs, service

stock_cli = AppGroup("stock", help="Stock ledger.")


@stock_cli.command("check")
def check():
    """Recompute every stock row from its moves and check cloud stock against it; exit 1 when any differs."""
    differences = service.check_ledger()
    for d in differences:
        click.echo(f"warehouse {d.warehouse_id} product {d.product_id}: row on_hand={d.on_hand} "
                   f"reserved={d.reserved}, moves on_hand={d.ledger_on_hand} reserved={d.ledger_reserved}")
    cloud_differences = cloud.check_ledger()
    for d in cloud_differences:
        who = f" agent {d.agent_id}" if d.agent_id is not None else ""
        click.echo(f"cloud {d.what}: warehouse {d.warehouse_id} product {d.product_id}{who}: "
                   f"expected {d.expected}, found {d.found}")
    if differences or cloud_differences:
        click.echo(f"{len(differences)} stock rows differ from their moves; "
                   f"{len(cloud_differences)} cloud stock differences")
        sys.exit(1)
    click.echo("every stock row equals the sum of its moves; cloud stock agrees with the warehouses")


@stock_cli.command("scan")
def scan():
    """Queue today's low-stock alerts now (the scheduler runs this too)."""
    click.echo(f"queued {jobs.scan_low_stock()} low-stock alerts")
