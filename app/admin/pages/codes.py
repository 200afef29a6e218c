"""Console pages: authenticity codes (防伪码) — batches, a new batch (made in the background), a batch's labels,
one code's look-up, scan reports and flagged codes.

Roles are the JSON API's (`app/admin/codes.py`): staff and the warehouse make batches and
labels, finance also reads, staff review flags.
"""
from datetime import timedelta

from flask import g, redirect, request, url_for

from app.admin import codes as api
from app.admin.pages import exports
from app.admin.pages.web import act, attempt, form_values, load, page, query_args, render, whole_number
from app.catalog import service as catalog
from app.clock import local_text, utc_start_of_local_day
from app.codes import service as codes
from app.errors import NotFound
from app.http import admin_actor
from app.schemas import PeriodDate, RowId, Schema, fields, validate
from app.tasks import service as tasks

FLAG_STATUS_NAMES = codes.FLAG_STATUS_NAMES
FLAG_HEADERS = ("编号", "防伪码", "原因", "扫码次数", "状态", "处理备注", "时间")
REVIEW_NAMES = codes.FLAG_REVIEW_NAMES
CHANNEL_NAMES = codes.SCAN_CHANNEL_NAMES
PLACE_SOURCE_NAMES = codes.PLACE_SOURCE_NAMES
BATCH_HEADERS = ("批次", "商品", "批号", "数量", "每箱", "刮开码", "备注", "创建人", "创建时间")
INTEGER_FIELDS = ("quantity", "box_size", "first", "last", "columns", "rows")


class LabelPageArgs(api.AdminLabelPdfArgs):
    format = fields.String(load_default="pdf", validate=validate.OneOf(["pdf", "png", "svg"]))


class LookupArgs(Schema):
    code = fields.String(validate=validate.Length(min=1, max=64))


class ScanReportArgs(Schema):
    since = PeriodDate()
    until = PeriodDate()
    product_id = RowId()


def _numbers(values):
    """The form's whole-number fields as integers, as the API's strict schemas expect (others fail there)."""
    return {key: whole_number(value) if key in INTEGER_FIELDS else value for key, value in values.items()}


def _products():
    products, _ = catalog.list_products(per_page=200)
    return [(p.id, p.name) for p in products]


@page("/codes", roles=api.READ_ROLES, endpoint="code_batches")
def code_batches():
    """Batches, newest first, filtered by product, a page at a time."""
    args, errors = query_args(api.AdminCodeBatchListArgs())
    items, total = codes.list_batches(**args)
    return render("codes/batches.html", items=items, total=total, args=args, errors=errors,
                  filters=form_values(request.args), products=_products())


def _batch_rows(args):
    return ((b.id, b.product.name, b.lot, b.quantity, b.box_size, "是" if b.with_pin else "否", b.note, b.created_by,
             b.created_at) for b in codes.list_batches(product_id=args.get("product_id"), per_page=10**7)[0])


exports.register("code-batches", title="防伪码批次", headers=BATCH_HEADERS, schema=api.AdminCodeBatchListArgs,
                 rows=_batch_rows, count=lambda args: codes.list_batches(product_id=args.get("product_id"),
                                                                         per_page=1)[1])


@page("/codes/export", roles=api.READ_ROLES)
def code_batches_export():
    """The filtered batches as .xlsx."""
    return exports.send_export("code-batches")


def _new_batch_page(status=200, error=None, values=None):
    return render("codes/batch_new.html", status, values=values or {"box_size": "0"}, products=_products(),
                  errors=error.fields if error else {}, message=error.message if error else None)


@page("/codes/new", roles=api.WRITE_ROLES)
def code_batch_new():
    """The form for a new batch."""
    return _new_batch_page()


@page("/codes/new", roles=api.WRITE_ROLES, methods=("POST",), endpoint="code_batch_create")
def code_batch_create():
    """Queue the batch's making; its task page follows the progress."""
    values = form_values()
    return act(lambda: codes.submit_batch(admin=g.admin, **load(api.AdminCodeBatchBody(), _numbers(values))),
               done=lambda task: url_for("console.task", task_id=task.id), message="已开始生成防伪码",
               redisplay=lambda exc: _new_batch_page(exc.status, exc, values))


def _batch_page(batch_id, status=200, error=None, values=None):
    batch = codes.get_batch(batch_id)
    return render("codes/batch.html", status, batch=batch, counts=codes.batch_counts(batch_id),
                  values=values or {"first": "1"}, errors=error.fields if error else {},
                  labels_at_once=codes.LABELS_IN_REQUEST, labels_per_pdf=codes.MAX_PDF_LABELS,
                  message=error.message if error else None)


@page("/codes/<id:batch_id>", roles=api.READ_ROLES)
def code_batch(batch_id):
    """One batch: its fields, how many codes are made, bound and scanned, and the label download form."""
    return _batch_page(batch_id)


def _label_response(result):
    if tasks.is_task(result):
        return redirect(url_for("console.task", task_id=result.id))
    return api.attachment(*result)


@page("/codes/<id:batch_id>/labels", roles=api.WRITE_ROLES)
def code_batch_labels(batch_id):
    """A range's labels (PDF sheet, PNG or SVG zip): a small range now, a big one as a background task."""
    values = form_values(request.args)
    return attempt(lambda: codes.labels_or_task(admin=g.admin, batch_id=batch_id,
                                                **load(LabelPageArgs(), _numbers(values))),
                   then=_label_response, redisplay=lambda exc: _batch_page(batch_id, exc.status, exc, values))


@page("/codes/lookup", roles=api.READ_ROLES)
def code_lookup():
    """Enter a code: its batch and product, its binding (order, agent, region) and every scan."""
    args, errors = query_args(LookupArgs())
    found, scans, message = None, [], None
    if args.get("code"):
        try:
            found, scans = codes.scans_of(args["code"])
        except NotFound as exc:
            message = exc.message
    return render("codes/lookup.html", found=found, scans=scans, args=args, errors=errors, message=message,
                  channels=CHANNEL_NAMES, place_sources=PLACE_SOURCE_NAMES)


@page("/codes/reports", roles=api.READ_ROLES)
def code_reports():
    """Scans per province (and per product and province) over local dates."""
    args, errors = query_args(ScanReportArgs())
    since = utc_start_of_local_day(args["since"]) if args.get("since") else None
    until = utc_start_of_local_day(args["until"] + timedelta(days=1)) if args.get("until") else None
    return render("codes/reports.html", errors=errors, filters=form_values(request.args), products=_products(),
                  regions=codes.scan_map(since=since, until=until, product_id=args.get("product_id")),
                  by_product=codes.scans_by_product_and_province(since=since, until=until))


def _flags_page(status=200, error=None, acted=None):
    args, errors = query_args(api.AdminCodeFlagListArgs())
    items, total = codes.list_flags(**args)
    return render("codes/flags.html", status, items=items, total=total, args=args, errors=errors,
                  filters=form_values(request.args), statuses=FLAG_STATUS_NAMES, reasons=codes.FLAG_LABELS,
                  actions=REVIEW_NAMES, acted=acted, values=form_values() if error else {},
                  row_errors=error.fields if error else {}, message=error.message if error else None)


@page("/codes/flags", roles=api.READ_ROLES)
def code_flags():
    """Flagged codes (many scans, distant scans), newest first, filtered by status, each with its review form."""
    return _flags_page()


exports.register_list("code-flags", title="异常码", headers=FLAG_HEADERS, schema=api.AdminCodeFlagListArgs,
                      lister=codes.list_flags,
                      shape=lambda items: ((f.id, f.code.code, codes.FLAG_LABELS.get(f.reason, f.reason), f.code.scan_count,
                                            FLAG_STATUS_NAMES.get(f.status, f.status), f.note, local_text(f.created_at))
                                           for f in items))


@page("/codes/flags/export", roles=api.READ_ROLES)
def code_flags_export():
    """The flagged codes of the chosen status as .xlsx."""
    return exports.send_export("code-flags")


@page("/codes/flags/<id:flag_id>/review", roles=("staff",), methods=("POST",))
def code_flag_review(flag_id):
    """Clear a flag (a false alarm) or confirm it (a copied label)."""
    return act(lambda: codes.review_flag(flag_id=flag_id, actor=admin_actor(),
                                         **load(api.AdminCodeFlagReviewBody(), form_values())),
               done=url_for("console.code_flags"), message=f"已处理异常码 #{flag_id}",
               redisplay=lambda exc: _flags_page(exc.status, exc, acted=flag_id))
