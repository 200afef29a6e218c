"""Every scheduled job. A domain plugs its job in with one line here.

Each job function is idempotent (running it twice, or by hand while the scheduler also
runs it, changes nothing more) and returns a one-line summary for the job log. Jobs to
add as their domains land: low-stock scan, auto-cancel unpaid orders, auto-receive
shipped orders, release available commission, agent level review, agency-term
warnings, and the owners' daily digest at 21:00.
"""
from app.chat import service as chat
from app.jobs import service as jobs
from app.jobs.service import Job
from app.notify import jobs as notify_jobs

JOBS = [
    Job("drain_outbox", notify_jobs.drain_outbox, every_seconds=3),
    Job("prune_handled_messages", chat.prune_handled_messages, at="04:10"),
    Job("prune_job_runs", jobs.prune_job_runs, at="04:20"),
]


def job_named(name):
    """The registered job called `name`, or None."""
    return next((job for job in JOBS if job.name == name), None)
