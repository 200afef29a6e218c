"""Running jobs: the scheduler lease (one process runs jobs at a time) and the log of every run."""
import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta

from peewee import fn

from app import reference
from app.clock import utcnow
from app.database import atomic_with_retry
from app.jobs.models import JobRun, SchedulerLease

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
JOB_RUN_RETENTION_DAYS = 7


@dataclass(frozen=True)
class Job:
    """A scheduled job: its name, the function it runs (returning a short summary) and when.

    `every_seconds` runs it at that interval; otherwise it runs daily at `at` ("HH:MM",
    the brand's timezone).
    """

    name: str
    run: callable
    every_seconds: int = 0
    at: str = ""


def new_holder_id():
    """A name for this process in the lease and the job log: host, pid and a random tag."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def hold_lease(*, holder, seconds, now=None):
    """Take the lease if it is free or expired, or renew it if `holder` has it; True while held."""
    now = now or utcnow()
    expires_at = now + timedelta(seconds=seconds)

    def take():
        SchedulerLease.insert(name=LEASE_NAME, holder=holder, expires_at=expires_at).on_conflict_ignore().execute()
        return bool(SchedulerLease
                    .update(holder=holder, expires_at=expires_at)
                    .where(SchedulerLease.name == LEASE_NAME,
                           (SchedulerLease.holder == holder) | (SchedulerLease.expires_at < now))
                    .execute())
    # Two copies on two nodes of a cluster may both take an expired lease; the one that commits second is refused
    # (a deadlock error) and its retry sees the lease held by the other.
    return atomic_with_retry(take)


def release_lease(*, holder):
    """Give the lease up at shutdown so that a waiting copy takes over at its next renewal."""
    (SchedulerLease.update(expires_at=utcnow() - timedelta(seconds=1))
     .where(SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == holder).execute())


def run_job(job, *, holder):
    """Run one job and log the run; an exception is logged as a failed run, never raised."""
    run = JobRun.create(job=job.name, holder=holder)
    try:
        with reference.scope():
            status, detail = "ok", str(job.run() or "")
    except Exception as exc:  # a failing job must never stop the scheduler or the other jobs
        log.exception("job %s failed", job.name)
        status, detail = "failed", f"{type(exc).__name__}: {exc}"
    JobRun.update(status=status, detail=detail[:255], finished_at=utcnow()).where(JobRun.id == run.id).execute()
    return JobRun.get_by_id(run.id)


def last_runs():
    """The latest run of each job, by job name."""
    ids = [row.id for row in JobRun.select(fn.MAX(JobRun.id).alias("id")).group_by(JobRun.job)]
    return {run.job: run for run in JobRun.select().where(JobRun.id.in_(ids))}


def prune_job_runs():
    """Forget job runs older than a week; returns how many."""
    cutoff = utcnow() - timedelta(days=JOB_RUN_RETENTION_DAYS)
    return JobRun.delete().where(JobRun.started_at < cutoff).execute()
