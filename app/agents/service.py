"""Agent use cases: who is calling, and (with the agents issue) the whole network."""
from app.agents.models import Agent
from app.errors import Forbidden


def agent_for_wechat_user(wechat_user_id):
    """The agent signed in through the mini-program, or Forbidden when the user is no agent."""
    agent = Agent.get_or_none(Agent.wechat_user == wechat_user_id)
    if agent is None or agent.status == "left":
        raise Forbidden("您还不是代理，请先使用邀请码申请", code="not_an_agent")
    return agent
