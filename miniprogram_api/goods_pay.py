"""WeChat Pay's notifications of goods-balance top-ups (货款充值): v2 (XML in and out) and APIv3 (answered as the
orders' notifications are, by `miniprogram_api.pay.v3_answer`). Their own URLs, apart from the orders'."""
import logging

from flask import request

from app.finance import service as finance
from app.http import Blueprint
from miniprogram_api.pay import _xml, v3_answer  # the orders' answers: the same XML, the same v3 shapes

blp = Blueprint("wechat_pay_goods", __name__, url_prefix="/api/pay", description="微信支付回调（货款充值）")
log = logging.getLogger(__name__)


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
    """A top-up's payment result from WeChat Pay APIv3: verified, decrypted, credited once (204)."""
    return v3_answer(finance.handle_wechat_top_up_v3_notification)
