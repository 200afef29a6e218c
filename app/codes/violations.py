"""Violations of the brand's rules by an agent (窜货, prices outside 控价) and the owner's actions on them."""
import json

from peewee import Case, fn

from app.agents import service as agents
from app.clock import utcnow
from app.codes.models import VIOLATION_KIND_NAMES, Violation
from app.config import get_settings
from app.database import db, paginate
from app.errors import InvalidInput, NotFound
from app.money import format_yuan
from app.notify import service as notify

ACTIONS = {"warn": "warned", "note": "noted", "suspend": "suspended", "dismiss": "dismissed"}


def record_violation(*, agent_id, kind, source, dedupe_key, evidence, code_id=None, product_id=None,
                     price_fen=None, min_fen=None, max_fen=None, province="", place_source="", status="open"):
    """Record a violation once per `dedupe_key`; an `open` one alerts the owner (and, for 窜货 where configured, the
    upline), one opened `review` waits for the owner to look without an alert.

    Call inside the transaction that found it; returns the new Violation or None when it was recorded before.
    """
    inserted = (Violation.insert(agent=agent_id, kind=kind, source=source, dedupe_key=dedupe_key[:191],
                                 code=code_id, product=product_id, price_fen=price_fen, min_fen=min_fen,
                                 max_fen=max_fen, province=province, place_source=place_source, status=status,
                                 evidence=json.dumps(evidence, ensure_ascii=False, default=str))
                .on_conflict_ignore().as_rowcount().execute())
    if not inserted:
        return None
    violation = Violation.get(Violation.dedupe_key == dedupe_key[:191])
    if status != "open":
        return violation
    agent = agents.get_agent(agent_id)
    data = {"violation_id": violation.id, "agent_id": agent.id, "agent_name": agent.name, "kind": kind,
            "kind_label": VIOLATION_KIND_NAMES[kind], "source": source, "province": province,
            "price": format_yuan(price_fen) if price_fen is not None else None}
    notify.enqueue(kind=f"violation_{kind}", recipient="owners", data=data, dedupe_key=f"violation:{violation.id}")
    if kind == "cross_region" and agent.upline_id and get_settings().CROSS_REGION_NOTIFY_UPLINE:
        notify.enqueue(kind="violation_cross_region_downline", recipient=notify.recipient_agent(agent.upline_id),
                       data=data, dedupe_key=f"violation:{violation.id}:upline")
    return violation


def get_violation(violation_id):
    """One violation, or NotFound."""
    violation = Violation.get_or_none(Violation.id == violation_id)
    if violation is None:
        raise NotFound("违规记录不存在", code="violation_not_found")
    return violation


def list_violations(*, agent_id=None, kind=None, status=None, page=1, per_page=50):
    """Violations, newest first, optionally of one agent, kind or status (an agent's history)."""
    query = Violation.select().order_by(Violation.id.desc())
    if agent_id:
        query = query.where(Violation.agent == agent_id)
    if kind:
        query = query.where(Violation.kind == kind)
    if status:
        query = query.where(Violation.status == status)
    return paginate(query, page=page, per_page=per_page)


def act_on_violation(*, violation_id, action, note, actor_id):
    """The owner warns the agent (a message to it), notes, suspends the agent (through the agents service) or
    dismisses; the violation keeps the last action, who and when."""
    if action not in ACTIONS:
        raise InvalidInput.on("action", "操作必须是 " + "、".join(ACTIONS) + " 之一")
    note = (note or "").strip()[:255]
    if action in ("note", "suspend") and not note:
        raise InvalidInput.on("note", "请填写说明")
    with db.atomic():
        violation = get_violation(violation_id)
        label = VIOLATION_KIND_NAMES[violation.kind]
        if action == "warn":
            notify.enqueue(kind="violation_warning", recipient=notify.recipient_agent(violation.agent_id),
                           data={"violation_id": violation.id, "kind_label": label, "note": note},
                           dedupe_key=f"violation:{violation.id}:warning")
        if action == "suspend" and agents.get_agent(violation.agent_id).status != "suspended":
            agents.change_status(agent_id=violation.agent_id, status="suspended",
                                 reason=f"违规（{label}，记录 {violation.id}）：{note}", actor_id=actor_id)
        (Violation.update(status=ACTIONS[action], acted_by=f"admin:{actor_id}", acted_at=utcnow(), action_note=note)
         .where(Violation.id == violation.id).execute())
    return get_violation(violation_id)


def summary(*, since=None, until=None):
    """Violations per agent and kind: [{"agent_id", "agent_name", "kind", "count", "open"}], most first."""
    query = (Violation.select(Violation.agent, Violation.kind, fn.COUNT(Violation.id).alias("count"),
                              fn.SUM(Case(None, ((Violation.status == "open", 1),), 0)).alias("open"))
             .group_by(Violation.agent, Violation.kind).order_by(fn.COUNT(Violation.id).desc()))
    if since:
        query = query.where(Violation.created_at >= since)
    if until:
        query = query.where(Violation.created_at < until)
    rows = list(query.dicts())
    names = {agent_id: agents.get_agent(agent_id).name for agent_id in {row["agent"] for row in rows}}
    return [{"agent_id": row["agent"], "agent_name": names[row["agent"]], "kind": row["kind"],
             "count": row["count"], "open": int(row["open"] or 0)} for row in rows]

