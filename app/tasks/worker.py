"""Running background tasks: claim one, run its handler with progress reports, record how it ended.

A worker claims the oldest queued task with a guarded UPDATE, so two workers (the
web process's thread in development, the scheduler's job in production) never run
one task. While it runs, every progress report beats `heartbeat_at`; a running task
whose heartbeat is older than STALE_SECONDS lost its worker and is claimed again
(its handler resumes or starts over), at most MAX_ATTEMPTS times in all. A handler
that raises fails its task with a Chinese message.
"""
import json
import logging
import os
import threading
import time
from datetime import timedelta

from app import reference
from app.clock import utcnow
from app.database import atomic_with_retry, close_unless_in_transaction, db
from app.errors import DomainError
from app.jobs.service import new_holder_id
from app.tasks.models import BackgroundTask
from app.tasks.service import HANDLERS, LostClaim, discard, result_of, tasks_dir

log = logging.getLogger(__name__)

STALE_SECONDS = 120
MAX_ATTEMPTS = 3
PROGRESS_EVERY_SECONDS = 1.0
WORKER_IDLE_SECONDS = 2.0
FAILED_MESSAGE = "任务执行失败，请重试；仍失败请联系管理员"
ABANDONED_MESSAGE = "任务多次中断，已停止"


def _stale_cutoff(now):
    return now - timedelta(seconds=STALE_SECONDS)


def _claimable(now):
    stale = (BackgroundTask.status == "running") & (BackgroundTask.heartbeat_at < _stale_cutoff(now))
    return (BackgroundTask.status == "queued") | stale


def _abandon_exhausted(now):
    """Fail stale tasks that already had every attempt: a task that kills its worker must not loop forever."""
    (BackgroundTask.update(status="failed", error=ABANDONED_MESSAGE, finished_at=now)
     .where(BackgroundTask.status == "running", BackgroundTask.heartbeat_at < _stale_cutoff(now),
            BackgroundTask.attempts >= MAX_ATTEMPTS).execute())


def claim(*, worker, now=None):
    """Claim the oldest queued (or stale running) task for `worker`; None when there is none.

    The UPDATE repeats the condition the row was picked by, so of two workers that
    picked the same row only one changes it; the other tries the next one.
    """
    now = now or utcnow()
    _abandon_exhausted(now)
    for _ in range(5):
        task = BackgroundTask.select().where(_claimable(now)).order_by(BackgroundTask.id).first()
        if task is None:
            return None
        # On a cluster both nodes' UPDATEs match; the second to commit is refused and its retry matches nothing.
        claimed = atomic_with_retry(lambda: BackgroundTask
                                    .update(status="running", worker=worker, heartbeat_at=now,
                                            attempts=BackgroundTask.attempts + 1, started_at=task.started_at or now)
                                    .where(BackgroundTask.id == task.id, _claimable(now)).execute())
        if claimed:
            return BackgroundTask.get_by_id(task.id)
    return None


class Run:
    """What a handler sees of its task: the params, where to write a file, and how to report progress."""

    def __init__(self, task, worker):
        self.task = task
        self.worker = worker
        self.params = json.loads(task.params)
        self.path = os.path.join(tasks_dir(), f"task-{task.id}")
        self._reported_at = 0.0

    def _update(self, **values):
        """Update this task while this worker still holds it; LostClaim when it does not."""
        changed = (BackgroundTask.update(heartbeat_at=utcnow(), **values)
                   .where(BackgroundTask.id == self.task.id, BackgroundTask.worker == self.worker,
                          BackgroundTask.status == "running").execute())
        if not changed:
            raise LostClaim(self.task.id)

    def check(self):
        """Beat the heartbeat now; LostClaim when another worker has taken this task over."""
        self._update()

    def step(self, done, total=None):
        """Report `done` of `total` units; written at most once a second (and always when done == total)."""
        now = time.monotonic()
        if now - self._reported_at < PROGRESS_EVERY_SECONDS and done != total:
            return
        self._reported_at = now
        self._update(done=done, **({"total": total} if total is not None else {}))

    def remember(self, **values):
        """Merge `values` into the task's JSON result now (a handler that resumes after a reclaim reads them)."""
        merged = {**result_of(self.task), **values}
        self._update(result=json.dumps(merged, ensure_ascii=False))
        self.task.result = json.dumps(merged, ensure_ascii=False)

    def counted(self, items, total):
        """`items` passed through, reporting each one as done of `total`."""
        self.step(0, total)
        for done, item in enumerate(items, 1):
            yield item
            self.step(done, total)

    @property
    def remembered(self):
        """What the handler remembered on an earlier attempt."""
        return result_of(self.task)

    def finish(self, **values):
        """Record how the task ended (while this worker still holds it)."""
        self._update(finished_at=utcnow(), **values)


def _outcome(run):
    """Run the task's handler: the task's final fields, done (with its file) or failed (with a Chinese message)."""
    try:
        os.makedirs(tasks_dir(), exist_ok=True)
        output = HANDLERS[run.task.kind](run)
    except LostClaim:
        raise
    except Exception as exc:  # a failing task is recorded, never raised into the worker loop
        if not isinstance(exc, DomainError):
            log.exception("task %s (%s) failed", run.task.id, run.task.kind)
        discard(run.path)
        return {"status": "failed", "error": (exc.message if isinstance(exc, DomainError) else FAILED_MESSAGE)[:255]}
    files = {"result_path": run.path, "result_name": output[0], "result_mimetype": output[1]} if output else {}
    return {"status": "done", "done": BackgroundTask.total, **files}


def execute(task, *, worker):
    """Run a claimed task's handler and record how it ended; returns the task as stored afterwards."""
    run = Run(task, worker)
    try:
        with reference.scope():
            run.finish(**_outcome(run))
    except LostClaim:
        log.warning("task %s was reclaimed from %s", task.id, worker)
    return BackgroundTask.get_by_id(task.id)


def run_next(*, worker):
    """Claim and run one task; the task afterwards, or None when none waits."""
    task = claim(worker=worker)
    return execute(task, worker=worker) if task else None


def run_queued(*, worker=None, limit=20):
    """Run waiting tasks one after another (at most `limit`); returns how many ran. The scheduler's job."""
    worker = worker or new_holder_id()
    ran = 0
    while ran < limit and run_next(worker=worker):
        ran += 1
    return ran


def start_worker_thread(stop=None):
    """Run tasks in a daemon thread of this process (development's `make run`) until `stop` (an Event) is set;
    the claim keeps it safe beside the scheduler's job."""
    stop = stop or threading.Event()

    def loop():
        worker = new_holder_id()
        while not stop.is_set():
            try:
                db.connect(reuse_if_open=True)
                if not run_next(worker=worker):
                    stop.wait(WORKER_IDLE_SECONDS)
            except Exception:  # the database is down: wait and try again
                log.exception("background task worker")
                stop.wait(WORKER_IDLE_SECONDS)
            finally:
                close_unless_in_transaction()
    thread = threading.Thread(target=loop, name="background-tasks", daemon=True)
    thread.start()
    return thread
