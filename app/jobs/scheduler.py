"""The scheduler process (`flask scheduler`): APScheduler running the registered jobs while it holds the lease.

Every copy renews or tries to take the lease every SCHEDULER_RENEW_SECONDS. A copy runs
jobs only while its last successful renewal is younger than the lease minus one renewal
period, so it stops before another copy can take an expired lease over; when a holder
dies, a waiting copy takes over within SCHEDULER_LEASE_SECONDS + SCHEDULER_RENEW_SECONDS.
"""
import atexit
import logging
import signal
import threading
import time

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from app.database import beat_heartbeat, close_unless_in_transaction, db
from app.jobs import service as jobs
from app.jobs.registry import JOBS

log = logging.getLogger(__name__)


class _Lease:
    """This process's view of the lease: renewed by one APScheduler job, read by the others."""

    def __init__(self, holder, seconds, renew_seconds):
        self.holder = holder
        self.seconds = seconds
        self.renew_seconds = renew_seconds
        self._valid_until = 0.0
        self._lock = threading.Lock()

    def renew(self):
        started = time.monotonic()
        try:
            held = _with_connection(lambda: jobs.hold_lease(holder=self.holder, seconds=self.seconds))
            if held:
                _with_connection(beat_heartbeat)  # a read replica ages its data by this stamp
        except Exception:  # the database is down: stop running jobs when the margin runs out
            log.exception("lease renewal failed")
            return
        with self._lock:
            was_held = self.held()
            self._valid_until = started + self.seconds - self.renew_seconds if held else 0.0
        if held != was_held:
            log.info("scheduler %s %s the lease", self.holder, "holds" if held else "waits for")

    def held(self):
        return time.monotonic() < self._valid_until


def _with_connection(work):
    db.connect(reuse_if_open=True)
    try:
        return work()
    finally:
        close_unless_in_transaction()


def _runner(job, lease):
    def run():
        if lease.held():
            _with_connection(lambda: jobs.run_job(job, holder=lease.holder))
    return run


def _exit(_signum, _frame):
    raise SystemExit(0)


def _scheduled(scheduler_class, settings):
    """A scheduler of `scheduler_class` with the lease renewal and every registered job; returns it and the lease."""
    lease = _Lease(jobs.new_holder_id(), settings.SCHEDULER_LEASE_SECONDS, settings.SCHEDULER_RENEW_SECONDS)
    scheduler = scheduler_class(timezone=settings.TIMEZONE, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": 60})
    lease.renew()
    scheduler.add_job(lease.renew, "interval", seconds=settings.SCHEDULER_RENEW_SECONDS, id="lease")
    for job in JOBS:
        if job.every_seconds:
            scheduler.add_job(_runner(job, lease), "interval", seconds=job.every_seconds, id=job.name)
        else:
            hour, minute = job.at.split(":")
            scheduler.add_job(_runner(job, lease), "cron", hour=int(hour), minute=int(minute), id=job.name)
    return scheduler, lease


def run_scheduler(settings):
    """Run the scheduler until interrupted; gives the lease up on the way out."""
    scheduler, lease = _scheduled(BlockingScheduler, settings)
    signal.signal(signal.SIGTERM, _exit)
    log.info("scheduler %s started with %d jobs", lease.holder, len(JOBS))
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        _with_connection(lambda: jobs.release_lease(holder=lease.holder))


def start_in_process(settings):
    """Run the scheduler in threads of this process (SCHEDULER_IN_PROCESS, development only: `make run`); the
    lease still holds, so a `flask scheduler` elsewhere and this one never both run jobs. Returns the scheduler."""
    # Each run is in the job log (`flask jobs list`); APScheduler's line per run would bury the server's output.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler, lease = _scheduled(BackgroundScheduler, settings)
    scheduler.start()
    log.info("in-process scheduler %s started with %d jobs", lease.holder, len(JOBS))

    def stop():
        scheduler.shutdown(wait=False)
        _with_connection(lambda: jobs.release_lease(holder=lease.holder))
    atexit.register(stop)
    return scheduler
