"""The mini-program knows which agent is calling: its token's WeChat user and that user's agent, read together."""
import pytest

from app.accounts.models import WechatUser
from app.agents import service as agents
from app.errors import Forbidden, Unauthenticated
from tests.factories import agent_headers, wechat_login


def _token(headers):
    return headers["Authorization"].removeprefix("Bearer ")


def test_a_wechat_user_who_is_no_agent_is_forbidden(client, fake_wechat):
    headers, _ = wechat_login(client, fake_wechat)
    with pytest.raises(Forbidden):
        agents.signed_in(_token(headers))


def test_an_agent_is_found_from_its_wechat_user(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    user, signed_in = agents.signed_in(_token(headers))
    assert (user.id, signed_in.id) == (agent.wechat_user_id, agent.id)


def test_an_agent_who_left_is_no_longer_an_agent(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat, status="left")
    with pytest.raises(Forbidden):
        agents.signed_in(_token(headers))


def test_an_agent_whose_tokens_were_revoked_is_signed_out(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    WechatUser.update(token_version=WechatUser.token_version + 1).where(
        WechatUser.id == agent.wechat_user_id).execute()
    with pytest.raises(Unauthenticated):
        agents.signed_in(_token(headers))
