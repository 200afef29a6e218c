"""Try a rule set on a past month's settled orders before activating it: what it would have paid, and where.

Orders are rebuilt from their settlements (finance keeps each line's prices), the
chains and prices are today's; nothing is written.
"""
import json

from peewee import fn

from app.agents import service as agents
from app.catalog import service as catalog
from app.finance.engine import order_commissions
from app.finance.inputs import PaidOrder, SoldLine
from app.finance.models import CommissionLine, OrderSettlement
from app.finance.rules import parse_rules
from app.finance.team_bonus import check_period, compute_team_bonuses

CHUNK = 2000


def _paid(settlement):
    lines = tuple(SoldLine(product_id=p, quantity=q, unit_price_fen=price, discount_fen=d, unit_cost_fen=c)
                  for p, q, price, d, c in json.loads(settlement.lines))
    return PaidOrder(order_id=settlement.order_id, order_no=settlement.order_no,
                     buyer_agent_id=settlement.buyer_agent_id, paid_at=settlement.paid_at, lines=lines,
                     subtotal_fen=settlement.subtotal_fen, discount_fen=settlement.discount_fen,
                     shipping_fen=settlement.shipping_fen, total_fen=settlement.total_fen)


def preview_rules(*, rules, period, max_depth=3, allow_deeper=False):
    """What `rules` would have paid on month YYYYMM's orders, next to what was actually paid."""
    check_period(period)
    ruleset = parse_rules(rules, max_depth=max_depth, allow_deeper=allow_deeper)
    by_rule, by_depth = {}, {}
    orders = actual = proposed = 0
    last_id = 0
    while True:
        chunk = list(OrderSettlement.select().where(OrderSettlement.period == period,
                                                    OrderSettlement.order_id > last_id)
                     .order_by(OrderSettlement.order_id).limit(CHUNK))
        if not chunk:
            break
        last_id = chunk[-1].order_id
        buyers = {s.buyer_agent_id for s in chunk if s.buyer_agent_id}
        chains = agents.upline_chains(buyers, max_depth=max_depth) if buyers else {}
        prices = catalog.price_table({line[0] for s in chunk for line in json.loads(s.lines)})
        firsts = dict(OrderSettlement.select(OrderSettlement.buyer_agent, fn.MIN(OrderSettlement.order_id))
                      .where(OrderSettlement.buyer_agent.in_(sorted(buyers) or [0]))
                      .group_by(OrderSettlement.buyer_agent).tuples())
        for settlement in chunk:
            orders += 1
            actual += settlement.commission_fen
            for c in order_commissions(paid=_paid(settlement), chain=chains.get(settlement.buyer_agent_id, []),
                                       prices=prices, rules=ruleset,
                                       first_order=firsts.get(settlement.buyer_agent_id) == settlement.order_id):
                proposed += c.amount_fen
                by_rule[c.rule] = by_rule.get(c.rule, 0) + c.amount_fen
                by_depth[c.depth] = by_depth.get(c.depth, 0) + c.amount_fen
    actual += (CommissionLine.select(fn.COALESCE(fn.SUM(CommissionLine.amount_fen), 0))
               .where(CommissionLine.rule == "team", CommissionLine.period == period).scalar())
    team = sum(b.amount_fen for b in compute_team_bonuses(period, ruleset))
    if team:
        by_rule["team"] = team
    return {"month": f"{period // 100}-{period % 100:02d}", "orders": orders, "actual_commission_fen": actual,
            "proposed_commission_fen": proposed + team,
            "by_rule": [{"rule": rule, "amount_fen": amount} for rule, amount in sorted(by_rule.items())],
            "by_depth": [{"depth": depth, "amount_fen": amount} for depth, amount in sorted(by_depth.items())],
            "deepest_paid": max(by_depth, default=0), "warnings": list(ruleset.warnings)}
