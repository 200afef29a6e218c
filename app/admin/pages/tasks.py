"""Console pages: background tasks — one task's progress (polled by console.js) and download, and 我的任务.

Every role may open them; a user sees only the tasks it asked for, the owner sees all.
"""
from flask import g, jsonify, send_file, url_for

from app.admin.pages.account import EVERY_ROLE
from app.admin.pages.web import page, query_args, render
from app.schemas import PageArgs
from app.tasks import service as tasks

KIND_NAMES = {"code_batch": "生成防伪码", "code_labels": "生成标签", "export": "导出表格"}
STATUS_NAMES = tasks.TASK_STATUS_NAMES
FINISHED = ("done", "failed")


def percent(task):
    """How far the task is, 0–100 (100 once done)."""
    if task.status == "done":
        return 100
    return min(99, task.done * 100 // task.total) if task.total else 0


def result_link(task):
    """Where a finished task's result is: its file, or the page of what it made (a batch)."""
    if task.status != "done":
        return None
    if task.result_path:
        return url_for("console.task_download", task_id=task.id)
    batch_id = tasks.result_of(task).get("batch_id")
    return url_for("console.code_batch", batch_id=batch_id) if batch_id else None


def _names():
    return {"kinds": KIND_NAMES, "statuses": STATUS_NAMES, "percent": percent, "result_link": result_link}


@page("/tasks", roles=EVERY_ROLE)
def tasks_list():
    """我的任务: the user's recent tasks, newest first (the owner's list holds everyone's)."""
    args, _ = query_args(PageArgs())
    items, total = tasks.list_tasks(viewer=g.admin, **args)
    return render("tasks/list.html", items=items, total=total, args=args, **_names())


@page("/tasks/<id:task_id>", roles=EVERY_ROLE)
def task(task_id):
    """One task: a progress bar that follows it while it runs, then its download (or its error)."""
    return render("tasks/detail.html", task=tasks.get_task(task_id, viewer=g.admin), **_names())


@page("/tasks/<id:task_id>/progress", roles=EVERY_ROLE)
def task_progress(task_id):
    """The task's progress as JSON, for the page's script."""
    found = tasks.get_task(task_id, viewer=g.admin)
    return jsonify(status=found.status, status_name=STATUS_NAMES[found.status], done=found.done, total=found.total,
                   percent=percent(found), finished=found.status in FINISHED, error=found.error)


@page("/tasks/<id:task_id>/download", roles=EVERY_ROLE)
def task_download(task_id):
    """The file a finished task wrote."""
    path, name, mimetype = tasks.result_file(task_id, viewer=g.admin)
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=name)
