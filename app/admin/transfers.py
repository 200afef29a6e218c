"""Console: transfers between warehouses (调拨) and the allocation report (智能调配)."""

from app.admin.stock import READ_ROLES, WRITE_ROLES, AdminStockLineBody
from app.clock import isoformat
from app.http import Blueprint, admin_actor, admin_required
from app.inventory import service as inventory
from app.schemas import PageArgs, RowId, Schema, fields, page_body, page_schema, validate

blp = Blueprint("admin_transfers", __name__, url_prefix="/admin/api", description="调拨与调配")


class AdminTransferBody(Schema):
    from_warehouse_id = RowId(required=True, strict=True)
    to_warehouse_id = RowId(required=True, strict=True)
    lines = fields.List(fields.Nested(AdminStockLineBody), required=True, validate=validate.Length(min=1, max=500))
    note = fields.String(load_default="", validate=validate.Length(max=255))


class AdminTransferLineOut(Schema):
    product_id = fields.Integer()
    quantity = fields.Integer()


class AdminTransferOut(Schema):
    id = fields.Integer()
    from_warehouse_id = fields.Integer()
    to_warehouse_id = fields.Integer()
    status = fields.String()
    note = fields.String()
    lines = fields.List(fields.Nested(AdminTransferLineOut), attribute="line_list")
    dispatched_at = fields.Function(lambda t: isoformat(t.dispatched_at))
    arrived_at = fields.Function(lambda t: isoformat(t.arrived_at))


class AdminTransferListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf(inventory.TRANSFER_STATUSES))
    warehouse_id = RowId()


class AdminAllocationArgs(Schema):
    target_days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=365))
    product_id = RowId()


class AdminAllocationRowOut(Schema):
    warehouse_id = fields.Integer()
    warehouse_name = fields.String()
    product_id = fields.Integer()
    product_name = fields.String()
    available = fields.Integer()
    in_transit = fields.Integer()
    threshold = fields.Integer()
    shipped_7d = fields.Integer()
    shipped_30d = fields.Integer()
    days_of_cover = fields.Float(allow_none=True)


class AdminSuggestionOut(Schema):
    from_warehouse_id = fields.Integer()
    to_warehouse_id = fields.Integer()
    lines = fields.List(fields.Nested(AdminTransferLineOut))


class AdminAllocationOut(Schema):
    rows = fields.List(fields.Nested(AdminAllocationRowOut))
    suggestions = fields.List(fields.Nested(AdminSuggestionOut))


@blp.route("/transfers", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminTransferListArgs, location="query")
@blp.response(200, page_schema(AdminTransferOut))
def list_transfers(args):
    """Transfers, newest first; filter by status or warehouse."""
    return page_body(inventory.list_transfers(**args), args)


@blp.route("/transfers", methods=["POST"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminTransferBody)
@blp.response(201, AdminTransferOut)
def dispatch_transfer(body):
    """Dispatch a transfer: stock leaves the source now and is in transit. An allocation suggestion is
    exactly this body."""
    return inventory.dispatch_transfer(**body, actor=admin_actor())


@blp.route("/transfers/<id:transfer_id>", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, AdminTransferOut)
def get_transfer(transfer_id):
    """One transfer with its lines."""
    return inventory.get_transfer(transfer_id)


@blp.route("/transfers/<id:transfer_id>/arrive", methods=["POST"])
@admin_required(*WRITE_ROLES)
@blp.response(200, AdminTransferOut)
def arrive_transfer(transfer_id):
    """Book an in-transit transfer into its destination (twice changes nothing)."""
    return inventory.arrive_transfer(transfer_id, actor=admin_actor())


@blp.route("/allocation", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminAllocationArgs, location="query")
@blp.response(200, AdminAllocationOut)
def allocation_report(args):
    """Demand, stock and days of cover per warehouse and product, with suggested transfers."""
    rows, suggestions = inventory.allocation_report(**args)
    return {"rows": rows, "suggestions": suggestions}
