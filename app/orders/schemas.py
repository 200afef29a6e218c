"""Request and response shapes the console and the mini-program share for orders."""
from marshmallow import EXCLUDE

from app.clock import isoformat
from app.orders import service
from app.orders.states import ACTION_NAMES, STATE_NAMES, allowed_actions
from app.schemas import RowId, Schema, UtcDateTime, Yuan, fields, page_schema, validate

STATUS = validate.OneOf(list(STATE_NAMES))


class OrderItemBody(Schema):
    product_id = RowId(required=True, strict=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=9999))


class ConsigneeBody(Schema):
    name = fields.String(load_default="", validate=validate.Length(max=64))
    phone = fields.String(load_default="", validate=validate.Length(max=20))
    province = fields.String(load_default="", validate=validate.Length(max=32))
    city = fields.String(load_default="", validate=validate.Length(max=32))
    district = fields.String(load_default="", validate=validate.Length(max=32))
    address = fields.String(load_default="", validate=validate.Length(max=255))


ITEMS = dict(required=True, validate=validate.Length(min=1, max=50))


class OrderQuoteBody(Schema):
    items = fields.List(fields.Nested(OrderItemBody), **ITEMS)
    province = fields.String(load_default="", validate=validate.Length(max=32))
    to_cloud = fields.Boolean(load_default=False)   # into my cloud stock (云仓): no shipping


class OrderPlaceBody(Schema):
    idempotency_key = fields.String(required=True, validate=validate.Length(min=1, max=64))
    items = fields.List(fields.Nested(OrderItemBody), **ITEMS)
    consignee = fields.Nested(ConsigneeBody, load_default=None)
    remark = fields.String(load_default="", validate=validate.Length(max=255))
    to_cloud = fields.Boolean(load_default=False)   # buy into my cloud stock (云仓): stored, not shipped


class OrderReasonBody(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=255))


class OrderRequiredReasonBody(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))


class QuickEntryBody(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class DraftGuessOut(Schema):
    value = fields.String()
    confidence = fields.String()
    reason = fields.String()


class DraftItemOut(Schema):
    product_id = fields.Integer(allow_none=True)
    quantity = fields.Integer()
    matched_text = fields.String()
    confidence = fields.String()
    reason = fields.String()
    quantity_confidence = fields.String()
    quantity_reason = fields.String()


class OrderDraftOut(Schema):
    """A quick-entry draft: each consignee field a guess with its confidence."""

    name = fields.Nested(DraftGuessOut)
    phone = fields.Nested(DraftGuessOut)
    province = fields.Nested(DraftGuessOut)
    city = fields.Nested(DraftGuessOut)
    district = fields.Nested(DraftGuessOut)
    address = fields.Nested(DraftGuessOut)
    remark = fields.Nested(DraftGuessOut)
    adcode = fields.String()
    items = fields.List(fields.Nested(DraftItemOut))
    unparsed = fields.List(fields.String())
    truncated = fields.Boolean()


class QuoteLineOut(Schema):
    product_id = fields.Integer()
    product_name = fields.String()
    quantity = fields.Integer()
    unit_price = Yuan(attribute="unit_price_fen")
    amount = Yuan(attribute="amount_fen")
    discount = Yuan(attribute="discount_fen")
    paid = Yuan(attribute="paid_fen")


class OrderQuoteOut(Schema):
    lines = fields.Method("quote_lines")
    subtotal = Yuan(attribute="breakdown.subtotal_fen")
    level_discount = Yuan(attribute="breakdown.level_discount_fen")
    promotion_discount = Yuan(attribute="breakdown.promotion_discount_fen")
    promotion_name = fields.String(attribute="breakdown.promotion_name")
    shipping = Yuan(attribute="breakdown.shipping_fen")
    total = Yuan(attribute="breakdown.total_fen")

    def quote_lines(self, quote):
        return [{**QuoteLineOut().dump(line), "product_name": quote.names[line.product_id]}
                for line in quote.breakdown.lines]


class OrderLineOut(Schema):
    product_id = fields.Integer()
    product_name = fields.String()
    quantity = fields.Integer()
    unit_price = Yuan(attribute="unit_price_fen")
    discount = Yuan(attribute="discount_fen")
    paid = Yuan(attribute="paid_fen")
    refunded_quantity = fields.Integer()
    refunded = Yuan(attribute="refunded_fen")


class OrderEventOut(Schema):
    action = fields.String()
    action_name = fields.Function(lambda event: ACTION_NAMES.get(event.action, event.action))
    from_state = fields.String()
    to_state = fields.String()
    actor = fields.String()
    reason = fields.String()
    created_at = UtcDateTime()


def proof_field(orders_path):
    """The agent's uploaded transfer proof ({url, reference, uploaded_at}, or null), its image under `orders_path`."""
    return fields.Function(lambda order: {
        "url": f"{orders_path}/{order.id}/payment-proof", "reference": order.payment_ref,
        "uploaded_at": isoformat(order.proof_submitted_at)} if order.proof_submitted_at else None)


class OrderOut(Schema):
    id = fields.Integer()
    order_no = fields.Function(service.order_no)
    status = fields.String()
    status_name = fields.Function(lambda order: STATE_NAMES.get(order.status, order.status))
    actions = fields.Function(lambda order: allowed_actions(order.status, to_cloud=order.to_cloud))
    buyer_agent_id = fields.Integer(allow_none=True)
    consignee = fields.Function(lambda order: {
        "name": order.consignee_name, "phone": order.consignee_phone, "province": order.province,
        "city": order.city, "district": order.district, "address": order.address})
    dropship = fields.Boolean()
    to_cloud = fields.Boolean()
    remark = fields.String()
    units = fields.Integer()
    subtotal = Yuan(attribute="subtotal_fen")
    level_discount = Yuan(attribute="level_discount_fen")
    promotion_discount = Yuan(attribute="promotion_discount_fen")
    promotion_name = fields.String()
    shipping = Yuan(attribute="shipping_fen")
    total = Yuan(attribute="total_fen")
    refunded = Yuan(attribute="refunded_fen")
    payment_method = fields.String()
    payment_proof = proof_field("/api/mp/orders")
    awaiting_confirmation = fields.Function(
        lambda order: order.status == "pending_payment" and order.proof_submitted_at is not None)
    carrier = fields.String()
    tracking_no = fields.String()
    created_at = UtcDateTime()
    paid_at = UtcDateTime(allow_none=True)
    shipped_at = UtcDateTime(allow_none=True)
    received_at = UtcDateTime(allow_none=True)


OrderPageOut = page_schema(OrderOut)


class OrderDetailOut(OrderOut):
    lines = fields.List(fields.Nested(OrderLineOut), attribute="line_list")
    events = fields.List(fields.Nested(OrderEventOut), attribute="event_log")


class OrderPlacedOut(OrderDetailOut):
    repeated = fields.Boolean()


class TraceLineOut(Schema):
    at = UtcDateTime()
    place = fields.String()
    text = fields.String()
    status = fields.String()


class ParcelTraceOut(Schema):
    carrier_code = fields.String()
    carrier_name = fields.String()
    tracking_no = fields.String()
    state = fields.String()
    state_name = fields.String()
    subscription = fields.String()
    subscription_name = fields.String()
    provider_configured = fields.Boolean()
    lines = fields.List(fields.Nested(TraceLineOut))


class TrackingLinkOut(Schema):
    url = fields.String()
    show_prices = fields.Boolean()
    created_at = UtcDateTime()


class OrderTrackingOut(Schema):
    order_id = fields.Integer()
    trace = fields.Nested(ParcelTraceOut, allow_none=True)
    link = fields.Nested(TrackingLinkOut, allow_none=True)


class TrackingLinkBody(Schema):
    """Optional settings of a share link; other fields are ignored (the body may be empty)."""

    class Meta:
        unknown = EXCLUDE

    show_prices = fields.Boolean(load_default=None, allow_none=True)


class TrackingLinksRevokedOut(Schema):
    revoked = fields.Integer()


class CarrierOut(Schema):
    code = fields.Function(lambda pair: pair[0])
    name = fields.Function(lambda pair: pair[1])
