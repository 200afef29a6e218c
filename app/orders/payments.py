"""Payment: starting a WeChat Pay payment in the mini-program — APIv3 (`wechat_payments`) or the legacy v2,
as configured — the v2 notifications (signature checked by wechatpy), and offline-transfer proofs."""
import logging
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

from app.clock import utcnow
from app.config import get_settings
from app.database import atomic_with_retry, db
from app.errors import Conflict
from app.finance import service as finance
from app.notify.service import RECIPIENT_OWNERS
from app.notify.service import enqueue
from app.orders import lifecycle, wechat_payments
from app.orders.models import Order
from app.orders.states import next_state
from app.uploads import payment_proof_file as payment_proof_file_of, save_payment_proof
from app.wechat import failures_as_domain_errors
from app.wechat_pay import NotificationRejected, api_version, v2_client as pay_client, v2_payment_result

log = logging.getLogger(__name__)

WECHAT_ACTOR = "wechat_pay"
NOTIFY_PATH = "/api/pay/wechat/notify"
# WeChat Pay refuses an order that closes sooner than this; ours would be cancelled before the user could pay.
SHORTEST_PAYMENT_WINDOW = timedelta(minutes=5)
WECHAT_PAY_ZONE = ZoneInfo("Asia/Shanghai")  # WeChat Pay's times are Beijing time, whatever the brand's zone
PAYMENT_REFUSALS = {
    "ORDERPAID": Conflict("该订单已在微信支付，请稍候刷新订单", code="already_paid"),
    "ORDERCLOSED": Conflict("该订单的微信支付已关闭，请重新下单", code="payment_closed"),
    "OUT_TRADE_NO_USED": Conflict("该订单的付款信息已变化，请重新下单", code="payment_changed"),
}


def start_wechat_payment(order_id, *, agent, openid, client_ip):
    """The parameters `wx.requestPayment` needs to pay one of the agent's unpaid orders (JSAPI: APIv3's
    /v3/pay/transactions/jsapi, signType RSA, or v2's 统一下单, by configuration).

    Every request for the same order sends WeChat the same order (number, amount,
    closing time), so asking again — a retry, a second tap — answers the same prepay id.
    """
    order = lifecycle.get_order(order_id, agent=agent)
    next_state(order.status, "pay")
    settings = get_settings()
    if not settings.wechat_pay_configured:
        raise Conflict("品牌尚未开通微信支付，请转账后上传付款凭证", code="wechat_pay_not_configured")
    now = utcnow()
    closes_at = order.payment_due_at or now + timedelta(hours=2)
    if closes_at - now < SHORTEST_PAYMENT_WINDOW:
        raise Conflict("订单即将超时关闭，请重新下单", code="payment_window_closing")
    if api_version() == "v3":
        return wechat_payments.start_payment(order, openid=openid, closes_at=closes_at)
    client, number = pay_client(), lifecycle.order_no(order)
    with failures_as_domain_errors("WeChat Pay unified order", refusals=PAYMENT_REFUSALS):
        prepay = client.order.create(
            trade_type="JSAPI", body=f"{settings.BRAND_NAME}-订单{number}"[:40],
            total_fee=order.total_fen, notify_url=settings.PUBLIC_BASE_URL.rstrip("/") + NOTIFY_PATH,
            client_ip=client_ip or "127.0.0.1", user_id=openid, out_trade_no=number,
            time_start=_beijing(order.created_at), time_expire=_beijing(closes_at))
    return client.jsapi.get_jsapi_params(prepay["prepay_id"])


def _beijing(moment):
    return moment.replace(tzinfo=timezone.utc).astimezone(WECHAT_PAY_ZONE)


def handle_wechat_notification(xml):
    """Confirm the payment a WeChat Pay notification reports; (ok, message) for the XML answer.

    ok False asks WeChat to send it again (bad signature, unknown order, amount
    mismatch); a repeated notification of a confirmed payment is ok and changes nothing.
    """
    try:
        data = v2_payment_result(xml)
    except NotificationRejected as exc:
        log.warning("WeChat Pay notification refused: %s", exc.reason)
        return False, exc.answer
    if data is None:
        return True, "OK"
    order_id = lifecycle.id_from_order_no(data.get("out_trade_no"))
    if order_id is None:
        return False, "订单不存在"
    try:
        lifecycle.confirm_payment(order_id, actor=WECHAT_ACTOR, method="wechat", amount_fen=data.get("total_fee", -1),
                                payment_ref=str(data.get("transaction_id", "")))
    except Conflict as exc:
        if exc.code == "amount_mismatch":
            return False, "金额不符"
        _paid_after_close(order_id, data)
    return True, "OK"


def _paid_after_close(order_id, data):
    """Money arrived for an order that can no longer be paid (cancelled meanwhile): the owners must refund it."""
    with db.atomic():
        enqueue(kind="order_paid_after_close", recipient=RECIPIENT_OWNERS,
                data={"order_id": order_id, "transaction_id": data.get("transaction_id"),
                      "total_fee": data.get("total_fee")},
                dedupe_key=f"order:{order_id}:paid_after_close:{data.get('transaction_id')}")


def submit_payment_proof(order_id, *, agent, content, reference=""):
    """The buyer agent uploads its transfer proof for its unpaid order (a second upload replaces the first);
    finance sees it and confirms. Returns the order."""
    lifecycle.get_order(order_id, agent=agent)  # someone else's order is 404 whatever was sent
    proof = save_payment_proof(content)
    with db.atomic():
        order = lifecycle.lock_order(order_id, agent=agent)
        if order.status != "pending_payment":
            raise Conflict("订单不在待付款状态，不能上传付款凭证", code="not_awaiting_payment")
        first = order.proof_submitted_at is None
        Order.update(payment_proof=proof, payment_ref=reference[:64], proof_submitted_at=utcnow()).where(
            Order.id == order.id).execute()
        lifecycle.log_event(order, "proof_submitted", actor=f"agent:{agent.id}", reason=reference[:64])
        enqueue(kind="order_proof_submitted", recipient=RECIPIENT_OWNERS,
                data={"order_id": order.id, "order_no": lifecycle.order_no(order), "first": first},
                dedupe_key=f"order:{order.id}:proof:{proof}")
    return lifecycle.get_order(order_id, agent=agent)


def payment_proof_file(order_id, *, agent=None):
    """(path on disk, mimetype, download name) of the order's transfer proof, served as the type it was verified
    as (the buyer's own order when `agent` is given)."""
    order = lifecycle.get_order(order_id, agent=agent)
    return payment_proof_file_of(order.payment_proof, stem=f"proof-{order_id}", missing="该订单没有付款凭证")


GOODS_BALANCE_METHOD = "goods_balance"


def pay_with_goods_balance(order_id, *, agent):
    """Pay one of the agent's unpaid orders from its goods-payment balance (货款余额): the balance is debited (one
    guarded UPDATE; short is 409 naming the shortfall, and nothing changes) and the order is paid and settled as a
    confirmed payment, in one transaction. Returns the order; paying it again is 409."""
    actor = f"agent:{agent.id}"

    def work():
        order, lines = lifecycle.lock_order_with_lines(order_id, agent=agent)
        next_state(order.status, "pay")
        if order.total_fen > 0:  # an order a promotion made free has nothing to take
            finance.debit_goods(agent_id=agent.id, amount_fen=order.total_fen, reason="order",
                                reference=lifecycle.stock_reference(order.id), actor=actor,
                                memo=f"订单 {lifecycle.order_no(order)} 付款")
        lifecycle.confirm_locked_payment(order, lines=lines, actor=actor, method=GOODS_BALANCE_METHOD,
                                       amount_fen=order.total_fen, payment_ref="货款余额")
    atomic_with_retry(work)
    return lifecycle.get_order(order_id, agent=agent)


def confirm_offline_payment(order_id, *, actor, amount_fen, payment_ref="", proof_content=None):
    """Finance confirms an offline transfer (with its proof image when given); returns (order, confirmed_now)."""
    proof = save_payment_proof(proof_content) if proof_content is not None else ""
    return lifecycle.confirm_payment(order_id, actor=actor, method="offline", amount_fen=amount_fen,
                                   payment_ref=payment_ref, proof=proof)
