"""The `flask scheduler` and `flask jobs list|run` commands."""
import click
from flask import current_app
from flask.cli import AppGroup

from app.clock import isoformat
from app.jobs import service as jobs
from app.jobs.registry import JOBS, job_named

jobs_cli = AppGroup("jobs", help="Scheduled jobs, by hand.")


@click.command("scheduler")
def scheduler():
    """Run the scheduler (one active copy at a time, held by a lease in the database)."""
    from app.jobs.scheduler import run_scheduler

    run_scheduler(current_app.config["WEISHANG"])


@jobs_cli.command("list")
def jobs_list():
    """List the jobs, when they run and their last run."""
    last = jobs.last_runs()
    for job in JOBS:
        when = f"every {job.every_seconds}s" if job.every_seconds else f"daily at {job.at}"
        run = last.get(job.name)
        ran = f"{run.status} at {isoformat(run.started_at)}: {run.detail}" if run else "never run"
        click.echo(f"{job.name:28} {when:18} {ran}")


@jobs_cli.command("run")
@click.argument("name")
def jobs_run(name):
    """Run one job now and print how it ended."""
    job = job_named(name)
    if job is None:
        raise click.ClickException(f"no job named {name!r}; see `flask jobs list`")
    run = jobs.run_job(job, holder="manual")
    click.echo(f"{job.name}: {run.status} {run.detail}")
    if run.status != "ok":
        raise SystemExit(1)
