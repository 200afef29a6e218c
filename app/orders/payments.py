"""Payment arriving: WeChat Pay v2 notifications (signature checked by wechatpy) and offline-transfer proofs."""
import hashlib
import logging
import os

from wechatpy.exceptions import InvalidSignatureException
from wechatpy.pay import WeChatPay

from app.config import get_settings
from app.database import db
from app.errors import Conflict, InvalidInput
from app.notify.models import RECIPIENT_OWNERS
from app.notify.service import enqueue
from app.orders import service

log = logging.getLogger(__name__)

WECHAT_ACTOR = "wechat_pay"
MAX_PROOF_BYTES = 2 * 1024 * 1024
PROOF_TYPES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}


def handle_wechat_notification(xml):
    """Confirm the payment a WeChat Pay notification reports; (ok, message) for the XML answer.

    ok False asks WeChat to send it again (bad signature, unknown order, amount
    mismatch); a repeated notification of a confirmed payment is ok and changes nothing.
    """
    settings = get_settings()
    if not settings.wechat_pay_configured:
        return False, "未配置微信支付"
    pay = WeChatPay(appid=settings.WECHAT_MP_APPID, api_key=settings.WECHAT_PAY_API_KEY,
                    mch_id=settings.WECHAT_PAY_MCH_ID)
    try:
        data = pay.parse_payment_result(xml)
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
    """Store a transfer proof image (JPEG or PNG, at most 2 MB) under the upload directory; its relative path."""
    if not content:
        raise InvalidInput.on("proof", "请上传付款凭证图片")
    if len(content) > MAX_PROOF_BYTES:
        raise InvalidInput.on("proof", "付款凭证图片不能超过2MB")
    extension = next((ext for magic, ext in PROOF_TYPES.items() if content.startswith(magic)), None)
    if extension is None:
        raise InvalidInput.on("proof", "付款凭证须是 JPG 或 PNG 图片")
    name = f"payment-proofs/{hashlib.sha256(content).hexdigest()}.{extension}"
    path = os.path.join(get_settings().UPLOAD_DIR, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not os.path.exists(path):
        with open(path + ".part", "wb") as handle:
            handle.write(content)
        os.replace(path + ".part", path)
    return name


def confirm_offline_payment(order_id, *, actor, amount_fen, payment_ref="", proof_content=None):
    """Finance confirms an offline transfer (with its proof image when given); returns (order, confirmed_now)."""
    proof = save_payment_proof(proof_content) if proof_content is not None else ""
    return service.confirm_payment(order_id, actor=actor, method="offline", amount_fen=amount_fen,
                                   payment_ref=payment_ref, proof=proof)
