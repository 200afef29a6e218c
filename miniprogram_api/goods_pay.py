"""WeChat Pay's notifications of goods-balance top-ups (货款充值): v2 (XML in and out) and APIv3 (JSON: 204 when
credited, else a 4xx in our error shape, which WeChat Pay retries). Their own URLs, apart from the orders'.

Branch pay-in's `miniprogram_api.pay._v3_answer(handle)` does what `wechat_v3_goods_notify` does (with WeChat's
{"code": "FAIL"} body beside ours, which the fuzz test of the error shape refuses): once both are merged, one of
them should serve both routes.
"""
import json
import logging

from flask import Response, request
from flask_smorest import Blueprint

from app.errors import DomainError
from app.finance import service as finance
from app.wechat_pay import NotificationRejected, PayError
from miniprogram_api.pay import _xml  # the orders' v2 answer, the same XML

blp = Blueprint("wechat_pay_goods", __name__, url_prefix="/api/pay", description="微信支付回调（货款充值）")
log = logging.getLogger(__name__)


def _v3_failure(status, code, message):
    """Not applied: WeChat Pay retries any answer but 2xx; the body is our one error shape (as every 4xx of the
    documented API), which names why."""
    body = {"error": {"code": code, "message": message, "fields": {}}}
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


@blp.route("/wechat/goods-notify", methods=["POST"])
def wechat_goods_notify():
    """A top-up's payment result from WeChat Pay (v2): signature checked, credited once; FAIL asks WeChat to retry."""
    try:
        return _xml(*finance.handle_wechat_top_up_notification(request.get_data()))
    except Exception:  # WeChat must get XML whatever happens; FAIL makes it try again later
        log.exception("WeChat Pay top-up notification failed")
        return _xml(False, "系统繁忙")


@blp.route("/wechat/v3/goods-notify", methods=["POST"])
def wechat_v3_goods_notify():
    """A top-up's payment result from WeChat Pay APIv3: verified, decrypted, credited once (204); 4xx for one that
    is not WeChat's or cannot apply, 503 when it cannot be taken now (WeChat retries)."""
    try:
        finance.handle_wechat_top_up_v3_notification(headers=request.headers, body=request.get_data())
        return Response(status=204)
    except NotificationRejected as exc:
        log.warning("WeChat Pay v3 top-up notification rejected: %s", exc.reason)
        return _v3_failure(400, "notification_rejected", "通知验签或解密失败")
    except DomainError as exc:
        log.warning("WeChat Pay v3 top-up notification not applied: %s", exc.code)
        return _v3_failure(exc.status if 400 <= exc.status < 500 else 503, exc.code, exc.message)
    except PayError:  # not on APIv3 here: nothing to apply (any non-2xx answer is retried by WeChat Pay)
        return _v3_failure(400, "wechat_pay_not_configured", "未配置微信支付")
    except Exception:  # WeChat must get an answer whatever happens; a 5xx makes it try again later
        log.exception("WeChat Pay v3 top-up notification failed")
        return _v3_failure(503, "busy", "系统繁忙")
