"""Scheduled order work: unpaid orders cancelled, shipped ones received, received ones completed, the digest."""
from datetime import timedelta

from app.clock import local_today, utcnow
from app.notify.service import queued
from app.orders import jobs, service
from tests.factories import advanced, make_agent, make_level, orderable, paid, place, settings_changed


def test_unpaid_orders_past_their_time_are_cancelled_and_paid_ones_are_not():
    agent = make_agent()
    product, _ = orderable(100)
    unpaid, settled = place(agent, (product, 1)), paid(place(agent, (product, 1)))
    assert jobs.cancel_unpaid_orders(now=utcnow() + timedelta(days=2)) == 1
    assert service.get_order(unpaid.id).status == "cancelled"
    assert service.get_order(settled.id).status == "paid"
    assert service.get_order(unpaid.id).event_log[-1].reason == "超时未付款，自动取消"


def test_unpaid_orders_within_their_time_stay():
    agent = make_agent()
    product, _ = orderable(100)
    place(agent, (product, 1))
    assert jobs.cancel_unpaid_orders() == 0


def awaiting_approval():
    upline = make_agent()
    agent = make_agent(upline=upline, level=make_level(orders_need_upline_approval=True))
    product, _ = orderable(100)
    return place(agent, (product, 1))


def test_orders_left_unapproved_too_long_are_cancelled_and_the_buyer_is_told():
    order = awaiting_approval()
    assert jobs.cancel_unpaid_orders(now=utcnow() + timedelta(hours=71)) == 0
    assert jobs.cancel_unpaid_orders(now=utcnow() + timedelta(hours=73)) == 1
    cancelled = service.get_order(order.id)
    assert cancelled.status == "cancelled" and cancelled.event_log[-1].reason == "上级超时未审核，自动取消"
    [message] = queued("order_cancelled")
    assert message.recipient == f"agent:{order.buyer_agent_id}"


def test_an_order_approved_in_time_is_not_cancelled_for_waiting():
    order = awaiting_approval()
    with settings_changed(ORDER_PAYMENT_TIMEOUT_MINUTES=7 * 24 * 60):
        service.approve(order.id, actor="admin:1")
    assert jobs.cancel_unpaid_orders(now=utcnow() + timedelta(hours=73)) == 0
    assert service.get_order(order.id).status == "pending_payment"


def test_shipped_orders_are_received_after_the_configured_days():
    agent = make_agent()
    product, _ = orderable(100)
    order = advanced(place(agent, (product, 1)), "pay", "pick", "ship")
    assert jobs.receive_shipped_orders(now=utcnow() + timedelta(days=9)) == 0
    assert jobs.receive_shipped_orders(now=utcnow() + timedelta(days=11)) == 1
    assert service.get_order(order.id).status == "received"
    assert jobs.complete_received_orders(now=utcnow() + timedelta(days=8)) == 1
    assert service.get_order(order.id).status == "completed"


def test_the_daily_digest_is_queued_once_per_day():
    agent = make_agent()
    product, _ = orderable(100)
    paid(place(agent, (product, 2)))
    assert jobs.send_daily_digest(local_today()) is True
    assert jobs.send_daily_digest(local_today()) is False
    digest = queued("order_digest")[0]
    assert digest.recipient == "owners" and '"paid_amount": "200.00"' in digest.data
