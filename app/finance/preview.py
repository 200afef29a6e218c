"""Try a rule set before activating it: on a past month's settled orders (what it would have paid, and where),
or on one sample order (each commission line with its arithmetic).

Orders are rebuilt from their settlements (finance keeps each line's prices), the
chains and prices are today's; nothing is written.
"""
import json

from peewee import fn

from app.agents import service as agents
from app.catalog import service as catalog
from app.clock import utcnow
from app.errors import InvalidInput
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


def preview_order(*, rules, buyer_agent_id, product_id, quantity, max_depth=3, allow_deeper=False):
    """The commission lines `rules` would pay if the agent bought `quantity` of a product at today's level price.

    The sample counts as the buyer's first order, so a first-order referral reward shows.
    """
    ruleset = parse_rules(rules, max_depth=max_depth, allow_deeper=allow_deeper)
    if not 1 <= quantity <= catalog.MAX_QUANTITY:
        raise InvalidInput.on("quantity", "数量必须大于0")
    chain = agents.upline_chains([buyer_agent_id], max_depth=max_depth)[buyer_agent_id]
    if not chain:
        raise InvalidInput.on("buyer_agent_id", "代理不存在")
    prices = catalog.price_table([product_id])
    if product_id not in prices:
        raise InvalidInput.on("product_id", "商品不存在")
    unit_fen = prices[product_id].by_level.get(chain[0].level_id)
    if unit_fen is None:
        raise InvalidInput.on("product_id", f"该商品尚未设置{chain[0].level_name}的拿货价")
    total = unit_fen * quantity
    paid = PaidOrder(order_id=0, order_no="示例订单", buyer_agent_id=buyer_agent_id, paid_at=utcnow(),
                     lines=(SoldLine(product_id=product_id, quantity=quantity, unit_price_fen=unit_fen,
                                     discount_fen=0, unit_cost_fen=0),),
                     subtotal_fen=total, discount_fen=0, shipping_fen=0, total_fen=total)
    lines = order_commissions(paid=paid, chain=chain, prices=prices, rules=ruleset, first_order=True)
    names = {member.agent_id: f"{member.name}（{member.level_name}）" for member in chain}
    return {"buyer": names[buyer_agent_id], "product": prices[product_id].name, "quantity": quantity,
            "unit_price_fen": unit_fen, "order_total_fen": total,
            "lines": [{"agent_id": c.agent_id, "agent": names.get(c.agent_id, ""), "rule": c.rule, "depth": c.depth,
                       "amount_fen": c.amount_fen, "explanation": c.explanation} for c in lines],
            "commission_fen": sum(c.amount_fen for c in lines), "warnings": list(ruleset.warnings)}
