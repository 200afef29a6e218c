"""Console: orders — list, detail, entry for an agent or a customer, every transition, batch work, documents.

Roles: staff enter and process orders; finance confirms payments and refunds;
warehouse picks and ships; every console role reads; the owner does all.
"""
from io import BytesIO

from flask import request, send_file

from app.errors import InvalidInput
from app.exports import table_file
from app.http import Blueprint, admin_actor, admin_required
from app.orders import service as orders
from app.orders.schemas import (STATUS, ConsigneeBody, OrderDetailOut, OrderDraftOut, OrderItemBody, OrderOut,
                                OrderPlacedOut, OrderQuoteBody, OrderQuoteOut, OrderReasonBody, OrderRequiredReasonBody,
                                QuickEntryBody, proof_field)
from app.orders.schemas import (CarrierOut, OrderTrackingOut, TrackingLinkBody, TrackingLinkOut,
                                TrackingLinksRevokedOut)
from app.schemas import (PageArgs, PeriodDate, RowId, Schema, Yuan, fields,
                         page_body, page_schema, validate)

blp = Blueprint("admin_orders", __name__, url_prefix="/admin/api/orders", description="订单")

READ_ROLES = ("staff", "finance", "warehouse")
STAFF, FINANCE, WAREHOUSE = ("staff",), ("finance",), ("warehouse",)
ORDER_IDS = fields.List(RowId(strict=True), required=True, validate=validate.Length(min=1, max=500))


class AdminOrderOut(OrderOut):
    payment_proof = proof_field("/admin/api/orders")


class AdminOrderDetailOut(OrderDetailOut):
    payment_proof = proof_field("/admin/api/orders")


AdminOrderPageOut = page_schema(AdminOrderOut)


class AdminOrderFilterArgs(Schema):
    status = fields.String(validate=STATUS)
    agent_id = RowId()
    customers_only = fields.Boolean(load_default=False)
    province = fields.String(validate=validate.Length(max=32))
    since = PeriodDate()
    until = PeriodDate()
    search = fields.String(validate=validate.Length(min=1, max=64))


class AdminOrderListArgs(PageArgs, AdminOrderFilterArgs):
    pass


class AdminOrderBody(Schema):
    idempotency_key = fields.String(required=True, validate=validate.Length(min=1, max=64))
    agent_id = RowId(load_default=None, strict=True)
    items = fields.List(fields.Nested(OrderItemBody), required=True, validate=validate.Length(min=1, max=50))
    consignee = fields.Nested(ConsigneeBody, load_default=None)
    remark = fields.String(load_default="", validate=validate.Length(max=255))
    to_cloud = fields.Boolean(load_default=False)   # into the agent's cloud stock (云仓)


class AdminQuoteBody(OrderQuoteBody):
    agent_id = RowId(load_default=None, strict=True)


class AdminQuickEntryBody(QuickEntryBody):
    agent_id = RowId(load_default=None, strict=True)


class AdminPaymentForm(Schema):
    amount = Yuan(required=True)
    payment_ref = fields.String(load_default="", validate=validate.Length(max=64))


def _scanned_codes(**kwargs):
    return fields.List(fields.String(validate=validate.Length(min=1, max=64)), data_key="codes",
                       attribute="codes_scanned", validate=validate.Length(max=10000), **kwargs)


class AdminShipBody(Schema):
    carrier = fields.String(required=True, validate=validate.Length(min=1, max=32))
    tracking_no = fields.String(required=True, validate=validate.Length(min=1, max=64))
    codes_scanned = _scanned_codes(load_default=list)


class AdminBindCodesBody(Schema):
    codes_scanned = _scanned_codes(required=True)


class AdminCodesBoundOut(Schema):
    order_id = fields.Integer()
    bound = fields.Integer()
    boxes = fields.Integer()
    repeated = fields.Boolean()
    per_product = fields.Dict(keys=fields.String(), values=fields.Integer())


class AdminRefundBody(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))
    lines = fields.List(fields.Nested(OrderItemBody), load_default=None, validate=validate.Length(min=1, max=50))
    goods_back = fields.Boolean(load_default=False)


class AdminOrderIdsBody(Schema):
    order_ids = ORDER_IDS


class AdminPaymentOut(Schema):
    order = fields.Nested(AdminOrderOut)
    confirmed_now = fields.Boolean()
    message = fields.String()


class AdminRefundOut(Schema):
    id = fields.Integer()
    order_id = fields.Integer()
    whole_order = fields.Boolean()
    goods_back = fields.Boolean()
    amount = Yuan(attribute="amount_fen")
    shipping = Yuan(attribute="shipping_fen")
    reason = fields.String()
    actor = fields.String()
    status = fields.String(dump_default="succeeded")  # refunding / failed: a refund through WeChat Pay
    out_refund_no = fields.String(dump_default="")
    failure = fields.String(dump_default="")


class AdminBatchRowOut(Schema):
    row = fields.Integer()
    order_no = fields.String()
    outcome = fields.String()
    message = fields.String()


def _filters(args):
    return {("buyer_agent_id" if key == "agent_id" else key): value for key, value in args.items()}


@blp.route("", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminOrderListArgs, location="query")
@blp.response(200, AdminOrderPageOut)
def list_orders(args):
    """Orders, newest first, filtered by status, agent, customers only, province, local dates or a search."""
    return page_body(orders.list_orders(**_filters(args)), args)


@blp.route("", methods=["POST"])
@admin_required(*STAFF)
@blp.arguments(AdminOrderBody)
@blp.response(201, OrderPlacedOut)
def enter_order(body):
    """Enter an order for an agent (agent_id) or a direct customer (no agent_id; consignee required)."""
    order = orders.enter_order(actor=admin_actor(), **body)
    return order, 200 if order.repeated else 201


@blp.route("/quote", methods=["POST"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminQuoteBody)
@blp.response(200, OrderQuoteOut)
def quote(body):
    """What an order would cost for the agent (its level price) or a customer (retail)."""
    return orders.staff_quote(**body)


@blp.route("/quick-entry", methods=["POST"])
@admin_required(*STAFF)
@blp.arguments(AdminQuickEntryBody)
@blp.response(200, OrderDraftOut)
def quick_entry(body):
    """Pasted chat text in, a draft order out (against the agent's catalogue, or every active product)."""
    return orders.staff_draft(body["text"], agent_id=body["agent_id"]).to_dict()


@blp.route("/<id:order_id>", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, AdminOrderDetailOut)
def order_detail(order_id):
    """One order with its lines and its event log."""
    return orders.get_order(order_id)


@blp.route("/<id:order_id>/approve", methods=["POST"])
@admin_required(*STAFF)
@blp.arguments(OrderReasonBody)
@blp.response(200, AdminOrderOut)
def approve(body, order_id):
    """Approve an order waiting for its upline (the brand decides instead)."""
    return orders.approve(order_id, actor=admin_actor(), reason=body["reason"])


@blp.route("/<id:order_id>/reject", methods=["POST"])
@admin_required(*STAFF)
@blp.arguments(OrderRequiredReasonBody)
@blp.response(200, AdminOrderOut)
def reject(body, order_id):
    """Reject an order waiting for approval, with a reason."""
    return orders.reject(order_id, actor=admin_actor(), reason=body["reason"])


@blp.route("/<id:order_id>/pay", methods=["POST"])
@admin_required(*FINANCE)
@blp.arguments(AdminPaymentForm, location="form")
@blp.response(200, AdminPaymentOut)
def confirm_payment(form, order_id):
    """Confirm an offline transfer (multipart: amount, payment_ref, proof image); a second time changes nothing."""
    upload = request.files.get("proof")
    order, now = orders.confirm_offline_payment(order_id, actor=admin_actor(), amount_fen=form["amount"],
                                                  payment_ref=form["payment_ref"],
                                                  proof_content=upload.read() if upload else None)
    return {"order": order, "confirmed_now": now, "message": "已确认付款" if now else "此前已确认付款，未重复处理"}


@blp.route("/<id:order_id>/payment-proof", methods=["GET"])
@admin_required(*FINANCE)
@blp.doc(responses={"200": {"description": "the proof image", "content": {"image/*": {}}}})
def payment_proof(order_id):
    """The transfer proof of an order (uploaded by its agent or with the confirmation)."""
    path, mimetype, name = orders.payment_proof_file(order_id)
    return send_file(path, mimetype=mimetype, max_age=0, download_name=name)


@blp.route("/<id:order_id>/pick", methods=["POST"])
@admin_required(*WAREHOUSE)
@blp.response(200, AdminOrderOut)
def pick(order_id):
    """Start picking (配货)."""
    return orders.pick(order_id, actor=admin_actor())


@blp.route("/<id:order_id>/ship", methods=["POST"])
@admin_required(*WAREHOUSE)
@blp.arguments(AdminShipBody)
@blp.response(200, AdminOrderOut)
def ship(body, order_id):
    """Ship with carrier and tracking number."""
    return orders.ship(order_id, actor=admin_actor(), **body)


@blp.route("/<id:order_id>/codes", methods=["POST"])
@admin_required(*WAREHOUSE)
@blp.arguments(AdminBindCodesBody)
@blp.response(200, AdminCodesBoundOut)
def bind_codes(body, order_id):
    """Bind authenticity codes (items, boxes or batch ranges) to a packed or shipped order."""
    return orders.bind_codes(order_id, actor=admin_actor(), **body)


@blp.route("/<id:order_id>/receive", methods=["POST"])
@admin_required(*STAFF)
@blp.response(200, AdminOrderOut)
def receive(order_id):
    """Confirm receipt on the agent's behalf."""
    return orders.receive(order_id, actor=admin_actor())


@blp.route("/<id:order_id>/complete", methods=["POST"])
@admin_required(*STAFF)
@blp.response(200, AdminOrderOut)
def complete(order_id):
    """Complete a received order."""
    return orders.complete(order_id, actor=admin_actor())


@blp.route("/<id:order_id>/cancel", methods=["POST"])
@admin_required(*STAFF)
@blp.arguments(OrderRequiredReasonBody)
@blp.response(200, AdminOrderOut)
def cancel(body, order_id):
    """Cancel an order not yet picked (a paid one gets its stock released and its money refunded in full)."""
    return orders.cancel(order_id, actor=admin_actor(), reason=body["reason"])


@blp.route("/<id:order_id>/refund", methods=["POST"])
@admin_required(*FINANCE)
@blp.arguments(AdminRefundBody)
@blp.response(201, AdminRefundOut)
def refund(body, order_id):
    """Refund the whole order, or some units of some lines (after shipment); goods_back returns them to stock."""
    return orders.refund(order_id, actor=admin_actor(), **body)


@blp.route("/<id:order_id>/refunds", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, AdminRefundOut(many=True))
def order_refunds(order_id):
    """The refunds of an order."""
    return orders.list_refunds(order_id)


@blp.route("/<id:order_id>/wechat-refunds", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, AdminRefundOut(many=True))
def order_wechat_refunds(order_id):
    """The refunds of an order sent back through WeChat Pay: under way (refunding), succeeded or failed."""
    return orders.list_wechat_refunds(order_id)


@blp.route("/batch/pay", methods=["POST"])
@admin_required(*FINANCE)
@blp.arguments(AdminOrderIdsBody)
@blp.response(200, AdminBatchRowOut(many=True))
def batch_pay(body):
    """Confirm the full payment of many orders; one result per order."""
    return orders.confirm_payments(body["order_ids"], actor=admin_actor())


@blp.route("/batch/pick", methods=["POST"])
@admin_required(*WAREHOUSE)
@blp.arguments(AdminOrderIdsBody)
@blp.response(200, AdminBatchRowOut(many=True))
def batch_pick(body):
    """Start picking many orders; one result per order."""
    return orders.mark_picked(body["order_ids"], actor=admin_actor())


@blp.route("/batch/ship", methods=["POST"])
@admin_required(*WAREHOUSE)
@blp.response(200, AdminBatchRowOut(many=True))
def batch_ship():
    """Ship from an uploaded .xlsx/.csv (multipart `file`; columns 订单号, 快递公司, 快递单号); one result per row."""
    upload = request.files.get("file")
    if upload is None:
        raise InvalidInput.on("file", "请上传 .xlsx 或 .csv 文件")
    return orders.ship_from_file(upload.read(), filename=upload.filename, actor=admin_actor())


@blp.route("/picking-list", methods=["POST"])
@admin_required(*WAREHOUSE)
@blp.arguments(AdminOrderIdsBody)
def picking_list(body):
    """Picking lists (配货单) as one PDF, a page per order."""
    return send_file(BytesIO(orders.picking_list_pdf(body["order_ids"])), mimetype="application/pdf",
                     as_attachment=True, download_name="picking-list.pdf")


@blp.route("/export", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminOrderFilterArgs, location="query")
def export_orders(args):
    """The filtered orders as .xlsx (at most 100,000)."""
    content, mimetype, extension = table_file("xlsx", orders.EXPORT_HEADERS,
                                              orders.export_rows(**_filters(args)), title="订单")
    return send_file(BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=f"orders.{extension}")


@blp.route("/carriers", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, CarrierOut(many=True))
def carriers():
    """The carriers a shipment may name (code and Chinese name); `carrier` at shipment takes either."""
    return orders.carrier_choices()


@blp.route("/<id:order_id>/tracking", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.response(200, OrderTrackingOut)
def order_tracking(order_id):
    """The order's parcel trace (null before shipment) and its live share link (null when none)."""
    return orders.order_tracking(order_id)


@blp.route("/<id:order_id>/tracking/refresh", methods=["POST"])
@admin_required(*STAFF, *WAREHOUSE)
@blp.response(200, OrderTrackingOut)
def refresh_tracking(order_id):
    """Ask the logistics provider for the trace now (409 without a provider or when it fails)."""
    orders.refresh_trace(order_id)
    return orders.order_tracking(order_id)


@blp.route("/<id:order_id>/tracking/resubscribe", methods=["POST"])
@admin_required(*STAFF, *WAREHOUSE)
@blp.response(200, OrderTrackingOut)
def resubscribe_tracking(order_id):
    """Retry a failed (or stopped) subscription from the start."""
    orders.resubscribe(order_id)
    return orders.order_tracking(order_id)


@blp.route("/<id:order_id>/tracking-link", methods=["POST"])
@admin_required(*STAFF)
@blp.arguments(TrackingLinkBody)
@blp.response(200, TrackingLinkOut)
def share_tracking_link(body, order_id):
    """The customer's share link of the order (made if none is live); show_prices shows retail prices."""
    return orders.share_link(order_id, actor=admin_actor(), show_prices=body["show_prices"])


@blp.route("/<id:order_id>/tracking-link", methods=["DELETE"])
@admin_required(*STAFF)
@blp.response(200, TrackingLinksRevokedOut)
def revoke_tracking_link(order_id):
    """Stop the order's share links; the next share makes a new one."""
    return {"revoked": orders.revoke_links(order_id, actor=admin_actor())}
