"""WeChat Pay notifications: v2 (XML in, XML out, as WeChat expects) and APIv3 — payments, refunds, 商家转账
transfers (JSON: 204, or a 4xx/5xx in our error shape, which WeChat Pay retries)."""
import json
import logging

from flask import Response, request

from app.errors import DomainError
from app.finance import service as finance
from app.http import Blueprint
from app.orders import service as orders
from app.wechat_pay import NotificationRejected, PayError

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
        return _xml(*orders.handle_wechat_notification(request.get_data()))
    except Exception:  # WeChat must get XML whatever happens; FAIL makes it try again later
        log.exception("WeChat Pay notification failed")
        return _xml(False, "系统繁忙")


def v3_answer(handle):
    """Run a v3 notification's handler (an order's payment or refund, a goods top-up): 204 when applied (or a
    repeat), else our error shape — 4xx for a notification that is not WeChat's or cannot
    apply (not on APIv3 here: nothing to apply), 503 when we cannot take it now (WeChat Pay retries)."""
    try:
        handle(headers=request.headers, body=request.get_data())
        return Response(status=204)
    except NotificationRejected as exc:
        log.warning("WeChat Pay v3 notification rejected: %s", exc.reason)
        return _v3_failure(400, "notification_rejected", "通知验签或解密失败")
    except DomainError as exc:
        log.warning("WeChat Pay v3 notification not applied: %s", exc.code)
        return _v3_failure(exc.status if 400 <= exc.status < 500 else 503, exc.code, exc.message)
    except PayError:
        return _v3_failure(400, "wechat_pay_not_configured", "未配置微信支付")
    except Exception:  # WeChat must get an answer whatever happens; a 5xx makes it try again later
        log.exception("WeChat Pay v3 notification failed")
        return _v3_failure(503, "busy", "系统繁忙")


def _v3_failure(status, code, message):
    """Not applied: WeChat Pay retries any answer but a 2xx whatever its body, so the body is our one error shape
    (as every 4xx of the documented API), which names why."""
    body = {"error": {"code": code, "message": message, "fields": {}}}
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


@blp.route("/wechat/refund-notify", methods=["POST"])
def wechat_refund_notify():
    """A refund result from WeChat Pay (v2): `req_info` decrypted, the refund's books written once; FAIL asks WeChat
    to retry."""
    try:
        return _xml(*orders.handle_wechat_v2_refund_notification(request.get_data()))
    except Exception:  # WeChat must get XML whatever happens; FAIL makes it try again later
        log.exception("WeChat Pay refund notification failed")
        return _xml(False, "系统繁忙")


@blp.route("/wechat/v3/notify", methods=["POST"])
def wechat_v3_notify():
    """A payment result from WeChat Pay APIv3: verified, decrypted, the order confirmed once (204)."""
    return v3_answer(orders.handle_wechat_payment_notification)


@blp.route("/wechat/v3/refund-notify", methods=["POST"])
def wechat_v3_refund_notify():
    """A refund result from WeChat Pay APIv3: verified, decrypted, the refund's books written once (204)."""
    return v3_answer(orders.handle_wechat_refund_notification)


@blp.route("/wechat/v3/transfer-notify", methods=["POST"])
def wechat_v3_transfer_notify():
    """A 商家转账 result from WeChat Pay APIv3: verified, decrypted, the withdrawal paid — or failed and its money
    returned — once (204); an unknown bill or another amount is refused and changes nothing."""
    return v3_answer(finance.handle_transfer_notification)
