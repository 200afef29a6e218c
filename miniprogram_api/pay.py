"""WeChat Pay notifications: v2 payments (XML in, XML out, as WeChat expects — never the JSON error shape) and
APIv3 transfer results (JSON; an error is the JSON error shape with a 4xx, which WeChat Pay retries)."""
import logging

from flask import Response, request
from flask_smorest import Blueprint

from app import wechat_pay
from app.finance import service as finance
from app.http import error_response
from app.orders import payments

blp = Blueprint("wechat_pay", __name__, url_prefix="/api/pay", description="微信支付回调")
log = logging.getLogger(__name__)


def _xml(ok, message):
    code = "SUCCESS" if ok else "FAIL"
    body = f"<xml><return_code><![CDATA[{code}]]></return_code><return_msg><![CDATA[{message}]]></return_msg></xml>"
    return Response(body, status=200, mimetype="application/xml")


@blp.route("/wechat/notify", methods=["POST"])
def wechat_notify():
    """A payment result from WeChat Pay: signature checked, payment confirmed once; FAIL asks WeChat to retry."""
    try:
        return _xml(*payments.handle_wechat_notification(request.get_data()))
    except Exception:  # WeChat must get XML whatever happens; FAIL makes it try again later
        log.exception("WeChat Pay notification failed")
        return _xml(False, "系统繁忙")


@blp.route("/wechat/transfer-notify", methods=["POST"])
def wechat_transfer_notify():
    """A 商家转账 result (APIv3, JSON): verified and decrypted, the withdrawal paid — or failed and its money
    returned — once. 204 when applied (or a repeat); 400/401 (forged, stale, unreadable, unknown bill, another
    amount) changes nothing and makes WeChat Pay send it again later."""
    try:
        finance.handle_transfer_notification(headers=request.headers, body=request.get_data())
    except wechat_pay.NotificationRejected as exc:
        log.warning("WeChat Pay transfer notification rejected: %s", exc.reason)
        return error_response(401, "notification_rejected", "通知验签失败")
    except wechat_pay.PayUnavailable:  # no APIv3 configured here
        return error_response(503, "wechat_pay_not_configured", "未配置微信支付")
    return Response(status=204)
