"""The demo brand comes with a small agent network."""
from app.agents import service as agents
from app.agents.models import Agent, AgentLevel


def test_the_demo_seed_builds_three_levels_and_a_small_tree(app):
    app.test_cli_runner().invoke(args=["seed"])
    assert [level.name for level in AgentLevel.select().order_by(AgentLevel.rank)] == ["总代理", "区域代理", "普通代理"]
    top = Agent.get(Agent.upline.is_null())
    assert agents.team(agent_id=top.id)["total"] == Agent.select().count() - 1
