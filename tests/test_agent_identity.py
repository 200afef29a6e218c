"""The mini-program knows which agent is calling."""
import pytest

from app.agents import service as agents
from app.errors import Forbidden
from tests.factories import agent_headers, wechat_login


def test_a_wechat_user_who_is_no_agent_is_forbidden(client, fake_wechat):
    _, body = wechat_login(client, fake_wechat)
    with pytest.raises(Forbidden):
        agents.agent_for_wechat_user(body["user_id"])


def test_an_agent_is_found_from_its_wechat_user(client, fake_wechat):
    _, agent = agent_headers(client, fake_wechat)
    assert agents.agent_for_wechat_user(agent.wechat_user_id).id == agent.id


def test_an_agent_who_left_is_no_longer_an_agent(client, fake_wechat):
    _, agent = agent_headers(client, fake_wechat, status="left")
    with pytest.raises(Forbidden):
        agents.agent_for_wechat_user(agent.wechat_user_id)
