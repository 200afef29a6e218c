"""Agents in the console: list, detail with history, team, performance, ranking, changes by hand.

Owner and staff manage agents; finance and warehouse may read (finance settles
commissions per agent, the warehouse ships to them) but change nothing.
"""
from flask import g

from app.agents import service as agents
from app.agents.service import AGENT_STATUSES, RANKING_METRICS
from app.http import Blueprint, admin_required
from app.agents.schemas import (AgentOut, AgentPageQuery, AgentPerformanceOut, AgentPeriodQuery, AgentTeamOut,
                                AgentTeamQuery)
from app.schemas import RowId, Schema, UtcDateTime, Yuan, fields, page_body, page_schema, validate

blp = Blueprint("admin_agents", __name__, url_prefix="/admin/api/agents", description="代理管理")

READERS = ("staff", "finance", "warehouse")
MANAGERS = ("staff",)
REASON = fields.String(required=True, validate=validate.Length(min=1, max=255))






class AdminAgentQuery(AgentPageQuery):
    level_id = RowId()
    province = fields.String(validate=validate.Length(max=32))
    city = fields.String(validate=validate.Length(max=32))
    status = fields.String(validate=validate.OneOf(AGENT_STATUSES))
    upline_id = RowId()
    top_only = fields.Boolean(load_default=False)
    search = fields.String(data_key="q", validate=validate.Length(min=1, max=64))




class AdminAgentOut(AgentOut):
    notes = fields.String()
    wechat_bound = fields.Function(lambda agent: agent.wechat_user_id is not None)
    bind_code = fields.String(allow_none=True)


class AgentChangeOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    old_value = fields.String()
    new_value = fields.String()
    reason = fields.String()
    source = fields.String()
    actor_id = fields.Integer(allow_none=True)
    created_at = UtcDateTime()


class AdminAgentDetailOut(Schema):
    agent = fields.Nested(AdminAgentOut)
    team_total = fields.Integer()
    history = fields.List(fields.Nested(AgentChangeOut))










class AdminRankingQuery(AgentPeriodQuery):
    metric = fields.String(required=True, validate=validate.OneOf(RANKING_METRICS))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class AdminRankingRowOut(Schema):
    rank = fields.Integer()
    agent = fields.Nested(AgentOut)
    amount = Yuan(metadata={"description": "for purchases and retail"})
    count = fields.Integer(metadata={"description": "for recruits"})


class AdminAgentCreateBody(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    phone = fields.String(required=True, validate=validate.Length(max=20))
    level_id = RowId(required=True)
    province = fields.String(load_default="", validate=validate.Length(max=32))
    city = fields.String(load_default="", validate=validate.Length(max=32))
    upline_id = RowId(load_default=None, allow_none=True)
    term_end = fields.Date(load_default=None, allow_none=True)
    notes = fields.String(load_default="", validate=validate.Length(max=2000))


class AdminAgentLevelBody(Schema):
    level_id = RowId(required=True)
    reason = REASON


class AdminAgentUplineBody(Schema):
    upline_id = RowId(required=True, allow_none=True)
    reason = REASON


class AdminAgentStatusBody(Schema):
    status = fields.String(required=True, validate=validate.OneOf(agents.STATUSES_SET_BY_HAND))
    reason = REASON


class AdminAgentRenewBody(Schema):
    term_end = fields.Date(load_default=None, allow_none=True)
    reason = fields.String(load_default="续期", validate=validate.Length(min=1, max=255))


@blp.route("", methods=["GET"])
@admin_required(*READERS)
@blp.arguments(AdminAgentQuery, location="query")
@blp.response(200, page_schema(AdminAgentOut))
def list_agents(query):
    """Agents filtered by level, region, status, upline or name/phone, one page at a time."""
    return page_body(agents.list_agents(**query), query)


@blp.route("", methods=["POST"])
@admin_required(*MANAGERS)
@blp.arguments(AdminAgentCreateBody)
@blp.response(201, AdminAgentOut)
def create_agent(body):
    """Add an agent directly; it links its WeChat with the bind code it is given."""
    return agents.create_agent(actor_id=g.admin.id, **body)


@blp.route("/ranking", methods=["GET"])
@admin_required(*READERS)
@blp.arguments(AdminRankingQuery, location="query")
@blp.response(200, AdminRankingRowOut(many=True))
def ranking(query):
    """The best agents by own purchases, team purchases, new recruits or retail sales over a period."""
    key = "count" if query["metric"] == "recruits" else "amount"
    return [{"rank": position, "agent": agent, key: value}
            for position, (agent, value) in enumerate(agents.ranking(**query), start=1)]


@blp.route("/<id:agent_id>", methods=["GET"])
@admin_required(*READERS)
@blp.response(200, AdminAgentDetailOut)
def agent_detail(agent_id):
    """One agent, the size of its team and its whole history."""
    return {"agent": agents.get_agent(agent_id), "team_total": agents.count_downline(agent_id),
            "history": agents.history(agent_id)}


@blp.route("/<id:agent_id>/team", methods=["GET"])
@admin_required(*READERS)
@blp.arguments(AgentTeamQuery, location="query")
@blp.response(200, AgentTeamOut)
def agent_team(query, agent_id):
    """An agent's downline: counts and one page of members."""
    return agents.team(agent_id=agent_id, **query)


@blp.route("/<id:agent_id>/performance", methods=["GET"])
@admin_required(*READERS)
@blp.arguments(AgentPeriodQuery, location="query")
@blp.response(200, AgentPerformanceOut)
def agent_performance(query, agent_id):
    """An agent's figures over a period (this month by default)."""
    return agents.performance(agent_id, **query)


@blp.route("/<id:agent_id>/level", methods=["POST"])
@admin_required(*MANAGERS)
@blp.arguments(AdminAgentLevelBody)
@blp.response(200, AdminAgentOut)
def change_level(body, agent_id):
    """Set the agent's level by hand, with a reason."""
    return agents.change_level(agent_id=agent_id, actor_id=g.admin.id, **body)


@blp.route("/<id:agent_id>/upline", methods=["POST"])
@admin_required(*MANAGERS)
@blp.arguments(AdminAgentUplineBody)
@blp.response(200, AdminAgentOut)
def change_upline(body, agent_id):
    """Move the agent and its team under another upline (null: to the top), with a reason."""
    return agents.change_upline(agent_id=agent_id, actor_id=g.admin.id, **body)


@blp.route("/<id:agent_id>/status", methods=["POST"])
@admin_required(*MANAGERS)
@blp.arguments(AdminAgentStatusBody)
@blp.response(200, AdminAgentOut)
def change_status(body, agent_id):
    """Activate, suspend, or let the agent leave (its downline moves to its upline), with a reason."""
    return agents.change_status(agent_id=agent_id, actor_id=g.admin.id, **body)


@blp.route("/<id:agent_id>/renew", methods=["POST"])
@admin_required(*MANAGERS)
@blp.arguments(AdminAgentRenewBody)
@blp.response(200, AdminAgentOut)
def renew(body, agent_id):
    """Extend the agent's term (by its level's term length, or to `term_end`)."""
    return agents.renew_term(agent_id=agent_id, actor_id=g.admin.id, **body)
