"""Promotion and demotion: the review applies each level's rules over its rolling window and
turns the agents who meet them into proposals, applied at once or left for the owner.

Rules (see AgentLevel): promotion into a level is judged by that level's
thresholds, demotion out of a level by that level's floor; one rank per review.
An agent is demoted only after holding its level for a whole window. Running the
review twice in a day proposes nothing new (one pending proposal per agent), and a move the owner rejected
is not proposed again until the agent buys more or a whole window has passed.
"""
import logging
from dataclasses import dataclass
from datetime import timedelta

from peewee import IntegrityError

from app.agents import changes
from app.agents.levels import next_level
from app.agents.models import Agent, AgentLevel, AgentPurchase, LevelProposal
from app.agents.performance import purchases_by_agent, recruits_by_agent
from app.clock import local_today, utc_start_of_local_day, utcnow
from app.database import db, for_update, paginate
from app.errors import Conflict, NotFound
from app.money import format_yuan, format_yuan_grouped

log = logging.getLogger(__name__)
BATCH = 200


class _Windows:
    """Per-window figures, each queried once per review however many levels share the window."""

    def __init__(self, today):
        self.until = utc_start_of_local_day(today + timedelta(days=1))
        self.today = today
        self._purchases, self._recruits = {}, {}

    def since(self, days):
        return utc_start_of_local_day(self.today - timedelta(days=days - 1))

    def purchases(self, days):
        if days not in self._purchases:
            self._purchases[days] = purchases_by_agent(since=self.since(days), until=self.until)
        return self._purchases[days]

    def recruits(self, days):
        if days not in self._recruits:
            self._recruits[days] = recruits_by_agent(since=self.since(days), until=self.until)
        return self._recruits[days]


def _promotion_reason(target, bought, recruited):
    days = target.review_window_days
    if target.promote_purchase_fen is not None and bought >= target.promote_purchase_fen:
        return f"近{days}天进货¥{format_yuan(bought)}，达到{target.name}标准¥{format_yuan(target.promote_purchase_fen)}"
    if target.promote_recruits is not None and recruited >= target.promote_recruits:
        return f"近{days}天直推{recruited}人，达到{target.name}标准{target.promote_recruits}人"
    return None


@dataclass(frozen=True)
class LevelProgress:
    """How far an agent is from the next level up, in the review rules' terms (all None at the top)."""

    next_level_name: str | None = None
    amount_needed_fen: int | None = None
    recruits_needed: int | None = None
    text: str | None = None


def level_progress(agent, *, today=None):
    """What the agent still needs, over the next level's review window, to be proposed for it."""
    above = next_level(agent.level, direction="up") if agent.status == "active" else None
    if above is None or (above.promote_purchase_fen is None and above.promote_recruits is None):
        return LevelProgress()
    windows = _Windows(today or local_today())
    days = above.review_window_days
    bought = windows.purchases(days).get(agent.id, 0)
    recruited = windows.recruits(days).get(agent.id, 0)
    if _promotion_reason(above, bought, recruited):
        return LevelProgress(above.name, 0, 0, f"已达到{above.name}标准，等待升级审核")
    amount = None if above.promote_purchase_fen is None else above.promote_purchase_fen - bought
    recruits = None if above.promote_recruits is None else above.promote_recruits - recruited
    ways = ([f"再进货 ¥{format_yuan_grouped(amount)}"] if amount is not None else []) + (
        [f"再直推 {recruits} 人"] if recruits is not None else [])
    return LevelProgress(above.name, amount, recruits, f"{'，或'.join(ways)} 可升级为{above.name}")


def _candidates(today):
    """(agent id, agent name, from level, to level, reason) of every agent the rules move."""
    levels = list(AgentLevel.select().where(AgentLevel.active == True))  # noqa: E712
    holders = {level.id: [] for level in levels}
    for row in (Agent.select(Agent.id, Agent.name, Agent.level, Agent.level_since)
                .where(Agent.status == "active").tuples()):
        holders.get(row[2], []).append(row)
    windows = _Windows(today)
    promoted = set()
    for level in levels:
        above, below = next_level(level, direction="up"), next_level(level, direction="down")
        if above and (above.promote_purchase_fen is not None or above.promote_recruits is not None):
            days = above.review_window_days
            purchases, recruits = windows.purchases(days), windows.recruits(days)
            for agent_id, name, _, _ in holders[level.id]:
                reason = _promotion_reason(above, purchases.get(agent_id, 0), recruits.get(agent_id, 0))
                if reason:
                    promoted.add(agent_id)
                    yield agent_id, name, level, above, reason
        if below and level.demote_below_purchase_fen is not None:
            days = level.review_window_days
            purchases, held_since = windows.purchases(days), windows.since(days)
            for agent_id, name, _, level_since in holders[level.id]:
                bought = purchases.get(agent_id, 0)
                if agent_id not in promoted and level_since <= held_since and bought < level.demote_below_purchase_fen:
                    yield agent_id, name, level, below, (
                        f"近{days}天进货¥{format_yuan(bought)}，低于{level.name}保级标准"
                        f"¥{format_yuan(level.demote_below_purchase_fen)}")


def review_levels(*, today=None):
    """Run the review: propose every promotion and demotion the rules call for, and apply those the
    levels' policy lets through at once. Returns counts: proposed, applied, waiting, skipped."""
    today = today or local_today()
    summary = {"proposed": 0, "applied": 0, "waiting": 0, "skipped": 0}
    batch = []
    for candidate in _candidates(today):
        batch.append(candidate)
        if len(batch) >= BATCH:
            _propose_batch(batch, summary)
            batch = []
    _propose_batch(batch, summary)
    log.info("level review %s: %s", today, summary)
    return summary


def _propose_batch(batch, summary):
    with db.atomic():
        for candidate in batch:
            try:
                with db.atomic():
                    outcome = _propose(*candidate)
            except (IntegrityError, Conflict):
                summary["skipped"] += 1  # already waiting for the owner, or changed by hand meanwhile
                continue
            summary["proposed"] += 1
            summary[outcome] += 1


def _propose(agent_id, name, from_level, to_level, reason):
    direction = "up" if to_level.rank < from_level.rank else "down"
    if _rejection_holds(agent_id, from_level, to_level, direction):
        raise Conflict("该调级建议已被驳回，情况未变", code="proposal_rejected")
    proposal = LevelProposal.create(agent=agent_id, from_level=from_level.id, to_level=to_level.id,
                                    direction=direction, reason=reason, pending_key=agent_id)
    gate = to_level if direction == "up" else from_level
    if gate.level_changes_need_approval:
        return "waiting"
    _apply(proposal, Agent(id=agent_id, name=name, level=from_level), to_level, actor_id=None)
    return "applied"


def _rejection_holds(agent_id, from_level, to_level, direction):
    """The owner's rejection of this move stands until the facts change: the agent bought since, or a whole
    review window has passed since the rejection."""
    window = (to_level if direction == "up" else from_level).review_window_days
    rejected = (LevelProposal.select(LevelProposal.decided_at)
                .where(LevelProposal.agent == agent_id, LevelProposal.from_level == from_level.id,
                       LevelProposal.to_level == to_level.id, LevelProposal.status == "rejected")
                .order_by(LevelProposal.decided_at.desc()).first())
    if rejected is None or rejected.decided_at < utcnow() - timedelta(days=window):
        return False
    return not AgentPurchase.select().where(AgentPurchase.agent == agent_id,
                                            AgentPurchase.at >= rejected.decided_at).exists()


def _apply(proposal, agent, to_level, *, actor_id):
    changes.set_level(agent, to_level, reason=proposal.reason, source="review", actor_id=actor_id)
    LevelProposal.update(status="applied", pending_key=None, decided_by=actor_id, decided_at=utcnow()).where(
        LevelProposal.id == proposal.id).execute()


def _pending_proposal(proposal_id):
    proposal = for_update(LevelProposal.select().where(LevelProposal.id == proposal_id)).first()
    if proposal is None:
        raise NotFound("调级建议不存在", code="proposal_not_found")
    if proposal.status != "pending":
        raise Conflict("该调级建议已处理", code="proposal_decided")
    return proposal


def approve_proposal(*, proposal_id, actor_id):
    """The owner applies a waiting proposal (409 if the agent's level changed since)."""
    with db.atomic():
        proposal = _pending_proposal(proposal_id)
        agent = Agent.select(Agent, AgentLevel).join(AgentLevel).where(Agent.id == proposal.agent_id).first()
        if agent.level_id != proposal.from_level_id or agent.status != "active":
            raise Conflict("代理的等级或状态已变化，该建议已失效，请驳回", code="proposal_stale")
        _apply(proposal, agent, proposal.to_level, actor_id=actor_id)
    return LevelProposal.get_by_id(proposal_id)


def reject_proposal(*, proposal_id, actor_id, reason):
    """The owner turns a waiting proposal down, saying why."""
    reason = changes.require_reason(reason)
    with db.atomic():
        _pending_proposal(proposal_id)
        LevelProposal.update(status="rejected", pending_key=None, decided_by=actor_id, decided_at=utcnow(),
                             decision_reason=reason).where(LevelProposal.id == proposal_id).execute()
    return LevelProposal.get_by_id(proposal_id)


def list_proposals(*, status=None, page=1, per_page=20):
    """Proposals, newest first, one page: (items, total)."""
    query = LevelProposal.select()
    if status:
        query = query.where(LevelProposal.status == status)
    return paginate(query.order_by(LevelProposal.id.desc()), page=page, per_page=per_page)
