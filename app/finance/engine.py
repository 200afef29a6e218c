"""The commission engine: pure functions from facts to commission lines, each with its arithmetic in Chinese.

No database here. `order_commissions` takes a paid order, the buyer's upline chain
(buyer at depth 0, nearest upline first, already cut at the rule's depth), every
product's level prices and a rule set; `team_bonuses` takes a month's purchases
and the tree around them. The explanation is what the agent reads under
"why I earned this"; `details` keeps the same numbers for machines.
"""
import calendar
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from app.money import format_yuan, percent_of


@dataclass(frozen=True)
class Commission:
    """What one agent earns under one rule."""

    agent_id: int
    rule: str
    depth: int
    amount_fen: int
    explanation: str
    details: dict = field(default_factory=dict, compare=False)


def yuan(fen):
    """¥12.34."""
    return "¥" + format_yuan(fen)


def percent(rate_bp):
    """300 basis points as "3%", 250 as "2.5%"."""
    return f"{(Decimal(rate_bp) / 100).normalize():f}%"


def add_months(moment, months):
    """The same day and time `months` later (the month's last day when it has no such day)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def goods_paid_fen(paid):
    """What the buyer paid for the goods: the lines after discounts, without shipping."""
    return sum(line.paid_fen for line in paid.lines)


def order_commissions(*, paid, chain, prices, rules, first_order):
    """Every commission a paid order earns under `rules`; nothing flows deeper than `rules.max_depth`."""
    if paid.buyer_agent_id is None or not chain:
        return []
    buyer, uplines = chain[0], [m for m in chain[1:] if 0 < m.depth <= rules.max_depth]
    lines = []
    if rules.level_difference:
        lines += _level_differences(paid, buyer, uplines, prices)
    if rules.same_level_rates_bp:
        lines += _same_level(paid, buyer, uplines, rules)
    if rules.referral_kind:
        lines += _referral(paid, buyer, uplines, rules, first_order)
    return lines


def _level_differences(paid, buyer, uplines, prices):
    """级差, cascading: each upline earns its price's gap to the price just below it in the chain."""
    below = [(line.unit_price_fen, f"{buyer.name}（{buyer.level_name}）") for line in paid.lines]
    earned = []
    for member in uplines:
        parts = []
        for index, line in enumerate(paid.lines):
            product = prices.get(line.product_id)
            price = product.by_level.get(member.level_id) if product else None
            below_price, below_who = below[index]
            if price is None or price >= below_price:
                continue
            gap = below_price - price
            parts.append({"product_id": line.product_id, "product": product.name, "below_price_fen": below_price,
                          "below": below_who, "own_price_fen": price, "quantity": line.quantity,
                          "amount_fen": gap * line.quantity})
            below[index] = (price, f"{member.name}（{member.level_name}）")
        if parts:
            total = sum(part["amount_fen"] for part in parts)
            steps = "；".join(f"「{p['product']}」{p['below']}价 {yuan(p['below_price_fen'])} − 您的拿货价 "
                             f"{yuan(p['own_price_fen'])} = {yuan(p['below_price_fen'] - p['own_price_fen'])}"
                             f" × {p['quantity']}件 = {yuan(p['amount_fen'])}" for p in parts)
            text = (f"级差奖：{buyer.name}（{buyer.level_name}）的订单 {paid.order_no}，您是第{member.depth}级上级"
                    f"（{member.level_name}）。{steps}。合计 {yuan(total)}")
            earned.append(Commission(member.agent_id, "level_difference", member.depth, total, text,
                                     {"parts": parts}))
    return earned


def _same_level(paid, buyer, uplines, rules):
    """平级奖: the first (and second) upline of the buyer's own level earns a share of the goods paid."""
    base = goods_paid_fen(paid)
    same = [m for m in uplines if m.level_id == buyer.level_id][:len(rules.same_level_rates_bp)]
    earned = []
    for generation, member in enumerate(same, start=1):
        rate = rules.same_level_rates_bp[generation - 1]
        amount = percent_of(base, rate)
        if amount <= 0:
            continue
        text = (f"平级奖（第{generation}代）：与您同级（{buyer.level_name}）的{buyer.name}下单 {paid.order_no}，"
                f"商品实付 {yuan(base)} × {percent(rate)} = {yuan(amount)}")
        earned.append(Commission(member.agent_id, "same_level", member.depth, amount, text,
                                 {"generation": generation, "base_fen": base, "rate_bp": rate}))
    return earned


def _referral(paid, buyer, uplines, rules, first_order):
    """推荐奖: the buyer's recruiter, on its first order or on every order within N months of joining."""
    recruiter = next((m for m in uplines if m.agent_id == buyer.recruiter_id), None)
    if recruiter is None:
        return []
    if rules.referral_scope == "first_order":
        if not first_order:
            return []
        when = "首单"
    else:
        window_end = add_months(buyer.joined_at, rules.referral_months)
        if paid.paid_at >= window_end:
            return []
        when = f"加入{rules.referral_months}个月内（至 {window_end:%Y-%m-%d}）的订单"
    base = goods_paid_fen(paid)
    if rules.referral_kind == "fixed":
        amount, how = rules.referral_amount_fen, f"固定奖励 {yuan(rules.referral_amount_fen)}"
    else:
        amount = percent_of(base, rules.referral_rate_bp)
        how = f"商品实付 {yuan(base)} × {percent(rules.referral_rate_bp)} = {yuan(amount)}"
    if amount <= 0:
        return []
    text = f"推荐奖：您推荐的{buyer.name}{when} {paid.order_no}，{how}"
    return [Commission(recruiter.agent_id, "referral", recruiter.depth, amount, text,
                       {"kind": rules.referral_kind, "scope": rules.referral_scope, "base_fen": base})]


def team_bonuses(*, period, volumes, links, uplines, names, rules):
    """团队奖 for one month by the differential method.

    `volumes` is {agent id: own net purchases}, `links` [(ancestor, descendant, depth)]
    within the rule's depth (self at 0), `uplines` {agent id: direct upline id}. A team
    earns its tier's rate on its volume, less what each direct downline's team earned
    from the same tiers; nothing is paid below zero.
    """
    if not rules.team_tiers:
        return []
    team = {}
    for ancestor, descendant, depth in links:
        if depth <= rules.max_depth and volumes.get(descendant):
            team[ancestor] = team.get(ancestor, 0) + volumes[descendant]
    gross = {agent: percent_of(volume, rules.team_rate_bp(volume)) for agent, volume in team.items()}
    leaders = {}
    for agent in team:
        parent = uplines.get(agent)
        if parent in team:
            leaders.setdefault(parent, []).append(agent)
    month = f"{period // 100}年{period % 100}月"
    bonuses = []
    for agent, volume in sorted(team.items()):
        rate = rules.team_rate_bp(volume)
        deducted = [(leader, team[leader], rules.team_rate_bp(team[leader]), gross[leader])
                    for leader in sorted(leaders.get(agent, [])) if gross[leader]]
        amount = gross[agent] - sum(d[3] for d in deducted)
        if amount <= 0:
            continue
        text = f"团队奖（{month}）：团队进货 {yuan(volume)} × {percent(rate)} = {yuan(gross[agent])}"
        if deducted:
            text += "；减去下级团队长按同一档位已得：" + "；".join(
                f"{names.get(leader, leader)}团队 {yuan(v)} × {percent(r)} = {yuan(g)}" for leader, v, r, g in deducted)
        text += f"。应得 {yuan(amount)}"
        bonuses.append(Commission(agent, "team", 0, amount, text, {
            "volume_fen": volume, "rate_bp": rate, "gross_fen": gross[agent],
            "deductions": [{"agent_id": leader, "volume_fen": v, "rate_bp": r, "amount_fen": g}
                           for leader, v, r, g in deducted]}))
    return bonuses


def month_of(moment: datetime):
    """YYYYMM of a local date or datetime."""
    return moment.year * 100 + moment.month
