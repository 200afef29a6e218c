"""`flask agents review|expire|warn`: the scheduled agent jobs, by hand."""
import click
from flask.cli import AppGroup

from app.agents import jobs

agents_cli = AppGroup("agents", help="The agent network.")


@agents_cli.command("review")
def review():
    """Propose (and, where the levels allow, apply) promotions and demotions."""
    summary = jobs.review_levels()
    click.echo("proposed {proposed}, applied {applied}, waiting for the owner {waiting}, "
               "skipped {skipped}".format(**summary))


@agents_cli.command("expire")
def expire():
    """Mark agents whose term has ended as expired."""
    click.echo(f"expired: {jobs.expire_lapsed_agents()}")


@agents_cli.command("warn-terms")
def warn_terms():
    """Queue the warnings of terms ending within 30 and 7 days."""
    click.echo(f"warnings queued: {jobs.warn_expiring_terms()}")
