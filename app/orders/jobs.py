"""Scheduled order work, as plain functions for the scheduler to register.

`cancel_unpaid_orders` and `receive_shipped_orders` every few minutes,
`complete_received_orders` and `send_daily_digest` daily. Each order is its own
transaction; an order that changed meanwhile (paid just now) is left alone.
"""
import logging
from datetime import timedelta

from app import reference
from app.clock import local_today, utcnow
from app.config import get_settings
from app.database import db
from app.errors import DomainError
from app.notify.service import RECIPIENT_OWNERS
from app.notify.service import enqueue
from app.orders import service, tracking, wechat_payments, wechat_refunds
from app.wechat_pay import PayError, v2_refunds_configured

log = logging.getLogger(__name__)
JOB_ACTOR = "system"


def _each(order_ids, step):
    done = 0
    for order_id in order_ids:
        try:
            step(order_id)
            done += 1
        except DomainError as exc:
            log.info("order %s left alone: %s", order_id, exc.message)
    return done


def cancel_unpaid_orders(now=None):
    """Cancel orders still unpaid when their payment time ran out, and orders their upline left unapproved
    for ORDER_APPROVAL_TIMEOUT_HOURS (an agent's order must not wait for ever); returns how many."""
    now = now or utcnow()
    def cancel_and_close(order_id):
        service.cancel(order_id, actor=JOB_ACTOR, reason="超时未付款，自动取消")
        wechat_payments.close_cancelled(order_id)
    unpaid = _each(service.overdue("pending_payment", before=now), cancel_and_close)
    placed_before = now - timedelta(hours=get_settings().ORDER_APPROVAL_TIMEOUT_HOURS)
    unapproved = _each(service.overdue("awaiting_approval", before=placed_before),
                       lambda order_id: service.cancel_unapproved(order_id, actor=JOB_ACTOR))
    return unpaid + unapproved


def settle_wechat_pay(now=None):
    """Ask WeChat Pay (APIv3) about payments started but not confirmed (and close those of cancelled orders), and
    (APIv3 or v2) about refunds still under way; each is applied as its notification would be. Counts of outcomes."""
    work = []
    if get_settings().wechat_pay_v3_configured:
        work.append(("payment", wechat_payments.unsettled_payments(now=now), wechat_payments.settle_payment))
    if get_settings().wechat_pay_v3_configured or v2_refunds_configured():
        work.append(("refund", wechat_refunds.unsettled_refunds(now=now), wechat_refunds.settle_refund))
    if not work:
        return {"payments": 0, "refunds": 0}
    counts = {}
    for kind, ids, settle in work:
        for record_id in ids:
            try:
                # Each under reference data read for it, as its notification's request would be: the run takes
                # minutes of calls to WeChat, and the job's own scope would keep the first one's versions.
                with reference.scope():
                    outcome = settle(record_id)
            except (DomainError, PayError) as exc:
                log.info("WeChat Pay %s %s left for later: %s", kind, record_id, exc)
                outcome = "unknown"
            counts[f"{kind}_{outcome}"] = counts.get(f"{kind}_{outcome}", 0) + 1
    return counts


def receive_shipped_orders(now=None):
    """Confirm receipt of orders shipped ORDER_AUTO_RECEIVE_DAYS ago, except those whose parcel the trace shows
    coming back (退签, 退回, 拒签: staff decide); returns how many."""
    before = (now or utcnow()) - timedelta(days=get_settings().ORDER_AUTO_RECEIVE_DAYS)
    due = service.overdue("shipped", before=before)
    returning = tracking.returned_orders(due)
    return _each([order_id for order_id in due if order_id not in returning],
                 lambda order_id: service.receive(order_id, actor=JOB_ACTOR))


def complete_received_orders(now=None):
    """Complete orders received ORDER_AUTO_COMPLETE_DAYS ago; returns how many."""
    before = (now or utcnow()) - timedelta(days=get_settings().ORDER_AUTO_COMPLETE_DAYS)
    return _each(service.overdue("received", before=before),
                 lambda order_id: service.complete(order_id, actor=JOB_ACTOR))


def send_daily_digest(day=None):
    """Queue the owners' digest of `day`'s orders (placed, paid and amount, shipped, new agents), once per day.

    `day` is today unless given: the scheduler sends it in the evening (`send_order_digest`, 21:00).
    """
    figures = service.day_figures(day or local_today())
    with db.atomic():
        return enqueue(kind="order_digest", recipient=RECIPIENT_OWNERS, data=figures,
                       dedupe_key=f"order_digest:{figures['day']}")


def subscribe_parcels(now=None):
    """Subscribe shipped parcels at the logistics provider, retrying failed ones (nothing without a provider)."""
    return tracking.subscribe_parcels(now)


def watch_stuck_parcels(now=None):
    """Tell buyers of parcels whose trace has not moved for TRACKING_STUCK_DAYS."""
    return tracking.watch_stuck_parcels(now)
