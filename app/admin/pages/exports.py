"""Console list exports (.xlsx): a small one is made in the request, a big one (over BACKGROUND_ROWS rows) is a
background task whose page shows its progress and then the file.

A list declares its export once with `register`; the task re-reads the list's query
arguments through the list's schema, so it exports exactly what the page showed. Both
read the list from the read replica when one is set (`app.database.replica_read`).
"""
from dataclasses import dataclass

from flask import flash, g, redirect, request, url_for

from app.admin.pages.web import download, form_values, load, query_args, without_paging
from app.database import replica_read
from app.exports import XLSX_MIMETYPE, table_file, xlsx_bytes
from app.tasks import service as tasks

BACKGROUND_ROWS = 5000
LIST_LIMIT = 100_000
TASK_KIND = "export"


@dataclass(frozen=True)
class Export:
    """A list's export: the schema of its query arguments, how many rows and which rows they select."""

    name: str
    title: str
    headers: tuple
    schema: type
    count: callable
    rows: callable


EXPORTS = {}


def register(name, *, title, headers, schema, count, rows):
    """Declare the export `name` (also its file name): `count(args)` and `rows(args)` of the checked arguments."""
    EXPORTS[name] = Export(name, title, tuple(headers), schema, count, rows)


def register_list(name, *, title, headers, schema, lister, shape, defaults=None):
    """Declare the export of a paged list: `lister(**filters, page=, per_page=)` answers (items, total) and
    `shape(items)` their rows; `defaults` are filters the page assumes when the query string leaves them out."""
    def filters(args):
        return {**(defaults or {}), **without_paging(args)}

    register(name, title=title, headers=headers, schema=schema,
             count=lambda args: lister(**filters(args), page=1, per_page=1)[1],
             rows=lambda args: shape(lister(**filters(args), page=1, per_page=LIST_LIMIT)[0]))


def send_export(name):
    """The export of the list as the query string filters it: the file now, or (when big) a task to watch."""
    export = EXPORTS[name]
    args, errors = query_args(export.schema())
    if replica_read(lambda: export.count(args)) > BACKGROUND_ROWS:
        query = {} if errors else form_values(request.args)
        task = tasks.submit(kind=TASK_KIND, params={"export": name, "query": query}, actor=g.admin)
        flash("数据较多，已转入后台导出，完成后可在此下载", "ok")
        return redirect(url_for("console.task", task_id=task.id))
    rows = replica_read(lambda: list(export.rows(args)))
    content, mimetype, extension = table_file("xlsx", export.headers, rows, title=export.title)
    return download(content, mimetype, f"{name}.{extension}")


def _run(run):
    """Task handler: write the export's rows to the task's file, counting them as they go."""
    export = EXPORTS[run.params["export"]]
    args = load(export.schema(), run.params["query"])
    # Read on the replica, then count progress on the primary (where the task's row is written).
    found = replica_read(lambda: list(export.rows(args)))
    rows = run.counted(found, len(found))
    with open(run.path, "wb") as out:
        out.write(xlsx_bytes(export.headers, rows, title=export.title))
    return f"{export.name}.xlsx", XLSX_MIMETYPE


tasks.register(TASK_KIND, _run)
