"""Agency terms: warnings before they end, and expiry when they have."""
from datetime import timedelta

from app.agents import changes
from app.agents.models import Agent
from app.clock import local_today
from app.database import db
from app.notify import service as notify

WARNING_DAYS = (7, 30)  # nearest first: an agent 5 days from its end gets the 7-day warning


def warn_expiring_terms(*, today=None):
    """Tell the owners and the agent when a term ends within 30 and within 7 days; once per stage
    and term end (dedupe keys), so running it daily, twice or after a missed day is safe.
    Returns how many messages were queued."""
    today = today or local_today()
    horizon = today + timedelta(days=max(WARNING_DAYS))
    queued = 0
    expiring = (Agent.select(Agent.id, Agent.name, Agent.phone, Agent.term_end)
                .where(Agent.status == "active", Agent.term_end >= today, Agent.term_end <= horizon))
    with db.atomic():
        for agent in expiring:
            days_left = (agent.term_end - today).days
            stage = next(days for days in WARNING_DAYS if days_left <= days)
            data = {"agent_id": agent.id, "agent_name": agent.name, "phone": agent.phone,
                    "term_end": agent.term_end.isoformat(), "days_left": days_left}
            key = f"agent_term_expiring:{agent.id}:{agent.term_end.isoformat()}:{stage}"
            for recipient, suffix in ((notify.RECIPIENT_OWNERS, "owners"), (notify.recipient_agent(agent.id), "agent")):
                queued += notify.enqueue(kind="agent_term_expiring", recipient=recipient, data=data,
                                         dedupe_key=f"{key}:{suffix}")
    return queued


def expire_lapsed_agents(*, today=None):
    """Mark active agents whose term ended before `today` as expired (kept in the history); returns how many."""
    today = today or local_today()
    expired = 0
    with db.atomic():
        for agent_id, in Agent.select(Agent.id).where(Agent.status == "active", Agent.term_end < today).tuples():
            if Agent.update(status="expired").where(Agent.id == agent_id, Agent.status == "active").execute():
                changes.record(agent_id, "status", "active", "expired", reason="代理期限已到", source="system")
                expired += 1
    return expired
