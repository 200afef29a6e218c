"""WeChat Pay (v2) payment notifications: XML in, XML out, as WeChat expects — never the JSON error shape."""
import logging

from flask import Response, request
from flask_smorest import Blueprint

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
