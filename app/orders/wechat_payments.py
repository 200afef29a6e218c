"""Paying orders through WeChat Pay APIv3 (JSAPI, the mini-program): start, notification, query, close.

The payment is recorded (`WechatPayment`, status `started`) before WeChat is asked,
so whatever happens to the call — refused, timed out, answered after we gave up —
a later query settles it. A notification and a query end in the same place,
`_apply_transaction`: `out_trade_no` names the order, the amount in fen must be its
total, and the order is confirmed once however often WeChat repeats itself. An unpaid
order that is cancelled has its payment marked `closing`; the settle job closes it
at WeChat (a payment WeChat took meanwhile is reported to the owners to refund).
"""
import logging
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

from app import reference
from app.clock import utcnow
from app.config import get_settings
from app.database import atomic_with_retry, db, portable_sql
from app.errors import BadRequest, Conflict, DomainError, NotFound, Unavailable
from app.money import format_yuan
from app.notify.service import RECIPIENT_OWNERS
from app.notify.service import enqueue
from app.orders import lifecycle
from app.orders.models import Order, WechatPayment
from app.wechat_pay import PayError, PayRefused, PayUnavailable, v3_client

log = logging.getLogger(__name__)

WECHAT_ACTOR = "wechat_pay"
NOTIFY_PATH = "/api/pay/wechat/v3/notify"
JSAPI = "/v3/pay/transactions/jsapi"
BEIJING = ZoneInfo("Asia/Shanghai")  # WeChat Pay's times are Beijing time, whatever the brand's zone
CLOSED_STATES = ("CLOSED", "REVOKED", "PAYERROR")
SHORTEST_PAYMENT_WINDOW = timedelta(minutes=5)  # as payments.py: WeChat refuses an order closing sooner
UNAVAILABLE = Unavailable("微信支付暂时不可用，请稍后再试", code="wechat_unavailable")
REFUSALS = {
    "ORDERPAID": Conflict("该订单已在微信支付，请稍候刷新订单", code="already_paid"),
    "ORDERCLOSED": Conflict("该订单的微信支付已关闭，请重新下单", code="payment_closed"),
    "INVALID_REQUEST": Conflict("该订单的付款信息已变化，请重新下单", code="payment_changed"),
}


def _transaction_path(out_trade_no):
    return f"/v3/pay/transactions/out-trade-no/{out_trade_no}"


def beijing_time(moment):
    """A naive UTC moment as WeChat Pay's RFC 3339 Beijing time (2026-12-03T15:00:00+08:00)."""
    return moment.replace(tzinfo=timezone.utc).astimezone(BEIJING).isoformat(timespec="seconds")


def start_payment(order, *, openid, closes_at):
    """The `wx.requestPayment` parameters for an unpaid `order` (checked by the caller), through APIv3.

    Every request for one order sends WeChat the same order (number, amount, expiry
    of the first request), so a retry or a second tap answers the same prepay id.
    """
    settings, client = get_settings(), v3_client()
    payment = _record_start(order, openid=openid, closes_at=closes_at)
    if payment.status == "paid":
        raise REFUSALS["ORDERPAID"]
    if payment.status != "started":
        raise REFUSALS["ORDERCLOSED"]
    if payment.expires_at - utcnow() < SHORTEST_PAYMENT_WINDOW:  # a retry sends the first request's expiry
        raise Conflict("订单即将超时关闭，请重新下单", code="payment_window_closing")
    body = {"appid": client.appid, "mchid": client.mchid,
            "description": f"{settings.BRAND_NAME}-订单{payment.out_trade_no}"[:127],
            "out_trade_no": payment.out_trade_no, "time_expire": beijing_time(payment.expires_at),
            "notify_url": settings.PUBLIC_BASE_URL.rstrip("/") + NOTIFY_PATH,
            "amount": {"total": payment.amount_fen, "currency": "CNY"}, "payer": {"openid": openid}}
    try:
        answer = client.post(JSAPI, body)
    except PayRefused as exc:
        log.info("WeChat Pay refused the JSAPI order %s: %s", payment.out_trade_no, exc.code)
        if exc.code == "ORDERPAID":
            _settle_quietly(payment.id)
        raise REFUSALS.get(exc.code, UNAVAILABLE) from exc
    except PayUnavailable as exc:
        raise UNAVAILABLE from exc
    prepay_id = str(answer.get("prepay_id") or "")
    if not prepay_id:
        raise UNAVAILABLE
    WechatPayment.update(prepay_id=prepay_id[:64]).where(WechatPayment.id == payment.id).execute()
    return client.jsapi_params(prepay_id)


def _record_start(order, *, openid, closes_at):
    """The order's WechatPayment, created on the first start (committed before WeChat is asked)."""
    with db.atomic():
        WechatPayment.insert(order=order.id, out_trade_no=lifecycle.order_no(order), amount_fen=order.total_fen,
                             payer_openid=openid[:128], expires_at=closes_at.replace(microsecond=0),
                             created_at=utcnow()).on_conflict_ignore().execute()
    return WechatPayment.get(WechatPayment.order == order.id)


# Notifications and queries

def handle_notification(*, headers, body):
    """A payment notification: verified and decrypted (NotificationRejected otherwise), then applied.
    Raises a DomainError (4xx) when it cannot be applied: unknown order, another merchant, amount mismatch."""
    client = v3_client()
    notification = client.parse_notification(headers, body)
    if notification.event_type != "TRANSACTION.SUCCESS":
        return "ignored"
    return _apply_transaction(notification.resource, client=client)


# A notification's first statement: its payment (out_trade_no is unique) beside the reference versions the request
# works under (app/reference.py), which the settlement of a payment confirmed now looks up, read in the same round
# trip, before any transaction. One row per kind of reference data, the payment's columns NULL when there is none.
_PAYMENT_AND_VERSIONS = (f"SELECT v.kind, v.version, p.{WechatPayment.order.column_name}, p.{WechatPayment.status.column_name}"
                         f" FROM {reference.VERSIONS_TABLE} AS v LEFT JOIN {WechatPayment._meta.table_name} AS p"
                         f" ON p.{WechatPayment.out_trade_no.column_name} = ?")


def _payment_of(number):
    """(order id, status) of the WeChat payment numbered `number`, or None; the reference versions remembered."""
    rows = db.execute_sql(portable_sql(_PAYMENT_AND_VERSIONS), (number,)).fetchall()
    reference.remember_versions([(kind, version) for kind, version, _, _ in rows])
    return (rows[0][2], rows[0][3]) if rows and rows[0][2] is not None else None


def _apply_transaction(resource, *, client):
    """Settle what WeChat says of a transaction (a notification's resource or a query's answer): "paid",
    "repeated" (already confirmed), "closed", "not_paid"."""
    if resource.get("mchid") != client.mchid or resource.get("appid") != client.appid:
        raise BadRequest("商户号或小程序与本店不符", code="merchant_mismatch")
    state = resource.get("trade_state")
    number = resource.get("out_trade_no")
    payment = _payment_of(number) if isinstance(number, str) else None
    if payment is not None and payment[1] == "paid":  # a repeat: one lookup, nothing else
        return "repeated"
    order_id = payment[0] if payment is not None else lifecycle.id_from_order_no(number)
    if order_id is None:
        raise NotFound("订单不存在", code="order_not_found")
    if state in CLOSED_STATES:
        WechatPayment.update(status="closed", checked_at=utcnow()).where(
            WechatPayment.order == order_id, WechatPayment.status.in_(("started", "closing"))).execute()
        return "closed"
    if state not in ("SUCCESS", "REFUND"):
        return "not_paid"
    amount = (resource.get("amount") or {}).get("total")
    transaction_id = str(resource.get("transaction_id") or "")[:32]
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise BadRequest("金额格式错误", code="amount_mismatch")

    def confirm():
        # The order and its payment move together: one unit of work, retried whole when InnoDB picks it as a
        # deadlock victim (the hot stock and rollup rows are shared by every payment). The payment is marked paid
        # with the order (in the order's own UPDATE on MySQL; by itself when the order was paid otherwise), before
        # the hot rows, locked last, so they are held only until COMMIT; a refusal (another amount) rolls it back
        # with the rest.
        order, lines = lifecycle.lock_order_for_payment(order_id)
        return lifecycle.confirm_locked_payment(order, lines=lines, actor=WECHAT_ACTOR, method="wechat",
                                                amount_fen=amount, payment_ref=transaction_id,
                                                wechat_paid=(transaction_id, utcnow()))

    try:
        order, confirmed_now = atomic_with_retry(confirm)
    except Conflict as exc:
        if exc.code == "amount_mismatch":
            _tell_owners(order_id, "order_payment_amount_mismatch", transaction_id, amount)
            raise
        _tell_owners(order_id, "order_paid_after_close", transaction_id, amount)
        with db.atomic():  # the money is in: remembered as paid, so it is never refunded twice by a retry
            WechatPayment.update(status="paid", transaction_id=transaction_id, paid_at=utcnow()).where(
                WechatPayment.order == order_id, WechatPayment.status != "paid").execute()
        return "paid_after_close"
    if not confirmed_now and order.payment_ref != transaction_id:  # already paid otherwise (a transfer): twice
        _tell_owners(order_id, "order_paid_after_close", transaction_id, amount)
        return "paid_twice"
    return "paid" if confirmed_now else "repeated"


def _tell_owners(order_id, kind, transaction_id, amount):
    with db.atomic():
        enqueue(kind=kind, recipient=RECIPIENT_OWNERS,
                data={"order_id": order_id, "transaction_id": transaction_id,
                      "amount": format_yuan(amount) if isinstance(amount, int) else str(amount)},
                dedupe_key=f"order:{order_id}:{kind}:{transaction_id}")


def settle_payment(payment_id):
    """Ask WeChat how one started (or closing) payment stands and apply it; closes it at WeChat when its order can
    no longer be paid. Returns the outcome ("paid", "closed", "not_paid", "unknown" …)."""
    payment = WechatPayment.get_by_id(payment_id)
    client = v3_client()
    try:
        resource = client.get(_transaction_path(payment.out_trade_no), params={"mchid": client.mchid})
    except PayRefused as exc:
        if exc.code != "ORDER_NOT_EXIST":
            raise
        resource = None
    except PayUnavailable:
        _checked(payment.id)
        return "unknown"
    outcome = _apply_transaction(resource, client=client) if resource is not None else "not_paid"
    if outcome != "not_paid":
        return outcome
    order = Order.get_by_id(payment.order_id)
    if payment.status == "closing" or order.status != "pending_payment":
        return _close(payment, exists=resource is not None)
    _checked(payment.id)
    return "not_paid"


def _close(payment, *, exists):
    client = v3_client()
    if exists:
        try:
            client.post(_transaction_path(payment.out_trade_no) + "/close", {"mchid": client.mchid})
        except PayRefused as exc:
            if exc.code == "ORDERPAID":  # paid at the last moment: the next query applies it
                _checked(payment.id)
                return "unknown"
            if exc.code != "ORDER_NOT_EXIST":
                raise
        except PayUnavailable:
            _checked(payment.id)
            return "unknown"
    WechatPayment.update(status="closed", checked_at=utcnow()).where(
        WechatPayment.id == payment.id, WechatPayment.status.in_(("started", "closing"))).execute()
    return "closed"


def _checked(payment_id):
    WechatPayment.update(checked_at=utcnow()).where(WechatPayment.id == payment_id).execute()


def _settle_quietly(payment_id):
    try:
        settle_payment(payment_id)
    except (DomainError, PayError) as exc:
        log.info("WeChat payment %s not settled now: %s", payment_id, exc)


def close_cancelled(order_id):
    """Close at once the WeChat payment of an order just cancelled (the settle job does it otherwise)."""
    payment = WechatPayment.get_or_none(WechatPayment.order == order_id, WechatPayment.status == "closing")
    if payment is not None and get_settings().wechat_pay_v3_configured:
        _settle_quietly(payment.id)


def unsettled_payments(*, now=None, limit=200):
    """Ids of payments started at least WECHAT_PAY_QUERY_AFTER_MINUTES ago (and not asked about since) that
    no notification confirmed, and of payments to close."""
    cutoff = (now or utcnow()) - timedelta(minutes=get_settings().WECHAT_PAY_QUERY_AFTER_MINUTES)
    never_asked = WechatPayment.checked_at.is_null() & (WechatPayment.created_at <= cutoff)
    due = (WechatPayment.status == "closing") | (
        (WechatPayment.status == "started") & (never_asked | (WechatPayment.checked_at <= cutoff)))
    return [row.id for row in WechatPayment.select(WechatPayment.id).where(due).order_by(WechatPayment.id).limit(limit)]
