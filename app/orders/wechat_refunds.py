"""Refunds of orders paid through WeChat Pay, sent back to the payer through the API the order was paid by: APIv3
(its `WechatPayment`), or the legacy v2 (`secapi/pay/refund`, with the merchant's client certificate) for an order
its v2 notification confirmed.

A refund is planned as today's (whole, or some units at their paid share) and
recorded as a `WechatRefund` (`refunding`, its own `out_refund_no`) before WeChat is
asked; its units and money count against what is left to refund at once, so
several refunds never give back more than was paid. The books (stock, commission
clawback, reports) are written by `refunds.write_books` only when WeChat's
notification or a query says SUCCESS, once; a refund WeChat refuses, closes or
cannot make (ABNORMAL) is `failed`, the owners are told and nothing is written. A
request whose answer was lost is asked about again by the settle job, and sent
again under the same `out_refund_no` when WeChat never received it. `app.wechat_pay` answers v2's refunds,
queries and notifications in APIv3's vocabulary, so both go through this one state machine.
"""
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from peewee import fn

from app.clock import utcnow
from app.config import get_settings
from app.database import atomic_with_retry, db
from app.errors import Conflict, DomainError, NotFound
from app.money import format_yuan
from app.notify.service import RECIPIENT_OWNERS
from app.notify.service import enqueue
from app.orders import lifecycle, refunds
from app.orders.models import Order, WechatPayment, WechatRefund
from app.wechat_pay import (
    PayError,
    PayRefused,
    PayUnavailable,
    create_v2_refund,
    parse_v2_refund_notification,
    query_v2_refund,
    v2_refunds_configured,
    v3_client,
)

log = logging.getLogger(__name__)

REFUNDS = "/v3/refund/domestic/refunds"
NOTIFY_PATH = "/api/pay/wechat/v3/refund-notify"
V2_NOTIFY_PATH = "/api/pay/wechat/refund-notify"
FAILED_STATES = ("CLOSED", "ABNORMAL")


@dataclass(frozen=True)
class Paid:
    """How an order's money came in through WeChat: the API ("v3" or "v2"), its out_trade_no and amount in fen."""

    api: str
    out_trade_no: str
    amount_fen: int


def paid_by(order_id):
    """How the order was paid through WeChat Pay, or None: APIv3 when it has a paid WechatPayment; v2 when its
    payment was confirmed as "wechat" without one (v2's notification) and v2 refunds can be sent."""
    payment = WechatPayment.get_or_none(WechatPayment.order == order_id, WechatPayment.status == "paid")
    if payment is not None:
        return Paid("v3", payment.out_trade_no, payment.amount_fen)
    order = Order.get_or_none(Order.id == order_id)
    if order is None or order.payment_method != "wechat" or order.paid_at is None or not v2_refunds_configured():
        return None
    return Paid("v2", lifecycle.order_no(order), order.total_fen)


def paid_through_wechat(order_id):
    """Whether a refund of the order goes back through WeChat Pay (APIv3 or v2)."""
    return paid_by(order_id) is not None


def _pending(order_id):
    """What refunds under way take: ({line id: (units, fen)}, shipping fen, total fen)."""
    lines, shipping, total = {}, 0, 0
    for record in WechatRefund.select().where(WechatRefund.order == order_id, WechatRefund.status == "refunding"):
        shipping += record.shipping_fen
        total += record.amount_fen
        for part in json.loads(record.lines):
            units, fen = lines.get(part["line_id"], (0, 0))
            lines[part["line_id"]] = (units + part["quantity"], fen + part["amount_fen"])
    return lines, shipping, total


def request_refund(order_id, *, actor, reason, lines=None, goods_back=False):
    """Refund a WeChat-paid order through WeChat: whole (`lines` None) or some units; returns the WechatRefund
    (`refunding` until WeChat says how it ended; `succeeded` when it said so at once)."""
    payment = paid_by(order_id)
    if payment is None:
        raise NotFound("该订单不是通过微信支付付款的", code="not_paid_by_wechat")

    def work():
        order, order_lines = lifecycle.lock_order_with_lines(order_id)
        pending_lines, pending_shipping, pending_total = _pending(order.id)
        parts, shipping = refunds.plan(order, lines, order_lines=order_lines, pending=pending_lines,
                                       pending_shipping_fen=pending_shipping)
        amount = sum(part.amount_fen for part in parts) + shipping
        if amount <= 0 or order.refunded_fen + pending_total + amount > payment.amount_fen:
            raise Conflict("退款金额超过订单已付金额", code="refund_exceeds_paid")
        record = WechatRefund.create(
            order=order.id, out_refund_no=f"{lifecycle.order_no(order)}R{uuid.uuid4().hex[:10].upper()}",
            amount_fen=amount, shipping_fen=shipping, whole_order=lines is None, goods_back=goods_back,
            lines=json.dumps([{"line_id": part.line.id, "quantity": part.quantity, "amount_fen": part.amount_fen}
                              for part in parts]), reason=reason[:255], actor=actor)
        lifecycle.log_event(order, "refund_requested", actor=actor, reason=f"微信退款{format_yuan(amount)}元：{reason}")
        return record
    record = atomic_with_retry(work)
    _send(record)
    return WechatRefund.get_by_id(record.id)


def _send(record):
    """Ask WeChat for the refund (again, under the same out_refund_no, when the first answer was lost)."""
    settings, payment = get_settings(), paid_by(record.order_id)
    if payment is None:  # v2 credentials removed since: nothing can send it; the job asks again later
        _checked(record.id)
        return "unknown"
    try:
        if payment.api == "v2":
            answer = create_v2_refund(out_trade_no=payment.out_trade_no, out_refund_no=record.out_refund_no,
                                      total_fen=payment.amount_fen, refund_fen=record.amount_fen,
                                      reason=record.reason, notify_url=settings.PUBLIC_BASE_URL.rstrip("/")
                                      + V2_NOTIFY_PATH)
        else:
            answer = v3_client().post(REFUNDS, {
                "out_trade_no": payment.out_trade_no, "out_refund_no": record.out_refund_no,
                "reason": record.reason[:80], "notify_url": settings.PUBLIC_BASE_URL.rstrip("/") + NOTIFY_PATH,
                "amount": {"refund": record.amount_fen, "total": payment.amount_fen, "currency": "CNY"}})
    except PayRefused as exc:
        _fail(record.id, exc.code)
        raise Conflict(f"微信支付未受理退款：{exc.message or exc.code}", code="wechat_refund_refused") from exc
    except PayUnavailable:
        _checked(record.id)  # unknown: the settle job asks WeChat
        return "unknown"
    return apply_refund(answer)


def handle_notification(*, headers, body):
    """A refund notification: verified and decrypted (NotificationRejected otherwise), then applied once."""
    notification = v3_client().parse_notification(headers, body)
    if not notification.event_type.startswith("REFUND."):
        return "ignored"
    return apply_refund(notification.resource)


def handle_v2_notification(xml):
    """A v2 refund notification (XML, `req_info` encrypted): applied once; (ok, message) for the XML answer, ok
    False asking WeChat to send it again (not WeChat's, unknown refund, another amount)."""
    try:
        outcome = apply_refund(parse_v2_refund_notification(xml))
    except PayError as exc:
        log.warning("WeChat Pay v2 refund notification refused: %s", exc)
        return False, getattr(exc, "answer", "通知无效")
    except DomainError as exc:
        log.warning("WeChat Pay v2 refund notification not applied: %s", exc.code)
        return False, exc.message
    log.info("WeChat Pay v2 refund notification: %s", outcome)
    return True, "OK"


def apply_refund(resource):
    """Settle what WeChat says of a refund (a notification's resource, a query's or a creation's answer):
    "succeeded", "failed", "refunding" (still processing) or "repeated"."""
    status = resource.get("refund_status") or resource.get("status")
    record = WechatRefund.get_or_none(WechatRefund.out_refund_no == str(resource.get("out_refund_no") or ""))
    if record is None:
        raise NotFound("退款单不存在", code="refund_not_found")
    amount = (resource.get("amount") or {}).get("refund")
    if status in ("SUCCESS", *FAILED_STATES) and amount != record.amount_fen:
        raise Conflict("退款金额与申请不符", code="amount_mismatch")
    refund_id = str(resource.get("refund_id") or "")[:64]
    if status == "SUCCESS":
        return "succeeded" if _succeed(record.id, refund_id) else "repeated"
    if status in FAILED_STATES:
        return "failed" if _fail(record.id, status) else "repeated"
    WechatRefund.update(refund_id=refund_id or record.refund_id, checked_at=utcnow()).where(
        WechatRefund.id == record.id).execute()
    return "refunding"


def _succeed(record_id, refund_id):
    """Write the refund's books, once: the order row is locked first, then the refund moves out of refunding."""
    def work():
        record = WechatRefund.get_by_id(record_id)
        order, order_lines = lifecycle.lock_order_with_lines(record.order_id)
        moved = WechatRefund.update(status="succeeded", refund_id=refund_id or record.refund_id,
                                    settled_at=utcnow(), checked_at=utcnow()).where(
            WechatRefund.id == record.id, WechatRefund.status == "refunding").execute()
        if not moved:
            return False
        planned = json.loads(record.lines)
        by_id = {line.id: line for line in order_lines}
        parts = [refunds.Part(by_id[part["line_id"]], part["quantity"], part["amount_fen"]) for part in planned]
        book = refunds.write_books(order, order_lines, parts, record.shipping_fen, reason=record.reason,
                                   actor=record.actor, whole=record.whole_order, goods_back=record.goods_back)
        WechatRefund.update(order_refund=book.id).where(WechatRefund.id == record.id).execute()
        return True
    return atomic_with_retry(work)


def _fail(record_id, why):
    """The refund did not happen: nothing is written, the owners are told (once)."""
    with db.atomic():
        moved = WechatRefund.update(status="failed", failure=str(why)[:64], checked_at=utcnow()).where(
            WechatRefund.id == record_id, WechatRefund.status == "refunding").execute()
        if not moved:
            return False
        record = WechatRefund.get_by_id(record_id)
        order = Order.get_by_id(record.order_id)
        lifecycle.log_event(order, "refund_failed", actor="wechat_pay", reason=f"微信退款失败（{why}）")
        enqueue(kind="order_refund_failed", recipient=RECIPIENT_OWNERS,
                data={"order_id": order.id, "order_no": lifecycle.order_no(order),
                      "amount": format_yuan(record.amount_fen), "out_refund_no": record.out_refund_no,
                      "reason": str(why)},
                dedupe_key=f"wechat_refund:{record.id}:failed")
    return True


def _checked(record_id):
    WechatRefund.update(checked_at=utcnow()).where(WechatRefund.id == record_id).execute()


def settle_refund(record_id):
    """Ask WeChat how one refund under way stands and apply it; send it again when WeChat never got it."""
    record = WechatRefund.get_by_id(record_id)
    payment = paid_by(record.order_id)
    try:
        if payment is None:
            raise PayUnavailable("v2 refunds not configured")
        if payment.api == "v2":
            answer = query_v2_refund(record.out_refund_no)
        else:
            answer = v3_client().get(f"{REFUNDS}/{record.out_refund_no}")
    except PayRefused as exc:
        if exc.code != "RESOURCE_NOT_EXISTS":
            raise
        return _send(record)
    except PayUnavailable:
        _checked(record.id)
        return "unknown"
    return apply_refund(answer)


def unsettled_refunds(*, now=None, limit=200):
    """Ids of refunds still `refunding` not asked about for WECHAT_PAY_QUERY_AFTER_MINUTES."""
    cutoff = (now or utcnow()) - timedelta(minutes=get_settings().WECHAT_PAY_QUERY_AFTER_MINUTES)
    due = (WechatRefund.status == "refunding") & (
        (WechatRefund.checked_at.is_null() & (WechatRefund.created_at <= cutoff)) | (WechatRefund.checked_at <= cutoff))
    return [row.id for row in WechatRefund.select(WechatRefund.id).where(due).order_by(WechatRefund.id).limit(limit)]


def list_wechat_refunds(order_id):
    """The WeChat refunds of an order (under way, succeeded, failed), oldest first."""
    return list(WechatRefund.select().where(WechatRefund.order == order_id).order_by(WechatRefund.id))


def refunding_total(order_id):
    """Fen being refunded through WeChat on the order, not yet settled."""
    return int(WechatRefund.select(fn.SUM(WechatRefund.amount_fen)).where(
        WechatRefund.order == order_id, WechatRefund.status == "refunding").scalar() or 0)
