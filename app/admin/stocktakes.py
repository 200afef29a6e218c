"""Console: stock-takes (盘点) — open, enter or upload counts, see differences, post."""
from io import BytesIO

from flask import request, send_file

from app.admin.stock import READ_ROLES, WRITE_ROLES
from app.clock import isoformat
from app.errors import InvalidInput
from app.exports import table_file
from app.http import Blueprint, admin_actor, admin_required
from app.inventory import service as inventory
from app.schemas import RowId, Schema, fields, validate

blp = Blueprint("admin_stocktakes", __name__, url_prefix="/admin/api/stocktakes", description="盘点")


class AdminStockTakeBody(Schema):
    warehouse_id = RowId(required=True, strict=True)


class AdminStockTakeOut(Schema):
    id = fields.Integer()
    warehouse_id = fields.Integer()
    status = fields.String()
    reason = fields.String()
    opened_at = fields.Function(lambda take: isoformat(take.opened_at))
    posted_at = fields.Function(lambda take: isoformat(take.posted_at))


class AdminCountLineBody(Schema):
    product_id = RowId(required=True, strict=True)
    counted = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10**9))


class AdminCountsBody(Schema):
    counts = fields.List(fields.Nested(AdminCountLineBody), required=True, validate=validate.Length(min=1, max=10_000))


class AdminCountDifferenceOut(Schema):
    product_id = fields.Integer()
    product_name = fields.String()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    counted = fields.Integer()
    difference = fields.Integer()


class AdminPostStockTakeBody(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))


@blp.route("", methods=["POST"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminStockTakeBody)
@blp.response(201, AdminStockTakeOut)
def open_stock_take(body):
    """Open a count of a warehouse (one open count per warehouse)."""
    return inventory.open_stock_take(warehouse_id=body["warehouse_id"], actor=admin_actor())


@blp.route("/<id:stock_take_id>", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, AdminStockTakeOut)
def get_stock_take(stock_take_id):
    """One stock-take."""
    return inventory.get_stock_take(stock_take_id)


@blp.route("/<id:stock_take_id>/differences", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, AdminCountDifferenceOut(many=True))
def differences(stock_take_id):
    """Each counted product against the system's on-hand."""
    return inventory.differences(stock_take_id)


@blp.route("/<id:stock_take_id>/counts", methods=["PUT"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminCountsBody)
@blp.response(200, AdminCountDifferenceOut(many=True))
def enter_counts(body, stock_take_id):
    """Record counted quantities by hand; answers the differences."""
    return inventory.enter_counts(stock_take_id, counts=body["counts"])


@blp.route("/<id:stock_take_id>/upload", methods=["POST"])
@admin_required(*WRITE_ROLES)
@blp.response(200, AdminCountDifferenceOut(many=True))
def upload_counts(stock_take_id):
    """Record counts from an .xlsx (multipart field `file`; columns 商品ID or 条码, and 盘点数量)."""
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput.on("file", "请上传 .xlsx 文件")
    return inventory.upload_counts(stock_take_id, content=upload.read())


@blp.route("/<id:stock_take_id>/sheet", methods=["GET"])
@admin_required(*READ_ROLES)
def count_sheet(stock_take_id):
    """A blank count sheet (.xlsx) listing the warehouse's products, ready to fill in and upload."""
    content, mimetype, extension = table_file("xlsx", inventory.SHEET_HEADERS, inventory.count_sheet(stock_take_id),
                                              title="盘点表")
    return send_file(BytesIO(content), mimetype=mimetype, as_attachment=True,
                     download_name=f"stocktake-{stock_take_id}.{extension}")


@blp.route("/<id:stock_take_id>/post", methods=["POST"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminPostStockTakeBody)
@blp.response(200, AdminStockTakeOut)
def post_stock_take(body, stock_take_id):
    """Post the differences as stocktake moves; on-hand becomes the count."""
    return inventory.post_stock_take(stock_take_id, reason=body["reason"], actor=admin_actor())
