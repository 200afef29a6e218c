"""The order state machine: the one table of allowed transitions."""
from app.errors import Conflict

STATE_NAMES = {
    "awaiting_approval": "待上级审核",
    "rejected": "上级已驳回",
    "pending_payment": "待付款",
    "paid": "已付款",
    "picking": "配货中",
    "shipped": "已发货",
    "received": "已签收",
    "completed": "已完成",
    "cancelled": "已取消",
    "refunded": "已退款",
    "stored": "已入云仓",
}

ACTION_NAMES = {
    "approve": "审核通过",
    "reject": "驳回",
    "pay": "确认付款",
    "pick": "开始配货",
    "ship": "发货",
    "receive": "确认收货",
    "complete": "完成",
    "cancel": "取消",
    "refund": "全额退款",
    "place": "下单",
    "partial_refund": "部分退款",
    "shipping_refund": "退还运费",
    "pay_repeated": "重复付款确认（未处理）",
    "stock_short": "库存不足",
    "proof_submitted": "上传付款凭证",
    "approver_changed": "审核人变更",
    "store": "入云仓",
    "refund_requested": "申请微信退款",
    "refund_failed": "微信退款失败",
    "tracking_link_revoked": "停用分享链接",
}

TRANSITIONS = {
    ("awaiting_approval", "approve"): "pending_payment",
    ("awaiting_approval", "reject"): "rejected",
    ("awaiting_approval", "cancel"): "cancelled",
    ("pending_payment", "pay"): "paid",
    ("pending_payment", "cancel"): "cancelled",
    ("paid", "pick"): "picking",
    ("paid", "store"): "stored",
    ("stored", "refund"): "refunded",
    ("paid", "cancel"): "cancelled",
    ("paid", "refund"): "refunded",
    ("picking", "ship"): "shipped",
    ("picking", "refund"): "refunded",
    ("shipped", "receive"): "received",
    ("shipped", "refund"): "refunded",
    ("received", "complete"): "completed",
    ("received", "refund"): "refunded",
    ("completed", "refund"): "refunded",
}

PAID_STATES = frozenset({"paid", "picking", "shipped", "received", "completed", "stored"})


def next_state(state, action):
    """The state `action` leads to from `state`, or Conflict (409) when it is not allowed."""
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise Conflict(f"订单{STATE_NAMES.get(state, state)}，不能{ACTION_NAMES.get(action, action)}",
                       code="illegal_transition")
    return target


# A paid order is either picked and shipped, or stored in its buyer's cloud stock (云仓): never both.
NOT_FOR_CLOUD_ORDERS, ONLY_FOR_CLOUD_ORDERS = frozenset({"pick"}), frozenset({"store"})


def allowed_actions(state, *, to_cloud=False):
    """The actions allowed from `state`, in table order (for an order bought into cloud stock when `to_cloud`)."""
    left_out = NOT_FOR_CLOUD_ORDERS if to_cloud else ONLY_FOR_CLOUD_ORDERS
    return [action for (source, action) in TRANSITIONS if source == state and action not in left_out]
