"""Properties of settlement over random chains, prices, rules and refunds (hypothesis)."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.database import db
from app.finance import service as finance
from app.finance.models import CommissionLine, JournalEntry, OrderSettlement
from tests.factories import (balance_of, completed_and_released, make_agent, make_level, make_rules, paid_order,
                             priced_product, refund_of)

scenarios = st.fixed_dictionaries({
    "prices": st.lists(st.lists(st.integers(100, 20000), min_size=4, max_size=4), min_size=1, max_size=2),
    "chain": st.lists(st.integers(0, 3), min_size=1, max_size=6),
    "max_depth": st.integers(1, 3),
    "same_level": st.lists(st.integers(0, 1000), min_size=1, max_size=2),
    "referral_bp": st.integers(0, 1000),
    "items": st.lists(st.tuples(st.integers(0, 1), st.integers(1, 5), st.integers(0, 100)), min_size=1, max_size=3),
    "refund_percents": st.lists(st.integers(1, 100), max_size=3),
    "release_first": st.booleans(),
})
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def build(scenario):
    """Levels, products, a chain (buyer first) and the rules of a scenario; returns (agents, make an order,
    refund an order in the scenario's parts, each a share of what is left)."""
    levels = [make_level() for _ in range(4)]
    products = [priced_product(dict(zip(levels, prices)), cost_fen=50) for prices in scenario["prices"]]
    make_rules(max_depth=scenario["max_depth"], level_difference={},
               same_level={"rates_bp": scenario["same_level"]},
               referral={"kind": "percent", "rate_bp": scenario["referral_bp"], "scope": "months", "months": 3})
    agents = []
    for level_index in reversed(scenario["chain"]):
        agents.append(make_agent(level=levels[level_index], upline=agents[-1] if agents else None))
    agents.reverse()
    buyer_prices = {p.id: prices[scenario["chain"][0]] for p, prices in zip(products, scenario["prices"])}

    def order():
        items = []
        for product_index, quantity, discount_percent in scenario["items"]:
            product = products[product_index % len(products)]
            price = buyer_prices[product.id]
            items.append((product, quantity, price, price * quantity * discount_percent // 100))
        return paid_order(agents[0], items, shipping_fen=300)

    def refund_in_parts(paid):
        for percent in scenario["refund_percents"]:
            settlement = OrderSettlement.get_by_id(paid.order_id)
            remaining = settlement.subtotal_fen - settlement.discount_fen - settlement.refunded_goods_fen
            finance.record_refund(refund_of(paid, [(products[0], 0, remaining * percent // 100)]))
    return agents, order, refund_in_parts


def in_savepoint(check):
    """Run one example in a savepoint rolled back afterwards, so examples do not see each other."""
    with db.atomic() as savepoint:
        check()
        savepoint.rollback()


@PROPERTY
@given(scenarios)
def test_every_journal_entry_sums_to_zero(scenario):
    def check():
        _, order, refund_in_parts = build(scenario)
        paid = order()
        finance.settle_paid_order(paid)
        refund_in_parts(paid)
        assert finance.check_ledger() == []
    in_savepoint(check)


@PROPERTY
@given(scenarios)
def test_no_commission_flows_beyond_the_configured_depth(scenario):
    def check():
        _, order, _ = build(scenario)
        finance.settle_paid_order(order())
        depths = [line.depth for line in CommissionLine.select()]
        assert all(1 <= depth <= scenario["max_depth"] for depth in depths)
    in_savepoint(check)


@PROPERTY
@given(scenarios)
def test_a_full_refund_returns_every_balance_to_where_it_was(scenario):
    def check():
        agents, order, refund_in_parts = build(scenario)
        earlier = order()
        finance.settle_paid_order(earlier)
        completed_and_released(earlier)
        before = [balance_of(agent) for agent in agents]
        paid = order()
        finance.settle_paid_order(paid)
        if scenario["release_first"]:
            completed_and_released(paid)
        refund_in_parts(paid)
        finance.record_refund(refund_of(paid, whole=True))
        assert [balance_of(agent) for agent in agents] == before
        assert OrderSettlement.get_by_id(paid.order_id).commission_reversed_fen == \
            OrderSettlement.get_by_id(paid.order_id).commission_fen
    in_savepoint(check)


@PROPERTY
@given(scenarios)
def test_settling_twice_is_a_no_op(scenario):
    def check():
        agents, order, _ = build(scenario)
        paid = order()
        finance.settle_paid_order(paid)
        after_once = ([balance_of(agent) for agent in agents], CommissionLine.select().count(),
                      JournalEntry.select().count())
        finance.settle_paid_order(paid)
        assert ([balance_of(agent) for agent in agents], CommissionLine.select().count(),
                JournalEntry.select().count()) == after_once
    in_savepoint(check)
