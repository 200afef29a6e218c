"""`flask certificates issue`: bring every active agent's authorization certificate up to date, by hand."""
import click
from flask.cli import AppGroup

from app.authorization import service as authorization

certificates_cli = AppGroup("certificates", help="Authorization certificates (授权书).")


@certificates_cli.command("issue")
def issue():
    """Issue a certificate to every active agent without one, and a new number where level, region or term changed
    (certificates are otherwise issued when first asked for)."""
    click.echo(f"active agents checked: {authorization.issue_all()}")
