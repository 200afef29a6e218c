"""JSON shapes of cloud stock, 转货 and pickups, shared by the mini-program API and the console API."""
from app.cloud.service import PICKUP_STATE_NAMES
from app.orders.schemas import ConsigneeBody, OrderItemBody
from app.schemas import RowId, Schema, UtcDateTime, Yuan, fields, page_schema, validate

MOVE_REASON_NAMES = {"purchase": "进货入云仓", "transfer_in": "转货转入", "transfer_out": "转货转出",
                     "pickup": "提货", "pickup_cancel": "提货取消退回", "refund": "退款退回品牌",
                     "reversal": "转货撤销"}


class CloudHoldingOut(Schema):
    agent_id = fields.Integer()
    agent_name = fields.String()
    product_id = fields.Integer()
    product_name = fields.String()
    unit = fields.String()
    warehouse_id = fields.Integer()
    warehouse_name = fields.String()
    units = fields.Integer()
    held_since = UtcDateTime(allow_none=True)
    held_days = fields.Integer()
    held_months = fields.Integer()


class CloudOfferOut(Schema):
    product_id = fields.Integer()
    product_name = fields.String()
    unit = fields.String()
    price = Yuan(attribute="price_fen")
    available = fields.Integer()


class CloudTransferBody(Schema):
    idempotency_key = fields.String(required=True, validate=validate.Length(min=1, max=64))
    product_id = RowId(required=True, strict=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=9999))


class CloudTransferOut(Schema):
    id = fields.Integer()
    upline_id = fields.Integer()
    downline_id = fields.Integer()
    product_id = fields.Integer()
    warehouse_id = fields.Integer()
    quantity = fields.Integer()
    unit_price = Yuan(attribute="unit_price_fen")
    amount = Yuan(attribute="amount_fen")
    created_at = UtcDateTime()
    reversed_at = UtcDateTime(allow_none=True)
    reversal_reason = fields.String()


class CloudTransferDoneOut(Schema):
    transfer = fields.Nested(CloudTransferOut)
    product_name = fields.String()
    repeated = fields.Boolean()


class CloudPickupBody(Schema):
    idempotency_key = fields.String(required=True, validate=validate.Length(min=1, max=64))
    items = fields.List(fields.Nested(OrderItemBody), required=True, validate=validate.Length(min=1, max=50))
    consignee = fields.Nested(ConsigneeBody, load_default=None)
    remark = fields.String(load_default="", validate=validate.Length(max=255))


class CloudPickupLineOut(Schema):
    product_id = fields.Integer()
    product_name = fields.String()
    quantity = fields.Integer()


class CloudPickupOut(Schema):
    id = fields.Integer()
    agent_id = fields.Integer()
    warehouse_id = fields.Integer()
    status = fields.String()
    status_name = fields.Function(lambda pickup: PICKUP_STATE_NAMES.get(pickup.status, pickup.status))
    consignee = fields.Function(lambda pickup: {
        "name": pickup.consignee_name, "phone": pickup.consignee_phone, "province": pickup.province,
        "city": pickup.city, "district": pickup.district, "address": pickup.address})
    dropship = fields.Boolean()
    remark = fields.String()
    units = fields.Integer()
    shipping = Yuan(attribute="shipping_fen")
    carrier = fields.String()
    tracking_no = fields.String()
    created_at = UtcDateTime()
    shipped_at = UtcDateTime(allow_none=True)
    lines = fields.Function(lambda pickup: CloudPickupLineOut(many=True).dump(getattr(pickup, "line_list", [])))


class CloudPickupCreatedOut(Schema):
    pickup = fields.Nested(CloudPickupOut)
    repeated = fields.Boolean()


class CloudMoveOut(Schema):
    id = fields.Integer()
    agent_id = fields.Integer()
    product_id = fields.Integer()
    warehouse_id = fields.Integer()
    delta = fields.Integer()
    reason = fields.String()
    reason_name = fields.Function(lambda move: MOVE_REASON_NAMES.get(move.reason, move.reason))
    reference = fields.String()
    actor = fields.String()
    created_at = UtcDateTime()


CloudTransferPageOut = page_schema(CloudTransferOut)
CloudPickupPageOut = page_schema(CloudPickupOut)
CloudMovePageOut = page_schema(CloudMoveOut)
CloudHoldingPageOut = page_schema(CloudHoldingOut)
