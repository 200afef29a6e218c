"""Console: cloud stock (云仓) per agent and product with its age (囤货) and export, its moves, 转货 and the
pickups (提货) the warehouse picks and ships."""
from io import BytesIO

from flask import send_file

from app.clock import to_local
from app.cloud import service as cloud
from app.cloud.schemas import (CloudHoldingPageOut, CloudMovePageOut, CloudPickupOut,
                               CloudPickupPageOut, CloudTransferOut, CloudTransferPageOut)
from app.cloud.service import PICKUP_STATE_NAMES
from app.exports import table_file
from app.http import Blueprint, admin_actor, admin_required
from app.money import format_yuan
from app.orders import service as orders
from app.orders.schemas import OrderOut
from app.schemas import PageArgs, RowId, Schema, fields, page_body, validate

blp = Blueprint("admin_cloud", __name__, url_prefix="/admin/api/cloud", description="云仓")

WRITE_ROLES = ("warehouse",)
READ_ROLES = ("warehouse", "finance")
REVERSE_ROLES = ("finance",)   # and the owner: money moves back


class AdminCloudFilterArgs(Schema):
    agent_id = RowId()
    product_id = RowId()
    warehouse_id = RowId()
    held_months = fields.Integer(validate=validate.Range(min=0, max=1200))


class AdminCloudListArgs(PageArgs, AdminCloudFilterArgs):
    pass


class AdminCloudExportArgs(AdminCloudFilterArgs):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))


class AdminCloudMoveArgs(PageArgs):
    agent_id = RowId()
    product_id = RowId()
    reason = fields.String(validate=validate.OneOf(cloud.MOVE_REASONS))


class AdminCloudTransferFilterArgs(Schema):
    agent_id = RowId()
    product_id = RowId()
    date_from = fields.Date()
    date_to = fields.Date()


class AdminCloudTransferArgs(PageArgs, AdminCloudTransferFilterArgs):
    pass


class AdminCloudTransferExportArgs(AdminCloudTransferFilterArgs):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))


class AdminCloudReverseBody(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))


class AdminCloudPickupArgs(PageArgs):
    agent_id = RowId()
    status = fields.String(validate=validate.OneOf(list(PICKUP_STATE_NAMES)))


class AdminCloudShipBody(Schema):
    carrier = fields.String(required=True, validate=validate.Length(min=1, max=32))
    tracking_no = fields.String(required=True, validate=validate.Length(min=1, max=64))
    codes = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list,
                        validate=validate.Length(max=10000))


@blp.route("/stock", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminCloudListArgs, location="query")
@blp.response(200, CloudHoldingPageOut)
def holdings(args):
    """Cloud stock per agent, product and warehouse, longest held first; held_months=N: held N months or more."""
    return page_body(cloud.list_holdings(**args), args)


HOLDING_HEADERS = ("代理", "代理编号", "商品", "仓库", "云仓数量", "单位", "囤货起始", "囤货天数", "囤货月数")


def holding_rows(filters):
    """The holdings matching `filters` as export rows; the console page reuses them."""
    return ((h.agent_name, h.agent_id, h.product_name, h.warehouse_name, h.units, h.unit,
             to_local(h.held_since).strftime("%Y-%m-%d") if h.held_since else "", h.held_days, h.held_months)
            for h in cloud.export_holdings(**filters))


def holdings_file(fmt, filters):
    """The holdings as a table file: (bytes, mimetype, extension)."""
    return table_file(fmt, HOLDING_HEADERS, holding_rows(filters), title="云仓库存")


@blp.route("/stock/export", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminCloudExportArgs, location="query")
def export_holdings(args):
    """Cloud stock with its age (囤货) as .xlsx (default) or .csv, with the list's filters."""
    content, mimetype, extension = holdings_file(args.pop("format"), args)
    return send_file(BytesIO(content), mimetype=mimetype, as_attachment=True,
                     download_name=f"cloud-stock.{extension}")


@blp.route("/moves", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminCloudMoveArgs, location="query")
@blp.response(200, CloudMovePageOut)
def moves(args):
    """Cloud moves (reason and reference of every change), newest first."""
    return page_body(cloud.list_moves(**args), args)


@blp.route("/transfers", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminCloudTransferArgs, location="query")
@blp.response(200, CloudTransferPageOut)
def transfers(args):
    """转货 between agents, newest first, by agent (bought or sold), product and local days (date_from, date_to)."""
    return page_body(cloud.list_transfers(**args), args)


TRANSFER_HEADERS = ("转货编号", "时间", "上级", "上级编号", "下级", "下级编号", "商品", "数量", "单位", "单价（元）",
                    "金额（元）", "状态", "撤销原因")


def transfer_rows(rows):
    """TransferRows as export rows; the console page's export reuses them."""
    return ((r.transfer.id, to_local(r.transfer.created_at).strftime("%Y-%m-%d %H:%M"), r.upline_name,
             r.transfer.upline_id, r.downline_name, r.transfer.downline_id, r.product_name, r.transfer.quantity, r.unit,
             format_yuan(r.transfer.unit_price_fen), format_yuan(r.transfer.amount_fen), r.status_name,
             r.transfer.reversal_reason) for r in rows)


@blp.route("/transfers/export", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminCloudTransferExportArgs, location="query")
def export_transfers(args):
    """转货 as .xlsx (default) or .csv, with the list's filters."""
    content, mimetype, extension = table_file(args.pop("format"), TRANSFER_HEADERS,
                                              transfer_rows(cloud.export_transfers(**args)), title="转货记录")
    return send_file(BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=f"cloud-transfers.{extension}")


@blp.route("/transfers/<id:transfer_id>/reverse", methods=["POST"])
@admin_required(*REVERSE_ROLES)
@blp.arguments(AdminCloudReverseBody)
@blp.response(200, CloudTransferOut)
def reverse(body, transfer_id):
    """Reverse a 转货 with a reason: units back to the upline's cloud stock, money back to the downline's 货款
    (409 when the downline no longer holds the units, the upline's balance is short, or it was reversed)."""
    return cloud.reverse_transfer(transfer_id, actor=admin_actor(), reason=body["reason"])


@blp.route("/pickups", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminCloudPickupArgs, location="query")
@blp.response(200, CloudPickupPageOut)
def pickups(args):
    """Pickups (提货), newest first, by agent and status."""
    return page_body(cloud.list_pickups(**args), args)


@blp.route("/pickups/<id:pickup_id>", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, CloudPickupOut)
def pickup(pickup_id):
    """One pickup with its lines."""
    return cloud.get_pickup(pickup_id)


@blp.route("/pickups/<id:pickup_id>/pick", methods=["POST"])
@admin_required(*WRITE_ROLES)
@blp.response(200, CloudPickupOut)
def pick(pickup_id):
    """Start picking (配货) a waiting pickup."""
    return cloud.pick_pickup(pickup_id, actor=admin_actor())


@blp.route("/pickups/<id:pickup_id>/ship", methods=["POST"])
@admin_required(*WRITE_ROLES)
@blp.arguments(AdminCloudShipBody)
@blp.response(200, CloudPickupOut)
def ship(body, pickup_id):
    """Ship a picked pickup; the codes scanned at packing are bound to it (all or nothing)."""
    return cloud.ship_pickup(pickup_id, actor=admin_actor(), carrier=body["carrier"], tracking_no=body["tracking_no"],
                             codes_scanned=body["codes"])


@blp.route("/pickups/<id:pickup_id>/cancel", methods=["POST"])
@admin_required(*WRITE_ROLES)
@blp.response(200, CloudPickupOut)
def cancel(pickup_id):
    """Cancel a pickup not yet shipped: its units go back to the agent's cloud stock, its shipping to its 货款."""
    return cloud.cancel_pickup(pickup_id, actor=admin_actor())


@blp.route("/orders/<id:order_id>/store", methods=["POST"])
@admin_required(*WRITE_ROLES)
@blp.response(200, OrderOut)
def store(order_id):
    """Store a paid cloud order whose stock was short at payment, now that stock came (409 if still short)."""
    return orders.store(order_id, actor=admin_actor())
