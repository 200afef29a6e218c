"""An agent's history, and the level change every path (by hand, by review) goes through."""
from app.agents.models import Agent, AgentChange
from app.clock import utcnow
from app.errors import Conflict, InvalidInput
from app.notify import service as notify

MAX_REASON = 255


def require_reason(reason):
    """The reason of a change made by hand, trimmed; a change without one is refused."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.on("reason", "请填写原因")
    if len(reason) > MAX_REASON:
        raise InvalidInput.on("reason", f"原因不能超过{MAX_REASON}个字")
    return reason


def record(agent_id, kind, old, new, *, reason, source, actor_id=None):
    """Write one history entry (who: `actor_id`, NULL for the system; why: `reason`; when: now)."""
    return AgentChange.create(agent=agent_id, kind=kind, old_value="" if old is None else str(old),
                              new_value="" if new is None else str(new), reason=reason[:MAX_REASON],
                              source=source, actor=actor_id)


def set_level(agent, level, *, reason, source, actor_id=None):
    """Move `agent` to `level`, keep it in the history and tell the agent and the owners.

    The UPDATE is guarded by the level read earlier, so a concurrent change wins
    once and the other is a 409 rather than a silent overwrite.
    """
    changed = (Agent.update(level=level.id, level_since=utcnow())
               .where(Agent.id == agent.id, Agent.level == agent.level_id).execute())
    if not changed:
        raise Conflict("代理等级已被其他操作修改，请刷新后重试", code="level_changed")
    old_level = agent.level
    entry = record(agent.id, "level", old_level.id, level.id, reason=reason, source=source, actor_id=actor_id)
    kind = "agent_promoted" if level.rank < old_level.rank else "agent_demoted"
    data = {"agent_id": agent.id, "agent_name": agent.name, "from_level": old_level.name,
            "to_level": level.name, "reason": reason}
    notify.enqueue(kind=kind, recipient=notify.recipient_agent(agent.id), data=data,
                   dedupe_key=f"{kind}:{entry.id}:agent")
    notify.enqueue(kind=kind, recipient=notify.RECIPIENT_OWNERS, data=data, dedupe_key=f"{kind}:{entry.id}:owners")
    agent.level, agent.level_id = level, level.id
    return entry
