"""Background tasks: submit one, let one worker claim and run it with progress, read how it went.

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

from app.clock import utcnow
from app.config import get_settings
from app.database import close_unless_in_transaction, db, paginate
from app.errors import DomainError, NotFound
from app.jobs.service import new_holder_id
from app.tasks.models import BackgroundTask

log = logging.getLogger(__name__)

STALE_SECONDS = 120
MAX_ATTEMPTS = 3
PROGRESS_EVERY_SECONDS = 1.0
WORKER_IDLE_SECONDS = 2.0
RETENTION_DAYS = 7
FAILED_MESSAGE = "任务执行失败，请重试；仍失败请联系管理员"
ABANDONED_MESSAGE = "任务多次中断，已停止"

HANDLERS = {}


class LostClaim(Exception):
    """This worker's task was reclaimed by another (its heartbeat went stale): stop working on it."""


def register(kind, handler):
    """Run tasks of `kind` with `handler(run)`; it reports with run.step(), and returns (download name, mimetype)
    when it wrote a file at run.path, else None."""
    HANDLERS[kind] = handler
    return handler


def submit(*, kind, params, actor):
    """Queue a task of a registered `kind` with JSON `params`, asked for by the console user `actor`."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for task kind {kind!r}")
    return BackgroundTask.create(kind=kind, params=json.dumps(params, ensure_ascii=False), created_by=actor.id)


def _visible_to(query, viewer):
    return query if viewer.role == "owner" else query.where(BackgroundTask.created_by == viewer.id)


def get_task(task_id, *, viewer):
    """One task, if `viewer` asked for it (the owner sees every task); else NotFound."""
    task = _visible_to(BackgroundTask.select(), viewer).where(BackgroundTask.id == task_id).first()
    if task is None:
        raise NotFound("任务不存在", code="task_not_found")
    return task


def list_tasks(*, viewer, page=1, per_page=20):
    """The tasks `viewer` may see (its own; the owner's: everyone's), newest first."""
    return paginate(_visible_to(BackgroundTask.select(), viewer).order_by(BackgroundTask.id.desc()),
                    page=page, per_page=per_page)


def result_file(task_id, *, viewer):
    """(path, download name, mimetype) of a finished task's file; NotFound when it has none (or it was pruned)."""
    task = get_task(task_id, viewer=viewer)
    if task.status != "done" or not task.result_path or not os.path.exists(task.result_path):
        raise NotFound("文件不存在或已过期", code="task_file_not_found")
    return task.result_path, task.result_name, task.result_mimetype


def result_of(task):
    """The task's JSON result as a dict."""
    return json.loads(task.result or "{}")


def tasks_dir():
    """Where result files are kept: `tasks` beside the uploads."""
    return os.path.abspath(os.path.join(get_settings().UPLOAD_DIR, "tasks"))


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
        claimed = (BackgroundTask
                   .update(status="running", worker=worker, heartbeat_at=now, attempts=BackgroundTask.attempts + 1,
                           started_at=task.started_at or now)
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
        return result_of(self.task)


def _finish(run, **values):
    with db.atomic():
        run._update(finished_at=utcnow(), **values)


def execute(task, *, worker):
    """Run a claimed task's handler and record how it ended; returns the task as stored afterwards."""
    run = Run(task, worker)
    try:
        os.makedirs(tasks_dir(), exist_ok=True)
        output = HANDLERS[task.kind](run)
    except LostClaim:
        log.warning("task %s was reclaimed from %s", task.id, worker)
        return BackgroundTask.get_by_id(task.id)
    except Exception as exc:  # a failing task is recorded, never raised into the worker loop
        if not isinstance(exc, DomainError):
            log.exception("task %s (%s) failed", task.id, task.kind)
        _discard(run.path)
        _finish(run, status="failed", error=(exc.message if isinstance(exc, DomainError) else FAILED_MESSAGE)[:255])
        return BackgroundTask.get_by_id(task.id)
    files = {"result_path": run.path, "result_name": output[0], "result_mimetype": output[1]} if output else {}
    _finish(run, status="done", done=BackgroundTask.total, **files)
    return BackgroundTask.get_by_id(task.id)


def _discard(path):
    if os.path.exists(path):
        os.remove(path)


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


def prune_tasks():
    """Forget finished tasks older than a week and delete their files; returns how many."""
    old = BackgroundTask.select().where(BackgroundTask.status.in_(("done", "failed")),
                                        BackgroundTask.finished_at < utcnow() - timedelta(days=RETENTION_DAYS))
    ids = []
    for task in old:
        if task.result_path:
            _discard(task.result_path)
        ids.append(task.id)
    return BackgroundTask.delete().where(BackgroundTask.id.in_(ids)).execute() if ids else 0


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
