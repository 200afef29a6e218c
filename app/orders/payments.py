"""Payment: starting a WeChat Pay (v2) payment in the mini-program, its notifications (signature checked by
wechatpy), and offline-transfer proofs."""
import logging
import os
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

from wechatpy.exceptions import InvalidSignatureException

from app.clock import utcnow
from app.config import get_settings
from app.database import db
from app.errors import Conflict, InvalidInput, NotFound
from app.notify.service import RECIPIENT_OWNERS
from app.notify.service import enqueue
from app.orders import service
from app.orders.models import Order
from app.orders.states import next_state
from app.uploads import file_type, served_as, store_by_content
from app.wechat import failures_as_domain_errors, pay_client

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
    """The parameters `wx.requestPayment` needs to pay one of the agent's unpaid orders (统一下单, JSAPI).

    Every request for the same order sends WeChat the same order (number, amount,
    closing time), so asking again — a retry, a second tap — answers the same prepay id.
    """
    order = service.get_order(order_id, agent=agent)
    next_state(order.status, "pay")
    settings = get_settings()
    if not settings.wechat_pay_configured:
        raise Conflict("品牌尚未开通微信支付，请转账后上传付款凭证", code="wechat_pay_not_configured")
    now = utcnow()
    closes_at = order.payment_due_at or now + timedelta(hours=2)
    if closes_at - now < SHORTEST_PAYMENT_WINDOW:
        raise Conflict("订单即将超时关闭，请重新下单", code="payment_window_closing")
    client, number = pay_client(), service.order_no(order)
    with failures_as_domain_errors("WeChat Pay unified order", refusals=PAYMENT_REFUSALS):
        prepay = client.order.create(
            trade_type="JSAPI", body=f"{settings.BRAND_NAME}-订单{number}"[:40],
            total_fee=order.total_fen, notify_url=settings.PUBLIC_BASE_URL.rstrip("/") + NOTIFY_PATH,
            client_ip=client_ip or "127.0.0.1", user_id=openid, out_trade_no=number,
            time_start=_beijing(order.created_at), time_expire=_beijing(closes_at))
    return client.jsapi.get_jsapi_params(prepay["prepay_id"])


def _beijing(moment):
    return moment.replace(tzinfo=timezone.utc).astimezone(WECHAT_PAY_ZONE)
MAX_PROOF_BYTES = 2 * 1024 * 1024
PROOF_TYPES = ("jpg", "png", "webp")


def handle_wechat_notification(xml):
    """Confirm the payment a WeChat Pay notification reports; (ok, message) for the XML answer.

    ok False asks WeChat to send it again (bad signature, unknown order, amount
    mismatch); a repeated notification of a confirmed payment is ok and changes nothing.
    """
    settings = get_settings()
    if not settings.wechat_pay_configured:
        return False, "未配置微信支付"
    try:
        data = pay_client().parse_payment_result(xml)
    except InvalidSignatureException:
        log.warning("WeChat Pay notification with a bad signature")
        return False, "签名错误"
    if data.get("return_code") != "SUCCESS" or data.get("result_code") != "SUCCESS":
        return True, "OK"
    if data.get("mch_id") != settings.WECHAT_PAY_MCH_ID or data.get("appid") != settings.WECHAT_MP_APPID:
        return False, "商户号不符"
    order_id = service.id_from_order_no(data.get("out_trade_no"))
    if order_id is None:
        return False, "订单不存在"
    try:
        service.confirm_payment(order_id, actor=WECHAT_ACTOR, method="wechat", amount_fen=data.get("total_fee", -1),
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


def save_payment_proof(content):
    """Store a transfer proof image (JPEG, PNG or WebP, at most 2 MB) under the upload directory; its relative path."""
    if not content:
        raise InvalidInput.on("proof", "请上传付款凭证图片")
    if len(content) > MAX_PROOF_BYTES:
        raise InvalidInput.on("proof", "付款凭证图片不能超过2MB")
    extension = file_type(content, PROOF_TYPES)
    if extension is None:
        raise InvalidInput.on("proof", "付款凭证须是 JPG、PNG 或 WebP 图片")
    return store_by_content(content, folder=os.path.join(get_settings().UPLOAD_DIR, "payment-proofs"),
                            extension=extension)


def submit_payment_proof(order_id, *, agent, content, reference=""):
    """The buyer agent uploads its transfer proof for its unpaid order (a second upload replaces the first);
    finance sees it and confirms. Returns the order."""
    service.get_order(order_id, agent=agent)  # someone else's order is 404 whatever was sent
    proof = save_payment_proof(content)
    with db.atomic():
        order = service.lock_order(order_id, agent=agent)
        if order.status != "pending_payment":
            raise Conflict("订单不在待付款状态，不能上传付款凭证", code="not_awaiting_payment")
        first = order.proof_submitted_at is None
        Order.update(payment_proof=proof, payment_ref=reference[:64], proof_submitted_at=utcnow()).where(
            Order.id == order.id).execute()
        service.log_event(order, "proof_submitted", actor=f"agent:{agent.id}", reason=reference[:64])
        enqueue(kind="order_proof_submitted", recipient=RECIPIENT_OWNERS,
                data={"order_id": order.id, "order_no": service.order_no(order), "first": first},
                dedupe_key=f"order:{order.id}:proof:{proof}")
    return service.get_order(order_id, agent=agent)


def payment_proof_file(order_id, *, agent=None):
    """(path on disk, mimetype, download name) of the order's transfer proof, served as the type it was verified
    as (the buyer's own order when `agent` is given)."""
    order = service.get_order(order_id, agent=agent)
    extension = order.payment_proof.rsplit(".", 1)[-1] if order.payment_proof else ""
    path = os.path.abspath(os.path.join(get_settings().UPLOAD_DIR, order.payment_proof))
    if extension not in PROOF_TYPES or not os.path.isfile(path):
        raise NotFound("该订单没有付款凭证", code="no_payment_proof")
    return (path, *served_as(order.payment_proof, f"proof-{order_id}"))


def confirm_offline_payment(order_id, *, actor, amount_fen, payment_ref="", proof_content=None):
    """Finance confirms an offline transfer (with its proof image when given); returns (order, confirmed_now)."""
    proof = save_payment_proof(proof_content) if proof_content is not None else ""
    return service.confirm_payment(order_id, actor=actor, method="offline", amount_fen=amount_fen,
                                   payment_ref=payment_ref, proof=proof)
