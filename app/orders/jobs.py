"""Scheduled order work, as plain functions for the scheduler to register.

`cancel_unpaid_orders` and `receive_shipped_orders` every few minutes,
`complete_received_orders` and `send_daily_digest` daily. Each order is its own
transaction; an order that changed meanwhile (paid just now) is left alone.
"""
import logging
from datetime import timedelta

from app.clock import local_today, utcnow
from app.config import get_settings
from app.database import db
from app.errors import DomainError
from app.notify.service import RECIPIENT_OWNERS
from app.notify.service import enqueue
from app.orders import service

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
    unpaid = _each(service.overdue("pending_payment", before=now),
                   lambda order_id: service.cancel(order_id, actor=JOB_ACTOR, reason="超时未付款，自动取消"))
    placed_before = now - timedelta(hours=get_settings().ORDER_APPROVAL_TIMEOUT_HOURS)
    unapproved = _each(service.overdue("awaiting_approval", before=placed_before),
                       lambda order_id: service.cancel_unapproved(order_id, actor=JOB_ACTOR))
    return unpaid + unapproved


def receive_shipped_orders(now=None):
    """Confirm receipt of orders shipped ORDER_AUTO_RECEIVE_DAYS ago; returns how many."""
    before = (now or utcnow()) - timedelta(days=get_settings().ORDER_AUTO_RECEIVE_DAYS)
    return _each(service.overdue("shipped", before=before),
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
