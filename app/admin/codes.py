"""Console: code batches and their labels, one code's scans, scan reports, flagged codes."""
import json

from flask import Response, stream_with_context

from app.codes import service as codes
from app.codes.service import FLAG_REVIEW_NAMES, FLAG_STATUSES
from app.http import Blueprint, admin_actor, admin_required
from app.schemas import PageArgs, PeriodDateTime, RowId, Schema, UtcDateTime, fields, page_body, page_schema, validate

blp = Blueprint("admin_codes", __name__, url_prefix="/admin/api/codes", description="防伪码")

WRITE_ROLES = ("staff", "warehouse")
READ_ROLES = ("staff", "warehouse", "finance")


class AdminCodeBatchBody(Schema):
    product_id = RowId(required=True)
    lot = fields.String(required=True, validate=validate.Length(min=1, max=32))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000))
    box_size = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=1000))
    with_pin = fields.Boolean(load_default=False)
    note = fields.String(load_default="", validate=validate.Length(max=255))


class AdminCodeBatchOut(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    lot = fields.String()
    quantity = fields.Integer()
    box_size = fields.Integer()
    with_pin = fields.Boolean()
    note = fields.String()
    created_by = fields.String()
    created_at = UtcDateTime()


class AdminCodeBatchDetailOut(AdminCodeBatchOut):
    bound = fields.Integer()
    scanned = fields.Integer()


class AdminCodeBatchListArgs(PageArgs):
    product_id = RowId()


class AdminLabelArgs(Schema):
    boxes = fields.Boolean(load_default=False)
    first = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10**7))
    last = fields.Integer(load_default=None, validate=validate.Range(min=1, max=10**7))


class AdminLabelZipArgs(AdminLabelArgs):
    format = fields.String(load_default="png", validate=validate.OneOf(["png", "svg"]))


class AdminLabelPdfArgs(AdminLabelArgs):
    columns = fields.Integer(load_default=4, validate=validate.Range(min=1, max=10))
    rows = fields.Integer(load_default=8, validate=validate.Range(min=1, max=20))
    pin = fields.Boolean(load_default=True)


class AdminCodeScanOut(Schema):
    id = fields.Integer()
    at = UtcDateTime()
    ip = fields.String()
    user_agent = fields.String()
    openid = fields.String()
    province = fields.String()
    city = fields.String()
    place_source = fields.String()
    channel = fields.String()


class AdminCodeOut(Schema):
    code = fields.String()
    batch_id = fields.Integer()
    serial = fields.Integer()
    is_box = fields.Boolean()
    order_id = fields.Integer(allow_none=True)
    pickup_id = fields.Integer(allow_none=True)
    agent_id = fields.Integer(allow_none=True)
    province = fields.String()
    bound_at = UtcDateTime(allow_none=True)
    scan_count = fields.Integer()


class AdminCodeTraceOut(Schema):
    code = fields.Nested(AdminCodeOut)
    scans = fields.List(fields.Nested(AdminCodeScanOut))


class AdminPeriodArgs(Schema):
    since = PeriodDateTime()
    until = PeriodDateTime()


class AdminScanMapArgs(AdminPeriodArgs):
    product_id = RowId()


class AdminScanByProductOut(Schema):
    product_id = fields.Integer()
    product_name = fields.String()
    province = fields.String()
    scans = fields.Integer()
    codes = fields.Integer()


class AdminScanRegionOut(Schema):
    province = fields.String()
    adcode = fields.String()
    lat = fields.Float(allow_none=True)
    lng = fields.Float(allow_none=True)
    scans = fields.Integer()
    codes = fields.Integer()


class AdminCodeFlagListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(FLAG_STATUSES))


class AdminCodeFlagOut(Schema):
    id = fields.Integer()
    code = fields.Function(lambda flag: flag.code.code)
    scan_count = fields.Function(lambda flag: flag.code.scan_count)
    reason = fields.String()
    evidence = fields.Function(lambda flag: json.loads(flag.evidence))
    status = fields.String()
    created_at = UtcDateTime()
    reviewed_by = fields.String()
    reviewed_at = UtcDateTime(allow_none=True)
    note = fields.String()


class AdminCodeFlagReviewBody(Schema):
    action = fields.String(required=True, validate=validate.OneOf(list(FLAG_REVIEW_NAMES)))
    note = fields.String(load_default="", validate=validate.Length(max=255))


@blp.route("/batches", methods=["POST"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminCodeBatchBody)
@blp.response(201, AdminCodeBatchOut)
def create_batch(body):
    """Generate a batch of codes for a product's lot (optionally with box codes and scratch-off PINs)."""
    return codes.create_batch(**body, actor=admin_actor())


@blp.route("/batches", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminCodeBatchListArgs, location="query")
@blp.response(200, page_schema(AdminCodeBatchOut))
def list_batches(args):
    """Batches, newest first."""
    return page_body(codes.list_batches(product_id=args.get("product_id"), page=args["page"],
                                        per_page=args["per_page"]), args)


@blp.route("/batches/<id:batch_id>", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, AdminCodeBatchDetailOut)
def get_batch(batch_id):
    """One batch with how many of its codes are bound and scanned."""
    batch = codes.get_batch(batch_id)
    return {**{name: getattr(batch, name) for name in AdminCodeBatchOut._declared_fields},
            **codes.batch_counts(batch_id)}


def attachment(body, mimetype, filename):
    """A file to save: bytes as they are, an iterator of bytes streamed (the console's pages use it too)."""
    content = body if isinstance(body, bytes) else stream_with_context(body)
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={filename}"})


def _labels(batch, args, *, fmt, **options):
    first, last = codes.label_range(first=args["first"], last=args["last"], pdf=fmt == "pdf")
    rows = codes.iter_codes(batch.id, boxes=args["boxes"], first=first, last=last)
    return attachment(*codes.label_file(batch, rows, fmt=fmt, first=first, boxes=args["boxes"], **options))


@blp.route("/batches/<id:batch_id>/labels.csv", methods=["GET"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminLabelArgs, location="query")
def labels_csv(args, batch_id):
    """The batch's labels as CSV for a label printer (serial, code, url, box, pin), streamed."""
    batch = codes.complete_batch(batch_id)
    first, last = codes.label_range(first=args["first"], last=args["last"])
    rows = codes.iter_codes(batch.id, boxes=args["boxes"], first=first, last=last)
    return attachment(codes.csv_stream(batch, rows, boxes=args["boxes"]), "text/csv; charset=utf-8",
                     f"codes-{batch.id}.csv")


@blp.route("/batches/<id:batch_id>/labels.zip", methods=["GET"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminLabelZipArgs, location="query")
def labels_zip(args, batch_id):
    """One QR image per code (PNG or SVG) in a zip, streamed."""
    return _labels(codes.complete_batch(batch_id), args, fmt=args["format"])


@blp.route("/batches/<id:batch_id>/labels.pdf", methods=["GET"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminLabelPdfArgs, location="query")
def labels_pdf(args, batch_id):
    """An A4 sheet of labels in a grid, at most 2,000 labels a file (choose them with first/last)."""
    return _labels(codes.complete_batch(batch_id), args, fmt="pdf", columns=args["columns"], rows=args["rows"],
                   pin=args["pin"])


@blp.route("/lookup/<string:code>", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, AdminCodeTraceOut)
def trace(code):
    """One code for the owner: its binding (order, agent, region) and every scan."""
    found, scans = codes.scans_of(code[:64])
    return {"code": found, "scans": scans}


@blp.route("/reports/scans", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminPeriodArgs, location="query")
@blp.response(200, AdminScanByProductOut(many=True))
def scans_report(args):
    """Scans per product and province (UTC bounds)."""
    return codes.scans_by_product_and_province(since=args.get("since"), until=args.get("until"))


@blp.route("/reports/map", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminScanMapArgs, location="query")
@blp.response(200, AdminScanRegionOut(many=True))
def scans_map(args):
    """Scans per province with adcode and coordinates, ready for a map of China."""
    return codes.scan_map(since=args.get("since"), until=args.get("until"), product_id=args.get("product_id"))


@blp.route("/flags", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminCodeFlagListArgs, location="query")
@blp.response(200, page_schema(AdminCodeFlagOut))
def list_flags(args):
    """Codes flagged for review (many scans, or distant scans in a short time), newest first."""
    return page_body(codes.list_flags(status=args.get("status"), page=args["page"], per_page=args["per_page"]),
                     args)


@blp.route("/flags/<id:flag_id>/review", methods=["POST"])
@admin_required("staff")
@blp.arguments(AdminCodeFlagReviewBody)
@blp.response(200, AdminCodeFlagOut)
def review_flag(body, flag_id):
    """Clear a flag (a false alarm) or confirm it (a copied label)."""
    return codes.review_flag(flag_id=flag_id, action=body["action"], note=body["note"], actor=admin_actor())
