"""Worked examples of the commission engine, settled through the service, figures written out by hand."""
from dataclasses import replace
from datetime import timedelta

import pytest

from app.clock import utcnow
from app.errors import InvalidInput
from app.finance import service as finance
from app.finance.models import CommissionLine, OrderSettlement
from app.notify.service import queued
from tests.factories import earned, make_agent, make_level, make_rules, paid_order, priced_product


@pytest.fixture
def ladder():
    """Four levels, highest first, and a product priced ¥50 / ¥60 / ¥80 / ¥100 for them (cost ¥30)."""
    levels = [make_level(f"L{rank}") for rank in range(1, 5)]
    product = priced_product(dict(zip(levels, (5000, 6000, 8000, 10000))), cost_fen=3000)
    return levels, product


def chain_of(*levels):
    """Agents top first, each the upline of the next; returns them bottom (the buyer) first."""
    agents = []
    for level in levels:
        agents.append(make_agent(level=level, upline=agents[-1] if agents else None))
    return agents[::-1]


def test_level_difference_pays_each_upline_the_gap_to_the_price_below(ladder):
    (l1, l2, l3, l4), product = ladder
    make_rules(level_difference={})
    buyer, regional, general, top = chain_of(l1, l2, l3, l4)
    finance.settle_paid_order(paid_order(buyer, [(product, 2, 10000)]))
    # (100 − 80) × 2 = 40; (80 − 60) × 2 = 40; (60 − 50) × 2 = 20
    assert earned(regional) == {"level_difference": 4000}
    assert earned(general) == {"level_difference": 4000}
    assert earned(top) == {"level_difference": 2000}


def test_level_difference_explains_the_arithmetic_in_chinese(ladder):
    (l1, l2, l3, l4), product = ladder
    make_rules(level_difference={})
    buyer, regional, _, _ = chain_of(l1, l2, l3, l4)
    finance.settle_paid_order(paid_order(buyer, [(product, 2, 10000)]))
    line = CommissionLine.get(CommissionLine.agent == regional.id)
    assert "级差奖" in line.explanation and "第1级上级" in line.explanation
    assert "¥100.00 − 您的拿货价 ¥80.00 = ¥20.00 × 2件 = ¥40.00" in line.explanation


def test_an_upline_of_the_same_level_passes_the_gap_on(ladder):
    (_, _, l3, l4), product = ladder
    make_rules(level_difference={})
    buyer, same, regional = chain_of(l3, l4, l4)
    # buyer (¥100) ← same (¥100, earns nothing) ← regional (¥80) earns (100 − 80) × 1
    finance.settle_paid_order(paid_order(buyer, [(product, 1, 10000)]))
    assert earned(same) == {}
    assert earned(regional) == {"level_difference": 2000}


def test_no_commission_flows_beyond_the_configured_depth(ladder):
    (l1, l2, l3, l4), product = ladder
    make_rules(level_difference={}, max_depth=2)
    buyer, regional, general, top = chain_of(l1, l2, l3, l4)
    finance.settle_paid_order(paid_order(buyer, [(product, 2, 10000)]))
    assert earned(general) == {"level_difference": 4000}
    assert earned(top) == {}


def test_same_level_bonus_pays_two_generations_of_same_level_uplines(ladder):
    (_, l2, l3, _), product = ladder
    make_rules(level_difference={}, same_level={"rates_bp": [300, 100]})
    buyer, first, second, general = chain_of(l2, l3, l3, l3)
    finance.settle_paid_order(paid_order(buyer, [(product, 10, 8000)]))
    # goods paid ¥800: 3% = ¥24 to the first same-level upline, 1% = ¥8 to the second;
    # the general agent earns the gap (80 − 60) × 10 = ¥200
    assert earned(first) == {"same_level": 2400}
    assert earned(second) == {"same_level": 800}
    assert earned(general) == {"level_difference": 20000}


def test_referral_percentage_is_paid_within_its_window(ladder):
    (_, _, l3, l4), product = ladder
    make_rules(referral={"kind": "percent", "rate_bp": 500, "scope": "months", "months": 3})
    recruiter = make_agent(level=l3)
    recruit = make_agent(level=l4, upline=recruiter, joined_at=utcnow() - timedelta(days=40))
    finance.settle_paid_order(paid_order(recruit, [(product, 10, 10000, 0)]))
    # ¥1,000 × 5% = ¥50, joined 40 days ago: inside three months
    assert earned(recruiter) == {"referral": 5000}


def test_referral_percentage_stops_after_its_window(ladder):
    (_, _, l3, l4), product = ladder
    make_rules(referral={"kind": "percent", "rate_bp": 500, "scope": "months", "months": 3})
    recruiter = make_agent(level=l3)
    recruit = make_agent(level=l4, upline=recruiter, joined_at=utcnow() - timedelta(days=95))
    finance.settle_paid_order(paid_order(recruit, [(product, 10, 10000)]))
    assert earned(recruiter) == {}


def test_fixed_referral_is_paid_on_the_first_order_only(ladder):
    (_, _, l3, l4), product = ladder
    make_rules(referral={"kind": "fixed", "amount_fen": 3000, "scope": "first_order"})
    recruiter = make_agent(level=l3)
    recruit = make_agent(level=l4, upline=recruiter)
    finance.settle_paid_order(paid_order(recruit, [(product, 1, 10000)]))
    finance.settle_paid_order(paid_order(recruit, [(product, 1, 10000)]))
    assert earned(recruiter) == {"referral": 3000}


def test_settlement_records_the_order_figures_and_its_commission(ladder):
    (l1, l2, l3, l4), product = ladder
    make_rules(level_difference={})
    buyer = chain_of(l1, l2, l3, l4)[0]
    settlement = finance.settle_paid_order(paid_order(buyer, [(product, 2, 10000, 500)], shipping_fen=1000))
    assert (settlement.subtotal_fen, settlement.discount_fen, settlement.shipping_fen, settlement.total_fen) == \
        (20000, 500, 1000, 20500)
    assert settlement.cost_fen == 6000 and settlement.commission_fen == 10000


def test_settling_twice_changes_nothing(ladder):
    (l1, l2, l3, l4), product = ladder
    make_rules(level_difference={})
    buyer = chain_of(l1, l2, l3, l4)[0]
    paid = paid_order(buyer, [(product, 2, 10000)])
    finance.settle_paid_order(paid)
    finance.settle_paid_order(paid)
    assert CommissionLine.select().count() == 3 and OrderSettlement.select().count() == 1
    assert finance.check_ledger() == []


def test_a_customer_order_without_an_agent_pays_no_commission(ladder):
    _, product = ladder
    make_rules(level_difference={})
    settlement = finance.settle_paid_order(paid_order(None, [(product, 1, 12000)]))
    assert settlement.commission_fen == 0 and CommissionLine.select().count() == 0


def test_one_credited_notification_per_order_and_agent(ladder):
    (_, _, l3, l4), product = ladder
    make_rules(level_difference={}, referral={"kind": "fixed", "amount_fen": 1000, "scope": "first_order"})
    upline = make_agent(level=l3)
    buyer = make_agent(level=l4, upline=upline)
    finance.settle_paid_order(paid_order(buyer, [(product, 1, 10000)]))
    # ¥20 level difference and ¥10 referral: one message of ¥30
    [message] = queued("commission_credited")
    assert message.recipient == f"agent:{upline.id}" and '"amount": "30.00"' in message.data


def test_inconsistent_order_facts_are_refused(ladder):
    (_, _, _, l4), product = ladder
    paid = paid_order(make_agent(level=l4), [(product, 1, 10000)])
    with pytest.raises(InvalidInput) as caught:
        finance.settle_paid_order(replace(paid, total_fen=1))
    assert caught.value.code == "settlement_facts_inconsistent"
