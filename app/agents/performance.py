"""Performance: the purchase and retail ledgers other domains feed, and the figures built on them.

Orders call `record_first_purchase` (on payment) / `reverse_purchase`, price control calls
`record_retail_sale`; each is idempotent on its order or sale id, so a retried
call changes nothing. A refund is netted against the purchase's own date, so
buying in one window and refunding in the next earns no promotion.
"""
from dataclasses import dataclass
from datetime import timedelta

from peewee import SQL, IntegrityError, fn

from app.agents.models import Agent, AgentClosure, AgentPurchase, AgentRetailSale
from app.clock import local_today, utc_start_of_local_day, utcnow
from app.database import atomic_with_retry, create_row, for_update
from app.errors import Conflict, InvalidInput, NotFound
from app.money import MAX_FEN

RANKING_METRICS = ("own_purchase", "team_purchase", "recruits", "retail")
NET_PURCHASE = AgentPurchase.amount_fen - AgentPurchase.reversed_fen


def _check_amount(amount_fen):
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or not 0 < amount_fen <= MAX_FEN:
        raise InvalidInput.on("amount_fen", "金额必须是正的整数（分）")


def _insert_once(model, key_field, key, values, *, refused=None):
    """Insert a ledger row once per key; a repeat with the same facts is a no-op, different facts a 409.

    `refused`, when given, runs first when the INSERT fails (the checks the INSERT's constraints stood in for).
    """
    try:
        atomic_with_retry(lambda: model.create(**{key_field: key}, **values))
        return True
    except IntegrityError:
        if refused is not None:
            refused()
        # A locking read sees the row a concurrent transaction just committed.
        existing = for_update(model.select().where(getattr(model, key_field) == key), shared=True).first()
        if existing.agent_id != values["agent"] or existing.amount_fen != values["amount_fen"]:
            raise Conflict("该单号已登记为不同的代理或金额", code="ledger_mismatch") from None
        return False


def _check_agent(agent_id):
    if not Agent.select().where(Agent.id == agent_id).exists():
        raise NotFound("代理不存在", code="agent_not_found")


def record_purchase(*, order_id, agent_id, amount_fen, at):
    """Count an order's amount as the agent's purchase at `at` (UTC); True if new, False if already counted."""
    _check_amount(amount_fen)
    # The agent's existence is checked by the INSERT's foreign key, and named only when the INSERT fails.
    return _insert_once(AgentPurchase, "order_id", order_id, {"agent": agent_id, "amount_fen": amount_fen, "at": at},
                        refused=lambda: _check_agent(agent_id))


def record_first_purchase(*, order_id, agent_id, amount_fen, at):
    """`record_purchase` of an order whose payment is being confirmed for the first time (the caller holds the
    order's row and moves it to paid now, so no purchase of it can exist and none is looked for; one would be an
    IntegrityError): one INSERT, inside the caller's transaction, without the savepoint a repeat needs."""
    _check_amount(amount_fen)
    create_row(AgentPurchase, order_id=order_id, agent=agent_id, amount_fen=amount_fen, at=at)


def reverse_purchase(*, order_id, amount_fen=None):
    """Take back what has been refunded of an order so far: `amount_fen` is the cumulative total (all by default).

    Partial refunds each pass the new running total, so repeating a call changes
    nothing and reversals never shrink: True if more was reversed now, False if not.
    """
    purchase = AgentPurchase.get_or_none(AgentPurchase.order_id == order_id)
    if purchase is None:
        raise NotFound("该订单没有登记过进货", code="purchase_not_found")
    amount = purchase.amount_fen if amount_fen is None else amount_fen
    _check_amount(amount)
    if amount > purchase.amount_fen:
        raise InvalidInput.on("amount_fen", "退回金额不能超过进货金额")
    return bool(AgentPurchase.update(reversed_fen=amount, reversed_at=utcnow())
                .where(AgentPurchase.id == purchase.id, AgentPurchase.reversed_fen < amount).execute())


def record_retail_sale(*, sale_id, agent_id, amount_fen, at):
    """Count a sale to a consumer as the agent's retail at `at` (UTC); True if new, False if already counted."""
    _check_amount(amount_fen)
    _check_agent(agent_id)
    return _insert_once(AgentRetailSale, "sale_id", sale_id, {"agent": agent_id, "amount_fen": amount_fen, "at": at})


def period(start=None, end=None):
    """The local dates [start, end] of a report, by default this month so far."""
    end = end or local_today()
    start = start or end.replace(day=1)
    if end < start:
        raise InvalidInput.on("end", "结束日期不能早于开始日期")
    return start, end


def _bounds(start, end):
    """Local dates [start, end] as the UTC datetimes [since, until) the ledgers are stored in."""
    return utc_start_of_local_day(start), utc_start_of_local_day(end + timedelta(days=1))


def _metric(metric, since, until):
    """(query grouped by agent, its agent column, its value) of one metric over [since, until)."""
    if metric in ("own_purchase", "team_purchase"):
        key = AgentPurchase.agent if metric == "own_purchase" else AgentClosure.ancestor
        value = fn.SUM(NET_PURCHASE)
        query = AgentPurchase.select(key, value).where(AgentPurchase.at >= since, AgentPurchase.at < until)
        if metric == "team_purchase":
            query = query.join(AgentClosure, on=(AgentClosure.descendant == AgentPurchase.agent))
    elif metric == "recruits":
        key, value = Agent.upline, fn.COUNT(Agent.id)
        query = Agent.select(key, value).where(key.is_null(False), Agent.joined_at >= since, Agent.joined_at < until)
    else:
        key, value = AgentRetailSale.agent, fn.SUM(AgentRetailSale.amount_fen)
        query = AgentRetailSale.select(key, value).where(AgentRetailSale.at >= since, AgentRetailSale.at < until)
    return query.group_by(key), key, value


def performance(agent_id, *, start=None, end=None):
    """One agent's figures over local dates [start, end] (default: this month), in fen: own and team
    purchases (the team includes the agent), new direct recruits (a count) and retail sales."""
    _check_agent(agent_id)
    start, end = period(start, end)
    since, until = _bounds(start, end)
    figures = {"agent_id": agent_id, "start": start, "end": end}
    for metric in RANKING_METRICS:
        query, key, _ = _metric(metric, since, until)
        row = query.where(key == agent_id).tuples().first()
        figures[metric] = int(row[1]) if row else 0
    return figures


def ranking(*, metric, start=None, end=None, limit=20):
    """The agents with the highest `metric` over local dates [start, end]: [(agent, value)], best first."""
    if metric not in RANKING_METRICS:
        raise InvalidInput.on("metric", "排行指标必须是 " + "、".join(RANKING_METRICS) + " 之一")
    query, key, value = _metric(metric, *_bounds(*period(start, end)))
    rows = list(query.order_by(value.desc(), key).limit(limit).tuples())
    agents = {agent.id: agent for agent in Agent.select().where(Agent.id.in_([row[0] for row in rows]))}
    return [(agents[agent_id], int(total)) for agent_id, total in rows]


def purchases_by_agent(*, since, until):
    """{agent id: net purchases in fen} over [since, until), every agent with any; for the review."""
    query, _, _ = _metric("own_purchase", since, until)
    return {agent_id: int(total) for agent_id, total in query.tuples()}


def count_joined(*, since, until):
    """How many agents joined between the local dates `since` and `until`, inclusive (directly or by application)."""
    start, end = _bounds(since, until)
    return Agent.select().where(Agent.joined_at >= start, Agent.joined_at < end).count()


def recruits_by_agent(*, since, until):
    """{agent id: direct recruits who joined in [since, until)}; for the review."""
    query, _, _ = _metric("recruits", since, until)
    return dict(query.tuples())


@dataclass(frozen=True)
class TeamRanking:
    """Where the members of one team stand by own purchases over a period: [(rank, agent, fen)] and the viewer's."""

    items: list
    my_rank: int
    my_amount_fen: int


def team_ranking(agent, *, start=None, end=None, limit=20):
    """The agent and its whole downline ranked by their own net purchases over local dates [start, end]
    (default this month), best first (ties by id); members who bought nothing are not listed."""
    since, until = _bounds(*period(start, end))
    query, key, value = _metric("own_purchase", since, until)
    team = AgentClosure.select(AgentClosure.descendant).where(AgentClosure.ancestor == agent.id)
    in_team = query.where(key.in_(team))
    best = list(in_team.order_by(value.desc(), key).limit(limit).tuples())
    mine = query.where(key == agent.id).tuples().first()
    my_amount = int(mine[1]) if mine else 0
    ahead = AgentPurchase.select(fn.COUNT(SQL("1"))).from_(in_team.having(value > my_amount).alias("ahead")).scalar()
    names = {member.id: member for member in Agent.select().where(Agent.id.in_([agent_id for agent_id, _ in best]))}
    items = [(position, names[agent_id], int(total)) for position, (agent_id, total) in enumerate(best, start=1)]
    return TeamRanking(items, 1 + int(ahead or 0), my_amount)
