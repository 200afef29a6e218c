"""Agent use cases: who is calling, and (with the agents issue) the whole network."""
from app.agents.models import Agent, AgentLevel
from app.errors import Forbidden, NotFound


def agent_for_wechat_user(wechat_user_id):
    """The agent signed in through the mini-program, or Forbidden when the user is no agent."""
    agent = Agent.get_or_none(Agent.wechat_user == wechat_user_id)
    if agent is None or agent.status == "left":
        raise Forbidden("您还不是代理，请先使用邀请码申请", code="not_an_agent")
    return agent


def get_level(level_id):
    """The agent level with this id, or NotFound."""
    level = AgentLevel.get_or_none(AgentLevel.id == level_id)
    if level is None:
        raise NotFound("代理等级不存在", code="level_not_found")
    return level


def active_levels():
    """Every active agent level, highest rank first."""
    return list(AgentLevel.select().where(AgentLevel.active).order_by(AgentLevel.rank))
