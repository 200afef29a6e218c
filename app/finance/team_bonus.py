"""The monthly team performance bonus (团队奖): computed once per month from the month's settled purchases."""
import json
from datetime import date, timedelta

from peewee import fn

from app.agents import service as agents
from app.clock import local_today, utcnow
from app.database import atomic_with_retry
from app.errors import Conflict, InvalidInput
from app.finance import ledger
from app.finance.engine import team_bonuses
from app.finance.ledger import Entry
from app.finance.models import BRAND_ACCOUNT, CommissionLine, JournalEntry, OrderSettlement
from app.finance.versions import rules_in_force
from app.money import format_yuan
from app.notify import service as notify


def previous_period(today=None):
    """YYYYMM of the local month before `today`'s."""
    first = (today or local_today()).replace(day=1) - timedelta(days=1)
    return first.year * 100 + first.month


def last_day(period):
    """The last local date of month YYYYMM."""
    year, month = divmod(period, 100)
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def check_period(period):
    """The period as an int YYYYMM, or InvalidInput."""
    year, month = divmod(period, 100)
    if not (2000 <= year <= 2999 and 1 <= month <= 12):
        raise InvalidInput.on("month", "月份格式应为 YYYY-MM")
    return period


def net_purchases(period):
    """{agent id: what it bought in the month, net of refunds so far} from the settlements."""
    net = OrderSettlement.subtotal_fen - OrderSettlement.discount_fen - OrderSettlement.refunded_goods_fen
    rows = (OrderSettlement.select(OrderSettlement.buyer_agent, fn.SUM(net))
            .where(OrderSettlement.period == period, OrderSettlement.buyer_agent.is_null(False))
            .group_by(OrderSettlement.buyer_agent).tuples())
    return {agent_id: int(total) for agent_id, total in rows if total and int(total) > 0}


def compute_team_bonuses(period, rules):
    """The team bonuses `rules` would pay for month `period` (nothing is written)."""
    volumes = net_purchases(period)
    if not volumes or not rules.team_tiers:
        return []
    links = agents.team_links(volumes, max_depth=rules.max_depth)
    nodes = agents.uplines_and_names({ancestor for ancestor, _, _ in links})
    return team_bonuses(period=period, volumes=volumes, links=links, rules=rules,
                        uplines={agent_id: node[0] for agent_id, node in nodes.items()},
                        names={agent_id: node[1] for agent_id, node in nodes.items()})


def award_team_bonus(*, period=None, at=None):
    """Credit month `period`'s team bonuses (default: last month) as available commission; once per month.

    Returns how many agents were credited now (0 when the month was awarded before).
    """
    period = check_period(period or previous_period())
    if last_day(period) >= local_today():
        # Awarding locks the month: purchases still to come in it would never earn their bonus.
        raise Conflict("该月尚未结束，月末之后才能发放团队奖", code="month_not_ended")
    at = at or utcnow()
    key = f"team:{period}"

    def award():
        if JournalEntry.select().where(JournalEntry.key == key).exists():
            return 0
        version_id, rules = rules_in_force({last_day(period)})[last_day(period)]
        bonuses = compute_team_bonuses(period, rules)
        if not bonuses:
            return 0
        CommissionLine.insert_many([
            {"key": f"team:{period}:agent:{b.agent_id}", "order_id": None, "period": period, "agent": b.agent_id,
             "rule": "team", "rule_version": version_id, "depth": 0, "amount_fen": b.amount_fen,
             "status": "available", "explanation": b.explanation, "available_at": at, "created_at": at,
             "details": json.dumps(b.details, ensure_ascii=False)} for b in bonuses]).execute()
        total = sum(b.amount_fen for b in bonuses)
        ledger.post_entries([Entry(key=key, kind="team", at=at, memo=f"{period // 100}年{period % 100}月团队奖",
                                   postings=[(b.agent_id, "available", b.amount_fen) for b in bonuses]
                                   + [(None, BRAND_ACCOUNT, -total)])])
        notify.enqueue_many([{"kind": "team_bonus_credited", "recipient": notify.recipient_agent(b.agent_id),
                              "dedupe_key": f"team_bonus_credited:{period}:{b.agent_id}",
                              "data": {"period": period, "amount": format_yuan(b.amount_fen)}} for b in bonuses])
        return len(bonuses)

    return atomic_with_retry(award)
