"""Top-ups of the goods-payment balance (货款充值): an offline transfer with its proof, which finance confirms or
rejects in the console, or a WeChat Pay payment (JSAPI: APIv3 through `app.wechat_pay`, or the legacy v2), which its
notification — or, when that is late, a query — confirms.

A top-up is credited once: confirming moves it pending → confirmed with one guarded
UPDATE and credits the balance under reference "topup:<id>" in the same transaction,
so a second confirmation, a repeated notification or both at once change nothing.
"""
import logging
import re
from datetime import timedelta

from peewee import IntegrityError

from app.clock import utcnow
from app.config import get_settings
from app.database import atomic_with_retry, db, paginate
from app.errors import BadRequest, Conflict, DomainError, InvalidInput, NotFound, Unavailable
from app.finance import goods
from app.finance.models import GoodsTopUp
from app.money import MAX_FEN, format_yuan
from app.notify.service import RECIPIENT_OWNERS
from app.notify.service import enqueue, recipient_agent
from app.uploads import payment_proof_file, save_payment_proof
from app.wechat import failures_as_domain_errors
from app.wechat_pay import NotificationRejected, PayRefused, PayUnavailable, api_version, v2_client, v2_payment_result, v3_client

log = logging.getLogger(__name__)

NOTIFY_PATH = "/api/pay/wechat/goods-notify"
V3_NOTIFY_PATH = "/api/pay/wechat/v3/goods-notify"
JSAPI = "/v3/pay/transactions/jsapi"
WECHAT_ACTOR = "wechat_pay"
TRADE_NO_PREFIX = "GT"
TRADE_NO = re.compile(r"GT([0-9]{1,18})")
STATUS_NAMES = {"pending": "待确认", "confirmed": "已到账", "rejected": "已拒绝", "closed": "已关闭"}  # WeChat pending: 待支付
UNPAID_TOP_UP_CLOSES = timedelta(days=1)
PAYMENT_REFUSALS = {
    "ORDERPAID": Conflict("该笔充值已支付，请稍候刷新", code="already_paid"),
    "ORDERCLOSED": Conflict("该笔充值的微信支付已关闭，请重新发起充值", code="payment_closed"),
}
UNAVAILABLE = Unavailable("微信支付暂时不可用，请稍后再试", code="wechat_unavailable")


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


def list_top_ups(*, status=None, agent_id=None, method=None, page=1, per_page=50):
    """Top-ups, newest first: (items, total)."""
    query = GoodsTopUp.select()
    for column, value in ((GoodsTopUp.status, status), (GoodsTopUp.agent, agent_id), (GoodsTopUp.method, method)):
        if value is not None:
            query = query.where(column == value)
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


def _top_up_of_trade_no(text):
    match = TRADE_NO.fullmatch(str(text or ""))
    top_up = GoodsTopUp.get_or_none(GoodsTopUp.id == int(match.group(1))) if match else None
    return top_up if top_up is not None and top_up.method == "wechat" else None


def start_wechat_top_up(*, agent_id, amount_fen, openid, client_ip, request_id=None):
    """(top-up, the parameters `wx.requestPayment` needs) to top up by WeChat Pay — APIv3 (JSAPI) or the legacy v2
    统一下单, as the merchant is configured; a repeated `request_id` asks WeChat for the same payment again (same
    number and amount, so the same prepay id)."""
    _checked_amount(amount_fen)
    version = api_version()
    if not version:
        raise Conflict("品牌尚未开通微信支付，请转账后上传付款凭证", code="wechat_pay_not_configured")
    with db.atomic():
        top_up, _ = _create(agent_id, amount_fen, "wechat", request_id)
    if top_up.method != "wechat" or top_up.amount_fen != amount_fen:
        raise Conflict("该请求编号已用于另一笔充值", code="request_reused")
    if top_up.status != "pending":
        raise Conflict("该笔充值已处理，请刷新", code="top_up_state")
    settings = get_settings()
    description = f"{settings.BRAND_NAME}-货款充值"
    notify_url = settings.PUBLIC_BASE_URL.rstrip("/") + (V3_NOTIFY_PATH if version == "v3" else NOTIFY_PATH)
    if version == "v3":
        return top_up, _start_v3(top_up, description=description, notify_url=notify_url, openid=openid)
    client = v2_client()
    with failures_as_domain_errors("WeChat Pay unified order (goods top-up)", refusals=PAYMENT_REFUSALS):
        prepay = client.order.create(trade_type="JSAPI", body=description[:40], total_fee=amount_fen,
                                     notify_url=notify_url, client_ip=client_ip or "127.0.0.1", user_id=openid,
                                     out_trade_no=trade_no(top_up))
    return top_up, client.jsapi.get_jsapi_params(prepay["prepay_id"])


def _start_v3(top_up, *, description, notify_url, openid):
    client = v3_client()
    body = {"appid": client.appid, "mchid": client.mchid, "description": description[:127],
            "out_trade_no": trade_no(top_up), "notify_url": notify_url,
            "amount": {"total": top_up.amount_fen, "currency": "CNY"}, "payer": {"openid": openid}}
    try:
        answer = client.post(JSAPI, body)
    except PayRefused as exc:
        log.info("WeChat Pay refused the top-up %s: %s", top_up.id, exc.code)
        raise PAYMENT_REFUSALS.get(exc.code, UNAVAILABLE) from exc
    except PayUnavailable as exc:
        raise UNAVAILABLE from exc
    prepay_id = str(answer.get("prepay_id") or "")
    if not prepay_id:
        raise UNAVAILABLE
    return client.jsapi_params(prepay_id)


def _confirm_wechat(top_up, *, amount_fen, transaction_id):
    """Credit a WeChat top-up WeChat says was paid `amount_fen`, once; Conflict when the amount is not the top-up's."""
    if type(amount_fen) is not int or amount_fen != top_up.amount_fen:
        log.warning("WeChat Pay top-up %s: paid %r, asked %s", top_up.id, amount_fen, top_up.amount_fen)
        raise Conflict("支付金额与充值金额不符", code="amount_mismatch")
    reference = str(transaction_id or "")[:64]

    def work():
        if GoodsTopUp.get_by_id(top_up.id).status == "confirmed":
            return
        _decide(top_up, "confirmed", decided_at=utcnow(), payment_ref=reference)
        _credit(top_up, actor=WECHAT_ACTOR, payment_ref=reference)
    try:
        atomic_with_retry(work)
    except Conflict as exc:  # confirmed by a notification or query that ran at the same moment
        if exc.code != "top_up_state":
            raise
    return get_top_up(top_up.id)


def handle_wechat_top_up_notification(xml):
    """Credit the top-up a WeChat Pay (v2) notification reports; (ok, message) for the XML answer.

    ok False asks WeChat to send it again (bad signature, unknown top-up, amount
    mismatch); a repeated notification changes nothing.
    """
    try:
        data = v2_payment_result(xml)
    except NotificationRejected as exc:
        log.warning("WeChat Pay top-up notification refused: %s", exc.reason)
        return False, exc.answer
    if data is None:
        return True, "OK"
    top_up = _top_up_of_trade_no(data.get("out_trade_no"))
    if top_up is None:
        return False, "充值不存在"
    try:
        _confirm_wechat(top_up, amount_fen=data.get("total_fee"), transaction_id=data.get("transaction_id"))
    except Conflict:
        return False, "金额不符"
    return True, "OK"


def _apply_v3_transaction(resource):
    """Apply what WeChat Pay APIv3 says of a top-up's transaction (a notification's resource or a query's answer)."""
    client = v3_client()
    if resource.get("mchid") != client.mchid or resource.get("appid") != client.appid:
        raise BadRequest("商户号或小程序与本店不符", code="merchant_mismatch")
    top_up = _top_up_of_trade_no(resource.get("out_trade_no"))
    if top_up is None:
        raise NotFound("充值记录不存在", code="top_up_not_found")
    if resource.get("trade_state") != "SUCCESS":
        return top_up
    return _confirm_wechat(top_up, amount_fen=(resource.get("amount") or {}).get("total"),
                           transaction_id=resource.get("transaction_id"))


def handle_wechat_top_up_v3_notification(*, headers, body):
    """A WeChat Pay APIv3 notification of a top-up: verified and decrypted (NotificationRejected otherwise), then
    credited once. Raises a DomainError (4xx) when it cannot apply: another merchant, unknown top-up, wrong amount."""
    notification = v3_client().parse_notification(headers, body)
    if notification.event_type == "TRANSACTION.SUCCESS":
        _apply_v3_transaction(notification.resource)


def _transaction(top_up):
    """What WeChat Pay (APIv3) says of a top-up's transaction: its resource, or None when WeChat has no such order."""
    client = v3_client()
    try:
        return client.get(f"/v3/pay/transactions/out-trade-no/{trade_no(top_up)}", params={"mchid": client.mchid})
    except PayRefused as exc:
        if exc.code == "ORDER_NOT_EXIST":
            return None
        raise UNAVAILABLE from exc
    except PayUnavailable as exc:
        raise UNAVAILABLE from exc


def check_wechat_top_up(*, top_up_id, agent_id):
    """Ask WeChat Pay (APIv3) how one of the agent's pending WeChat top-ups stands and credit it if it was paid —
    for when the notification is late; answers the top-up."""
    top_up = get_top_up(top_up_id, agent_id=agent_id)
    if top_up.method != "wechat" or top_up.status != "pending" or api_version() != "v3":
        return top_up
    resource = _transaction(top_up)
    return _apply_v3_transaction(resource) if resource is not None else top_up


def settle_wechat_top_ups(*, limit=200):
    """Scheduled: WeChat top-ups still pending WECHAT_PAY_QUERY_AFTER_MINUTES after they began are queried (APIv3)
    and credited when paid; one unpaid after UNPAID_TOP_UP_CLOSES is closed at WeChat and here. {credited, closed}."""
    outcome = {"credited": 0, "closed": 0}
    if api_version() != "v3":
        return outcome
    now = utcnow()
    due = now - timedelta(minutes=get_settings().WECHAT_PAY_QUERY_AFTER_MINUTES)
    pending = list(GoodsTopUp.select().where(GoodsTopUp.method == "wechat", GoodsTopUp.status == "pending",
                                             GoodsTopUp.created_at < due).order_by(GoodsTopUp.id).limit(limit))
    for top_up in pending:
        try:
            resource = _transaction(top_up)
            if resource is not None and resource.get("trade_state") == "SUCCESS":
                _apply_v3_transaction(resource)
                outcome["credited"] += 1
            elif top_up.created_at < now - UNPAID_TOP_UP_CLOSES and _close_at_wechat(top_up, exists=resource):
                outcome["closed"] += 1
        except DomainError as exc:  # one that cannot be settled now is tried again at the next run
            log.warning("WeChat top-up %s not settled: %s", top_up.id, exc.code)
    return outcome


def _close_at_wechat(top_up, *, exists):
    """Close an unpaid top-up's payment at WeChat (so it can no longer be paid) and mark it closed; False when WeChat
    says it was paid meanwhile (the next run credits it)."""
    if exists is not None:
        client = v3_client()
        try:
            client.post(f"/v3/pay/transactions/out-trade-no/{trade_no(top_up)}/close", {"mchid": client.mchid})
        except PayRefused as exc:
            if exc.code == "ORDERPAID":
                return False
            if exc.code != "ORDER_NOT_EXIST":
                raise UNAVAILABLE from exc
        except PayUnavailable as exc:
            raise UNAVAILABLE from exc
    return bool(GoodsTopUp.update(status="closed", decided_at=utcnow(), reason="超时未支付，已关闭")
                .where(GoodsTopUp.id == top_up.id, GoodsTopUp.status == "pending").execute())


def wechat_top_up_money(*, start, end, trade_nos=()):
    """{out_trade_no: fen} of the WeChat top-ups confirmed between two UTC moments, with those of other times that
    `trade_nos` (a trade bill's) name — for the daily reconciliation."""
    found = {}

    def read(where):
        for top_up in GoodsTopUp.select(GoodsTopUp.id, GoodsTopUp.amount_fen).where(
                GoodsTopUp.method == "wechat", GoodsTopUp.status == "confirmed", where):
            found[trade_no(top_up)] = top_up.amount_fen
    read((GoodsTopUp.decided_at >= start) & (GoodsTopUp.decided_at < end))
    named = sorted({int(match.group(1)) for match in map(TRADE_NO.fullmatch, trade_nos) if match} -
                   {int(TRADE_NO.fullmatch(number).group(1)) for number in found})
    for start_at in range(0, len(named), 500):
        read(GoodsTopUp.id.in_(named[start_at:start_at + 500]))
    return found
