"""Background tasks for the doors: register a kind's handler, submit a task, read tasks and their files.

Running them is `app.tasks.worker`'s: a worker claims a task, runs its handler with
progress reports and records how it ended.
"""
import json
import os
from datetime import timedelta

from app.clock import utcnow
from app.config import get_settings
from app.database import paginate
from app.errors import NotFound
from app.tasks.models import TASK_STATUS_NAMES, TASK_STATUSES, BackgroundTask  # noqa: F401  (part of this face)

RETENTION_DAYS = 7

HANDLERS = {}


class LostClaim(Exception):
    """This worker's task was reclaimed by another (its heartbeat went stale): stop working on it.

    A handler that catches exceptions lets this one through (the worker stops; the task is the other's)."""


def is_task(value):
    """Whether `value` is a task (as `submit` returns), rather than whatever a use case returned in its place."""
    return isinstance(value, BackgroundTask)


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


def discard(path):
    """Delete a result file, if it is there."""
    if os.path.exists(path):
        os.remove(path)


def prune_tasks():
    """Forget finished tasks older than a week and delete their files; returns how many."""
    old = BackgroundTask.select().where(BackgroundTask.status.in_(("done", "failed")),
                                        BackgroundTask.finished_at < utcnow() - timedelta(days=RETENTION_DAYS))
    ids = []
    for task in old:
        if task.result_path:
            discard(task.result_path)
        ids.append(task.id)
    return BackgroundTask.delete().where(BackgroundTask.id.in_(ids)).execute() if ids else 0
