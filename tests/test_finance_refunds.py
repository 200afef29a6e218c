"""Refunds, cancellations, the return window and clawbacks, with the figures written out by hand."""
from datetime import timedelta

import pytest

from app.agents.models import Agent
from app.clock import utcnow
from app.errors import Conflict
from app.finance import service as finance
from app.finance.models import OrderSettlement
from app.notify.service import queued
from tests.factories import (balance_of, completed_and_released, earned, make_agent, make_level, make_rules,
                             paid_order, priced_product, refund_of)


@pytest.fixture
def three_level_order():
    """A buyer (¥100) under three uplines (¥80, ¥60, ¥50); 3 units with a ¥7 discount: goods paid ¥293.

    Level difference: (100 − 80) × 3 = ¥60, (80 − 60) × 3 = ¥60, (60 − 50) × 3 = ¥30.
    """
    levels = [make_level(f"R{rank}") for rank in range(1, 5)]
    product = priced_product(dict(zip(levels, (5000, 6000, 8000, 10000))), cost_fen=3000)
    make_rules(level_difference={})
    top = make_agent(level=levels[0])
    general = make_agent(level=levels[1], upline=top)
    regional = make_agent(level=levels[2], upline=general)
    buyer = make_agent(level=levels[3], upline=regional)
    paid = paid_order(buyer, [(product, 3, 10000, 700)], shipping_fen=1200)
    finance.settle_paid_order(paid)
    return paid, product, (regional, general, top)


def test_a_partial_refund_reverses_each_line_in_proportion_to_the_fen(three_level_order):
    paid, product, (regional, general, top) = three_level_order
    finance.record_refund(refund_of(paid, [(product, 1, 10000)]))
    # ¥100 of ¥293: 6000 × 100/293 = 2047.8 → 2048; 3000 × 100/293 = 1023.9 → 1024
    assert (earned(regional), earned(general), earned(top)) == \
        ({"level_difference": 6000 - 2048}, {"level_difference": 6000 - 2048}, {"level_difference": 3000 - 1024})
    settlement = OrderSettlement.get_by_id(paid.order_id)
    assert settlement.commission_reversed_fen == 2048 + 2048 + 1024
    assert settlement.returned_cost_fen == 3000


def test_refunding_the_rest_reverses_exactly_what_was_paid(three_level_order):
    paid, product, agents = three_level_order
    finance.record_refund(refund_of(paid, [(product, 1, 10000)]))
    finance.record_refund(refund_of(paid, [(product, 2, 19300)], shipping_fen=1200))
    assert [earned(agent) for agent in agents] == [{"level_difference": 0}] * 3
    assert [balance_of(agent) for agent in agents] == [(0, 0, 0, 0)] * 3
    assert OrderSettlement.get_by_id(paid.order_id).commission_reversed_fen == 15000
    assert finance.check_ledger() == []


def test_the_same_refund_twice_reverses_once(three_level_order):
    paid, product, (regional, _, _) = three_level_order
    refund = refund_of(paid, [(product, 1, 10000)])
    finance.record_refund(refund)
    finance.record_refund(refund)
    assert earned(regional) == {"level_difference": 6000 - 2048}


def test_a_refund_beyond_what_was_paid_is_refused(three_level_order):
    paid, product, _ = three_level_order
    with pytest.raises(Conflict) as caught:
        finance.record_refund(refund_of(paid, [(product, 3, 29400)]))
    assert caught.value.code == "refund_exceeds_order"


def test_cancelling_a_paid_order_reverses_everything(three_level_order):
    paid, _, agents = three_level_order
    finance.cancel_settlement(order_id=paid.order_id, at=utcnow())
    finance.cancel_settlement(order_id=paid.order_id, at=utcnow())
    settlement = OrderSettlement.get_by_id(paid.order_id)
    assert settlement.status == "cancelled"
    assert (settlement.refunded_goods_fen, settlement.refunded_shipping_fen) == (29300, 1200)
    assert [balance_of(agent) for agent in agents] == [(0, 0, 0, 0)] * 3


def test_commission_stays_pending_until_the_return_window_has_passed(three_level_order):
    paid, _, (regional, _, _) = three_level_order
    finance.mark_order_completed(order_id=paid.order_id, at=utcnow() - timedelta(days=6))
    assert finance.release_available_commissions() == 0
    assert balance_of(regional) == (6000, 0, 0, 0)


def test_commission_becomes_available_after_the_return_window(three_level_order):
    paid, _, (regional, general, top) = three_level_order
    completed_and_released(paid)
    assert [balance_of(agent) for agent in (regional, general, top)] == \
        [(0, 6000, 0, 0), (0, 6000, 0, 0), (0, 3000, 0, 0)]
    assert len(queued("commission_available")) == 3
    assert finance.release_available_commissions() == 0


def test_a_partly_refunded_order_releases_what_is_left(three_level_order):
    paid, product, (regional, _, _) = three_level_order
    finance.record_refund(refund_of(paid, [(product, 1, 10000)]))
    completed_and_released(paid)
    assert balance_of(regional) == (0, 6000 - 2048, 0, 0)


def test_clawback_after_withdrawal_leaves_a_debt_that_later_commission_repays(three_level_order):
    paid, product, (regional, _, _) = three_level_order
    completed_and_released(paid)
    withdrawal = finance.request_withdrawal(agent_id=regional.id, amount_fen=6000)
    finance.approve_withdrawal(withdrawal_id=withdrawal.id, actor_id=None)
    finance.mark_withdrawal_paid(withdrawal_id=withdrawal.id, actor_id=None, reference="WX123")
    finance.record_refund(refund_of(paid, whole=True))
    # the ¥60 already withdrawn is owed: available −60
    assert balance_of(regional) == (0, -6000, 0, 6000)
    assert finance.balance(regional.id)["owed"] == 6000
    second = paid_order(make_agent(level=Agent.get_by_id(paid.buyer_agent_id).level, upline=regional),
                        [(product, 2, 10000)])
    finance.settle_paid_order(second)
    completed_and_released(second)
    # (100 − 80) × 2 = ¥40 repays part of the debt first: available −60 + 40 = −20
    assert balance_of(regional) == (0, -2000, 0, 6000)
    assert finance.balance(regional.id) == {"agent_id": regional.id, "pending": 0, "available": 0, "held": 0,
                                            "withdrawn": 6000, "owed": 2000}
    assert finance.check_ledger() == []


def test_completing_a_cancelled_order_is_refused(three_level_order):
    paid, _, _ = three_level_order
    finance.cancel_settlement(order_id=paid.order_id, at=utcnow())
    with pytest.raises(Conflict):
        finance.mark_order_completed(order_id=paid.order_id, at=utcnow())
