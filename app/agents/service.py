"""Agent use cases: who is calling, and (with the agents issue) the whole network."""
from app.accounts.models import WechatUser
from app.agents.models import Agent, AgentLevel
from app.errors import Forbidden


def agent_for_wechat_user(wechat_user_id):
    """The agent signed in through the mini-program, or Forbidden when the user is no agent."""
    agent = Agent.get_or_none(Agent.wechat_user == wechat_user_id)
    if agent is None or agent.status == "left":
        raise Forbidden("您还不是代理，请先使用邀请码申请", code="not_an_agent")
    return agent


def agent_with_level(agent_id):
    """The agent with its level loaded, or None."""
    return (Agent.select(Agent, AgentLevel).join(AgentLevel).where(Agent.id == agent_id).first())


def mini_program_openid(agent_id):
    """The openid the agent signs in to the mini-program with, or None."""
    agent = Agent.select(Agent, WechatUser).join(WechatUser).where(Agent.id == agent_id).first()
    return agent.wechat_user.openid if agent else None
