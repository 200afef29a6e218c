"""Top-ups of the goods-payment balance (货款充值): an offline transfer with its proof, which finance confirms or
rejects in the console, or a WeChat Pay (v2, JSAPI) payment, which its notification confirms.

A top-up is credited once: confirming moves it pending → confirmed with one guarded
UPDATE and credits the balance under reference "topup:<id>" in the same transaction,
so a second confirmation, a repeated notification or both at once change nothing.
"""
import logging
import re
from datetime import timedelta

from peewee import IntegrityError
from wechatpy.exceptions import InvalidSignatureException

from app.clock import utcnow
from app.config import get_settings
from app.database import atomic_with_retry, db, paginate
from app.errors import Conflict, InvalidInput, NotFound
from app.finance import goods
from app.finance.models import GoodsTopUp
from app.money import MAX_FEN, format_yuan
from app.notify.models import RECIPIENT_OWNERS
from app.notify.service import enqueue, recipient_agent
from app.uploads import payment_proof_file, save_payment_proof
from app.wechat import failures_as_domain_errors, pay_client, wechat_pay_time

log = logging.getLogger(__name__)

NOTIFY_PATH = "/api/pay/wechat/goods-notify"
WECHAT_ACTOR = "wechat_pay"
TRADE_NO_PREFIX = "GT"
TRADE_NO = re.compile(r"GT([0-9]{1,18})")
WECHAT_PAYMENT_WINDOW = timedelta(hours=2)
STATUS_NAMES = {"pending": "待确认", "confirmed": "已到账", "rejected": "已拒绝"}  # a WeChat one pending: 待支付
PAYMENT_REFUSALS = {
    "ORDERPAID": Conflict("该笔充值已支付，请稍候刷新", code="already_paid"),
    "ORDERCLOSED": Conflict("该笔充值的微信支付已关闭，请重新发起充值", code="payment_closed"),
}


def _checked_amount(amount_fen):
    minimum = get_settings().GOODS_TOPUP_MIN_FEN
    if type(amount_fen) is not int or not minimum <= amount_fen <= MAX_FEN:
        raise InvalidInput.on("amount", f"充值金额不能少于 {format_yuan(minimum)} 元")
    return amount_fen


def _create(agent_id, amount_fen, method, request_id, **values):
    """A new pending top-up, or the agent's earlier one with the same `request_id` (a retried request)."""
    request_key = f"{agent_id}:{request_id}" if request_id else None
    if request_key:
        earlier = GoodsTopUp.get_or_none(GoodsTopUp.request_key == request_key)
        if earlier is not None:
            return earlier, False
    try:
        with db.atomic():
            return GoodsTopUp.create(agent=agent_id, amount_fen=amount_fen, method=method, request_key=request_key,
                                     **values), True
    except IntegrityError:
        return GoodsTopUp.get(GoodsTopUp.request_key == request_key), False


def submit_transfer_top_up(*, agent_id, amount_fen, proof_content, reference="", request_id=None):
    """The agent says it transferred `amount_fen` to the brand and uploads the proof (JPEG, PNG or WebP ≤ 2 MB);
    finance confirms it in the console. A repeated `request_id` answers the first top-up."""
    _checked_amount(amount_fen)
    proof = save_payment_proof(proof_content)
    with db.atomic():
        top_up, new = _create(agent_id, amount_fen, "transfer", request_id, proof=proof,
                              payment_ref=(reference or "").strip()[:64])
        if new:
            enqueue(kind="goods_topup_submitted", recipient=RECIPIENT_OWNERS,
                    data={"top_up_id": top_up.id, "agent_id": agent_id, "amount": format_yuan(amount_fen)},
                    dedupe_key=f"goods_topup:{top_up.id}:submitted")
    return top_up


def get_top_up(top_up_id, *, agent_id=None):
    """One top-up (only the agent's own when `agent_id` is given), or NotFound."""
    query = GoodsTopUp.select().where(GoodsTopUp.id == top_up_id)
    if agent_id is not None:
        query = query.where(GoodsTopUp.agent == agent_id)
    top_up = query.first()
    if top_up is None:
        raise NotFound("充值记录不存在", code="top_up_not_found")
    return top_up


def list_top_ups(*, status=None, agent_id=None, page=1, per_page=50):
    """Top-ups, newest first: (items, total)."""
    query = GoodsTopUp.select()
    if status is not None:
        query = query.where(GoodsTopUp.status == status)
    if agent_id is not None:
        query = query.where(GoodsTopUp.agent == agent_id)
    return paginate(query.order_by(GoodsTopUp.created_at.desc(), GoodsTopUp.id.desc()), page=page, per_page=per_page)


def top_up_proof_file(top_up_id, *, agent_id=None):
    """(path, mimetype, download name) of a top-up's transfer proof."""
    top_up = get_top_up(top_up_id, agent_id=agent_id)
    return payment_proof_file(top_up.proof, stem=f"topup-{top_up.id}", missing="该充值没有付款凭证")


def _decide(top_up, to_status, **values):
    moved = (GoodsTopUp.update(status=to_status, **values)
             .where(GoodsTopUp.id == top_up.id, GoodsTopUp.status == "pending").execute())
    if not moved:
        current = GoodsTopUp.get_by_id(top_up.id).status
        raise Conflict(f"该充值当前状态为「{STATUS_NAMES[current]}」，不能执行此操作", code="top_up_state")


def _credit(top_up, *, actor, payment_ref=""):
    goods.credit(agent_id=top_up.agent_id, amount_fen=top_up.amount_fen, reason="topup",
                 reference=f"topup:{top_up.id}", actor=actor,
                 memo=f"{'转账' if top_up.method == 'transfer' else '微信支付'}充值 #{top_up.id} {payment_ref}".strip())
    enqueue(kind="goods_topup_confirmed", recipient=recipient_agent(top_up.agent_id),
            data={"top_up_id": top_up.id, "amount": format_yuan(top_up.amount_fen)},
            dedupe_key=f"goods_topup:{top_up.id}:confirmed")


def confirm_transfer_top_up(*, top_up_id, actor_id):
    """Finance has seen the transfer arrive: the top-up is confirmed and the balance credited, once."""
    def work():
        top_up = get_top_up(top_up_id)
        if top_up.method != "transfer":
            raise Conflict("微信支付充值由支付结果自动确认", code="top_up_method")
        _decide(top_up, "confirmed", decided_by=actor_id, decided_at=utcnow())
        _credit(top_up, actor=f"admin:{actor_id}", payment_ref=top_up.payment_ref)
    atomic_with_retry(work)
    return get_top_up(top_up_id)


def reject_transfer_top_up(*, top_up_id, actor_id, reason):
    """Finance refuses a transfer top-up with a reason (no money arrived, wrong amount …); nothing is credited."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.on("reason", "请填写拒绝原因")
    with db.atomic():
        top_up = get_top_up(top_up_id)
        if top_up.method != "transfer":
            raise Conflict("微信支付充值由支付结果自动确认", code="top_up_method")
        _decide(top_up, "rejected", decided_by=actor_id, decided_at=utcnow(), reason=reason[:255])
        enqueue(kind="goods_topup_rejected", recipient=recipient_agent(top_up.agent_id),
                data={"top_up_id": top_up.id, "amount": format_yuan(top_up.amount_fen), "reason": reason[:60]},
                dedupe_key=f"goods_topup:{top_up.id}:rejected")
    return get_top_up(top_up_id)


def trade_no(top_up):
    """The out_trade_no WeChat Pay knows a top-up by (never an order number, which is all digits)."""
    return f"{TRADE_NO_PREFIX}{top_up.id:010d}"


def start_wechat_top_up(*, agent_id, amount_fen, openid, client_ip, request_id=None):
    """(top-up, the parameters `wx.requestPayment` needs) to top up by WeChat Pay (v2 统一下单, JSAPI); a repeated
    `request_id` asks WeChat for the same payment again (same number, amount and closing time)."""
    _checked_amount(amount_fen)
    settings = get_settings()
    if not settings.wechat_pay_configured:
        raise Conflict("品牌尚未开通微信支付，请转账后上传付款凭证", code="wechat_pay_not_configured")
    with db.atomic():
        top_up, _ = _create(agent_id, amount_fen, "wechat", request_id)
    if top_up.method != "wechat" or top_up.amount_fen != amount_fen:
        raise Conflict("该请求编号已用于另一笔充值", code="request_reused")
    if top_up.status != "pending":
        raise Conflict("该笔充值已处理，请刷新", code="top_up_state")
    client = pay_client()
    with failures_as_domain_errors("WeChat Pay unified order (goods top-up)", refusals=PAYMENT_REFUSALS):
        prepay = client.order.create(
            trade_type="JSAPI", body=f"{settings.BRAND_NAME}-货款充值"[:40], total_fee=amount_fen,
            notify_url=settings.PUBLIC_BASE_URL.rstrip("/") + NOTIFY_PATH, client_ip=client_ip or "127.0.0.1",
            user_id=openid, out_trade_no=trade_no(top_up), time_start=wechat_pay_time(top_up.created_at),
            time_expire=wechat_pay_time(top_up.created_at + WECHAT_PAYMENT_WINDOW))
    return top_up, client.jsapi.get_jsapi_params(prepay["prepay_id"])


def handle_wechat_top_up_notification(xml):
    """Credit the top-up a WeChat Pay notification reports; (ok, message) for the XML answer.

    ok False asks WeChat to send it again (bad signature, unknown top-up, amount
    mismatch); a repeated notification changes nothing.
    """
    settings = get_settings()
    if not settings.wechat_pay_configured:
        return False, "未配置微信支付"
    try:
        data = pay_client().parse_payment_result(xml)
    except InvalidSignatureException:
        log.warning("WeChat Pay top-up notification with a bad signature")
        return False, "签名错误"
    if data.get("return_code") != "SUCCESS" or data.get("result_code") != "SUCCESS":
        return True, "OK"
    if data.get("mch_id") != settings.WECHAT_PAY_MCH_ID or data.get("appid") != settings.WECHAT_MP_APPID:
        return False, "商户号不符"
    match = TRADE_NO.fullmatch(str(data.get("out_trade_no", "")))
    top_up = GoodsTopUp.get_or_none(GoodsTopUp.id == int(match.group(1))) if match else None
    if top_up is None or top_up.method != "wechat":
        return False, "充值不存在"
    if data.get("total_fee") != top_up.amount_fen:
        log.warning("WeChat Pay top-up %s: paid %s, asked %s", top_up.id, data.get("total_fee"), top_up.amount_fen)
        return False, "金额不符"
    reference = str(data.get("transaction_id", ""))[:64]

    def work():
        if GoodsTopUp.get_by_id(top_up.id).status == "confirmed":
            return
        _decide(top_up, "confirmed", decided_at=utcnow(), payment_ref=reference)
        _credit(top_up, actor=WECHAT_ACTOR, payment_ref=reference)
    try:
        atomic_with_retry(work)
    except Conflict:  # confirmed by a notification that ran at the same moment
        pass
    return True, "OK"
