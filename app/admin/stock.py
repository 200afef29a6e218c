"""Console: stock levels, the moves ledger (and its export), receiving and adjusting."""
from io import BytesIO

from flask import send_file

from app.clock import isoformat, to_local
from app.exports import table_file
from app.http import Blueprint, admin_actor, admin_required
from app.inventory import service as inventory
from app.schemas import PageArgs, PeriodDateTime, RowId, Schema, fields, page_body, page_schema, validate

blp = Blueprint("admin_stock", __name__, url_prefix="/admin/api/stock", description="库存")

# Who may use the catalogue and stock console: the warehouse staff change, finance reads (the owner does all).
WRITE_ROLES = ("warehouse",)
READ_ROLES = ("warehouse", "finance")
QUANTITY = validate.Range(min=1, max=10**9)


class AdminStockListArgs(PageArgs):
    warehouse_id = RowId()
    product_id = RowId()
    below_threshold = fields.Boolean(load_default=False)


class AdminStockOut(Schema):
    warehouse_id = fields.Integer(attribute="warehouse")
    warehouse_name = fields.String()
    product_id = fields.Integer(attribute="product")
    product_name = fields.String()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer()
    threshold = fields.Integer()


class AdminMoveFilterArgs(Schema):
    warehouse_id = RowId()
    product_id = RowId()
    kind = fields.String(validate=validate.OneOf(inventory.MOVE_KINDS))
    reference = fields.String(validate=validate.Length(min=1, max=64))
    since = PeriodDateTime()
    until = PeriodDateTime()


class AdminMoveListArgs(PageArgs, AdminMoveFilterArgs):
    pass


class AdminMoveExportArgs(AdminMoveFilterArgs):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))


class AdminMoveOut(Schema):
    id = fields.Integer()
    warehouse_id = fields.Integer()
    warehouse_name = fields.String()
    product_id = fields.Integer()
    product_name = fields.String()
    kind = fields.String()
    on_hand_delta = fields.Integer()
    reserved_delta = fields.Integer()
    reference = fields.String(allow_none=True)
    reason = fields.String()
    province = fields.String()
    actor = fields.String()
    created_at = fields.Function(lambda move: isoformat(move.created_at))


class AdminStockLineBody(Schema):
    product_id = RowId(required=True, strict=True)
    quantity = fields.Integer(required=True, strict=True, validate=QUANTITY)


class AdminReceiptBody(Schema):
    warehouse_id = RowId(required=True, strict=True)
    lines = fields.List(fields.Nested(AdminStockLineBody), required=True, validate=validate.Length(min=1, max=500))
    reference = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    reason = fields.String(load_default="", validate=validate.Length(max=255))


class AdminAdjustmentBody(Schema):
    warehouse_id = RowId(required=True, strict=True)
    product_id = RowId(required=True, strict=True)
    delta = fields.Integer(required=True, strict=True, validate=validate.Range(min=-10**9, max=10**9))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))
    reference = fields.String(load_default=None, validate=validate.Length(min=1, max=64))


class AdminStockChangeOut(Schema):
    kind = fields.String()
    reference = fields.String(allow_none=True)
    repeated = fields.Boolean()


@blp.route("", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminStockListArgs, location="query")
@blp.response(200, page_schema(AdminStockOut))
def list_stock(args):
    """Stock per warehouse and product: on hand, reserved, available, threshold."""
    return page_body(inventory.list_stock(**args), args)


@blp.route("/moves", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminMoveListArgs, location="query")
@blp.response(200, page_schema(AdminMoveOut))
def list_moves(args):
    """The stock ledger, newest first."""
    return page_body(inventory.list_moves(**args), args)


MOVE_EXPORT_HEADERS = ("编号", "时间", "仓库", "商品", "类型", "在库变化", "预留变化", "单据号", "原因", "省份", "操作人")


@blp.route("/moves/export", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminMoveExportArgs, location="query")
def export_moves(args):
    """The stock ledger as .xlsx (default) or .csv, with the same filters as the list."""
    content, mimetype, extension = moves_file(args.pop("format"), args)
    return send_file(BytesIO(content), mimetype=mimetype, as_attachment=True,
                     download_name=f"stock-moves.{extension}")


def moves_rows(filters):
    """The stock moves matching `filters` as export rows; the pages reuse them."""
    return ((m.id, to_local(m.created_at).strftime("%Y-%m-%d %H:%M:%S"), m.warehouse_name, m.product_name, m.kind,
             m.on_hand_delta, m.reserved_delta, m.reference or "", m.reason, m.province, m.actor)
            for m in inventory.export_moves(**filters))


def moves_file(fmt, filters):
    """The stock moves matching `filters` as a table file: (bytes, mimetype, extension)."""
    return table_file(fmt, MOVE_EXPORT_HEADERS, moves_rows(filters), title="库存流水")


@blp.route("/receipts", methods=["POST"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminReceiptBody)
@blp.response(201, AdminStockChangeOut)
def receive(body):
    """Book goods into a warehouse (入库); a repeated `reference` books them once."""
    return inventory.receive(**body, actor=admin_actor())


@blp.route("/adjustments", methods=["POST"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminAdjustmentBody)
@blp.response(201, AdminStockChangeOut)
def adjust(body):
    """Correct on-hand stock by a signed delta with a reason; never below what is reserved."""
    return inventory.adjust(**body, actor=admin_actor())
