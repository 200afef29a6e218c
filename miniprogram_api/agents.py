"""Agents in the mini-program: applying with an invite, binding, and an agent's own profile,
invite, team and performance (and those of its downline, never anyone else's)."""
from flask import Response, g

from app.agents import service as agents
from app.agents.schemas import (AgentApplicationOut, AgentOut, AgentPerformanceOut, AgentPeriodQuery, AgentTeamOut,
                                AgentTeamQuery)
from app.brand import service as brand
from app.http import Blueprint, agent_required, wechat_login_required
from app.orders import service as orders
from app.ratelimit import join_code_limited
from app.schemas import RowId, Schema, Yuan, fields, validate

blp = Blueprint("mp_agents", __name__, url_prefix="/api/mp/agents", description="代理申请与下级")
me_blp = Blueprint("mp_me", __name__, url_prefix="/api/mp/me", description="我的代理资料")

INVITE_IMAGE_PATH = "/api/mp/me/invite.png"


class MpApplyBody(Schema):
    invite_code = fields.String(required=True, validate=validate.Length(min=1, max=16))
    name = fields.String(required=True, validate=validate.Length(min=1, max=64))
    phone = fields.String(load_default="", validate=validate.Length(max=20))
    phone_code = fields.String(load_default="", validate=validate.Length(max=128),
                               metadata={"description": "the getPhoneNumber button's code, instead of phone"})
    province = fields.String(load_default="", validate=validate.Length(max=32))
    city = fields.String(load_default="", validate=validate.Length(max=32))
    level_id = RowId(load_default=None, allow_none=True)


class MpBindBody(Schema):
    bind_code = fields.String(required=True, validate=validate.Length(min=1, max=16))


class MpInviteOut(Schema):
    invite_code = fields.String()
    image_url = fields.String()
    brand = fields.String()


@blp.route("/applications", methods=["POST"])
@wechat_login_required
@join_code_limited
@blp.arguments(MpApplyBody)
@blp.response(201, AgentApplicationOut)
def apply(body):
    """Apply to join with an agent's invite code."""
    return agents.apply(wechat_user_id=g.wechat_user.id, **body)


@blp.route("/applications/mine", methods=["GET"])
@wechat_login_required
@blp.response(200, AgentApplicationOut)
def my_application():
    """The state of my latest application."""
    return agents.my_application(g.wechat_user.id)


@blp.route("/bind", methods=["POST"])
@wechat_login_required
@join_code_limited
@blp.arguments(MpBindBody)
@blp.response(200, AgentOut)
def bind(body):
    """Link my WeChat to the agent the brand created for me, with its bind code."""
    return agents.bind_wechat(wechat_user_id=g.wechat_user.id, **body)


@blp.route("/<id:agent_id>", methods=["GET"])
@agent_required
@blp.response(200, AgentOut)
def downline_profile(agent_id):
    """A member of my downline (404 for anyone else)."""
    return agents.visible_agent(g.agent, agent_id)


@blp.route("/<id:agent_id>/team", methods=["GET"])
@agent_required
@blp.arguments(AgentTeamQuery, location="query")
@blp.response(200, AgentTeamOut)
def downline_team(query, agent_id):
    """The team of a member of my downline."""
    return agents.team_for_viewer(g.agent, agent_id=agent_id, **query)


@blp.route("/<id:agent_id>/performance", methods=["GET"])
@agent_required
@blp.arguments(AgentPeriodQuery, location="query")
@blp.response(200, AgentPerformanceOut)
def downline_performance(query, agent_id):
    """The purchases, team purchases, recruits and retail sales of a member of my downline over a period."""
    return agents.performance_for_viewer(g.agent, agent_id=agent_id, **query)


@me_blp.route("/profile", methods=["GET"])
@agent_required
@me_blp.response(200, AgentOut)
def my_profile():
    """My agent profile: level, status, term, invite code."""
    return agents.get_agent(g.agent.id)


@me_blp.route("/invite", methods=["GET"])
@agent_required
@me_blp.response(200, MpInviteOut)
def my_invite():
    """My invite code, where to fetch its mini-program code image, and the brand's name (for the poster)."""
    return {"invite_code": g.agent.invite_code, "image_url": INVITE_IMAGE_PATH, "brand": brand.current().name}


@me_blp.route("/invite.png", methods=["GET"])
@agent_required
@me_blp.doc(responses={"200": {"description": "PNG", "content": {"image/png": {}}}})
def my_invite_image():
    """My invite as a mini-program code (PNG) that opens the application form."""
    png = agents.invite_image(g.agent)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=86400"})


@me_blp.route("/team", methods=["GET"])
@agent_required
@me_blp.arguments(AgentTeamQuery, location="query")
@me_blp.response(200, AgentTeamOut)
def my_team(query):
    """My downline: counts by depth and level, and one page of members."""
    return agents.team_for_viewer(g.agent, agent_id=g.agent.id, **query)


class MpHoldingOut(Schema):
    product_id = fields.Integer()
    product_name = fields.String()
    on_the_way = fields.Integer()
    received = fields.Integer()
    sold = fields.Integer()
    on_hand = fields.Integer()


class MpHoldingsOut(Schema):
    items = fields.List(fields.Nested(MpHoldingOut))


@me_blp.route("/stock", methods=["GET"])
@agent_required
@me_blp.response(200, MpHoldingsOut)
def my_stock():
    """My own stock (囤货), per product: on the way, received from my orders, sold to my customers, on hand.
    Orders sent straight to customers do not count."""
    return {"items": orders.agent_holdings(g.agent.id)}


@me_blp.route("/performance", methods=["GET"])
@agent_required
@me_blp.arguments(AgentPeriodQuery, location="query")
@me_blp.response(200, AgentPerformanceOut)
def my_performance(query):
    """My purchases, my team's purchases, new recruits and retail sales over a period."""
    return agents.my_performance(g.agent, **query)


class MpHomeAgentOut(Schema):
    id = fields.Integer()
    name = fields.String()
    level_name = fields.Function(lambda agent: agent.level.name)
    status = fields.String()
    term_ends_on = fields.Date(attribute="term_end", allow_none=True)


class MpLowStockOut(Schema):
    product_id = fields.Integer()
    name = fields.String(attribute="product_name")
    on_hand = fields.Integer()


class MpTodoOut(Schema):
    orders_to_pay = fields.Integer()
    approvals_waiting = fields.Integer()
    low_stock = fields.List(fields.Nested(MpLowStockOut))


class MpLevelProgressOut(Schema):
    next_level_name = fields.String(allow_none=True)
    amount_needed = Yuan(attribute="amount_needed_fen", allow_none=True)
    recruits_needed = fields.Integer(allow_none=True)
    text = fields.String(allow_none=True)


class MpHomeOut(Schema):
    agent = fields.Nested(MpHomeAgentOut)
    todo = fields.Nested(MpTodoOut)
    level_progress = fields.Nested(MpLevelProgressOut)


@me_blp.route("/home", methods=["GET"])
@agent_required
@me_blp.response(200, MpHomeOut)
def my_home():
    """My home page: level and term, what needs doing, and what I still need for the next level."""
    agent = agents.get_agent(g.agent.id)
    return {"agent": agent, "todo": orders.agent_todo(agent), "level_progress": agents.level_progress(agent)}


class MpRankingQuery(AgentPeriodQuery):
    period = fields.String(load_default="month", validate=validate.OneOf(["month"]))


class MpRankingRowOut(Schema):
    rank = fields.Integer()
    agent_id = fields.Integer()
    name = fields.String()
    amount = Yuan()


class MpMyRankOut(Schema):
    rank = fields.Integer()
    amount = Yuan()


class MpRankingOut(Schema):
    items = fields.List(fields.Nested(MpRankingRowOut))
    mine = fields.Nested(MpMyRankOut)


@me_blp.route("/ranking", methods=["GET"])
@agent_required
@me_blp.arguments(MpRankingQuery, location="query")
@me_blp.response(200, MpRankingOut)
def my_ranking(query):
    """My team (me and my whole downline) ranked by own purchases over a period (default this month)."""
    ranking = agents.team_ranking(g.agent, start=query["start"], end=query["end"])
    return {"items": [{"rank": rank, "agent_id": member.id, "name": member.name, "amount": amount}
                      for rank, member, amount in ranking.items],
            "mine": {"rank": ranking.my_rank, "amount": ranking.my_amount_fen}}
