"""An agent's own orders: quote, place, follow, cancel while unpaid, confirm receipt, quick entry, and the
downline orders waiting for its approval."""
from flask import g, request, send_file

from app.http import Blueprint, agent_required
from app.orders import service as orders
from app.orders.schemas import (STATUS, OrderDetailOut, OrderPageOut, OrderOut, OrderPlaceBody, OrderPlacedOut, OrderQuoteBody,
                                OrderDraftOut, OrderQuoteOut, OrderReasonBody, OrderRequiredReasonBody, QuickEntryBody)
from app.orders.schemas import OrderTrackingOut, TrackingLinkBody, TrackingLinkOut, TrackingLinksRevokedOut
from app.ratelimit import proof_upload_limited
from app.schemas import PageArgs, Schema, fields, page_body, validate

blp = Blueprint("mp_orders", __name__, url_prefix="/api/mp/orders", description="我的订单")


def _me():
    return f"agent:{g.agent.id}"


class MpOrderListArgs(PageArgs):
    status = fields.String(validate=STATUS)


@blp.route("/quote", methods=["POST"])
@agent_required
@blp.arguments(OrderQuoteBody)
@blp.response(200, OrderQuoteOut)
def quote(body):
    """What an order would cost at my level: subtotal, discounts, shipping to the province, total."""
    return orders.quote(items=body["items"], province=body["province"] or g.agent.province, buyer_agent=g.agent,
                           to_cloud=body["to_cloud"])


@blp.route("", methods=["POST"])
@agent_required
@blp.arguments(OrderPlaceBody)
@blp.response(201, OrderPlacedOut)
def place(body):
    """Place an order; a retry with the same idempotency_key answers the first order (repeated: true)."""
    order = orders.place_order(placed_by=_me(), buyer_agent=g.agent, **body)
    return order, 200 if order.repeated else 201


@blp.route("", methods=["GET"])
@agent_required
@blp.arguments(MpOrderListArgs, location="query")
@blp.response(200, OrderPageOut)
def my_orders(args):
    """My orders, newest first (optionally of one status)."""
    return page_body(orders.list_orders(buyer_agent_id=g.agent.id, status=args.get("status"),
                                         page=args["page"], per_page=args["per_page"]), args)


@blp.route("/<id:order_id>", methods=["GET"])
@agent_required
@blp.response(200, OrderDetailOut)
def my_order(order_id):
    """One of my orders with its lines and event log (anyone else's is 404)."""
    return orders.get_order(order_id, agent=g.agent)


@blp.route("/<id:order_id>/cancel", methods=["POST"])
@agent_required
@blp.arguments(OrderReasonBody)
@blp.response(200, OrderOut)
def cancel(body, order_id):
    """Cancel one of my orders while it is unpaid."""
    return orders.cancel(order_id, actor=_me(), agent=g.agent, reason=body["reason"] or "代理取消")


class MpWechatPaymentOut(Schema):
    appId = fields.String()
    timeStamp = fields.String()
    nonceStr = fields.String()
    package = fields.String()
    signType = fields.String()
    paySign = fields.String()


@blp.route("/<id:order_id>/wechat-payment", methods=["POST"])
@agent_required
@blp.response(200, MpWechatPaymentOut)
def start_wechat_payment(order_id):
    """Pay one of my unpaid orders by WeChat Pay: the parameters to pass to wx.requestPayment as they are.
    The order is paid when WeChat's notification arrives (GET the order to see it)."""
    return orders.start_wechat_payment(order_id, agent=g.agent, openid=g.wechat_user.openid,
                                         client_ip=request.remote_addr)


@blp.route("/<id:order_id>/goods-payment", methods=["POST"])
@agent_required
@blp.response(200, OrderDetailOut)
def pay_with_goods_balance(order_id):
    """Pay one of my unpaid orders from my goods-payment balance (货款余额): paid at once (409
    insufficient_goods_balance naming the shortfall when the balance is short; 409 when the order is not payable)."""
    return orders.pay_with_goods_balance(order_id, agent=g.agent)


class MpPaymentProofForm(Schema):
    reference = fields.String(load_default="", validate=validate.Length(max=64))


@blp.route("/<id:order_id>/payment-proof", methods=["POST"])
@agent_required
@proof_upload_limited
@blp.arguments(MpPaymentProofForm, location="form")
@blp.response(200, OrderDetailOut)
def submit_payment_proof(form, order_id):
    """Upload the bank-transfer proof of one of my unpaid orders (multipart: image, reference); finance confirms
    it, and until then the order shows awaiting_confirmation. A second upload replaces the first."""
    upload = request.files.get("image")
    return orders.submit_payment_proof(order_id, agent=g.agent, content=upload.read() if upload else b"",
                                         reference=form["reference"])


@blp.route("/<id:order_id>/payment-proof", methods=["GET"])
@agent_required
@blp.doc(responses={"200": {"description": "the proof image", "content": {"image/*": {}}}})
def payment_proof(order_id):
    """The transfer proof I uploaded for one of my orders."""
    path, mimetype, name = orders.payment_proof_file(order_id, agent=g.agent)
    return send_file(path, mimetype=mimetype, max_age=0, download_name=name)


@blp.route("/<id:order_id>/receive", methods=["POST"])
@agent_required
@blp.response(200, OrderOut)
def receive(order_id):
    """Confirm that one of my shipped orders arrived (签收)."""
    return orders.receive(order_id, actor=_me(), agent=g.agent)


@blp.route("/quick-entry", methods=["POST"])
@agent_required
@blp.arguments(QuickEntryBody)
@blp.response(200, OrderDraftOut)
def quick_entry(body):
    """Pasted chat text in, a draft order out (each field with how sure the parser is)."""
    return orders.draft_from_text(body["text"], buyer_agent=g.agent).to_dict()


@blp.route("/approvals", methods=["GET"])
@agent_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, OrderPageOut)
def awaiting_my_approval(args):
    """My downline's orders waiting for my approval."""
    return page_body(orders.awaiting_my_approval(g.agent, page=args["page"], per_page=args["per_page"]), args)


@blp.route("/approvals/<id:order_id>/approve", methods=["POST"])
@agent_required
@blp.arguments(OrderReasonBody)
@blp.response(200, OrderOut)
def approve(body, order_id):
    """Approve a downline's order: it becomes payable."""
    return orders.approve(order_id, actor=_me(), approver=g.agent, reason=body["reason"])


@blp.route("/approvals/<id:order_id>/reject", methods=["POST"])
@agent_required
@blp.arguments(OrderRequiredReasonBody)
@blp.response(200, OrderOut)
def reject(body, order_id):
    """Reject a downline's order with a reason."""
    return orders.reject(order_id, actor=_me(), approver=g.agent, reason=body["reason"])


@blp.route("/<id:order_id>/tracking", methods=["GET"])
@agent_required
@blp.response(200, OrderTrackingOut)
def order_tracking(order_id):
    """One of my orders' parcel trace (null before shipment) and its live share link (null when none)."""
    return orders.order_tracking(order_id, agent=g.agent)


@blp.route("/<id:order_id>/tracking-link", methods=["POST"])
@agent_required
@blp.arguments(TrackingLinkBody)
@blp.response(200, TrackingLinkOut)
def share_tracking_link(body, order_id):
    """The link to send my customer (made if none is live): show_prices true shows retail prices, never mine."""
    return orders.share_link(order_id, actor=_me(), agent=g.agent, show_prices=body["show_prices"])


@blp.route("/<id:order_id>/tracking-link", methods=["DELETE"])
@agent_required
@blp.response(200, TrackingLinksRevokedOut)
def revoke_tracking_link(order_id):
    """Stop my order's share links (the customer's page then says the link is no longer valid)."""
    return {"revoked": orders.revoke_links(order_id, actor=_me(), agent=g.agent)}
