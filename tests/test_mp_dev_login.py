"""Development login: a mini-program token without WeChat, only with ENV=development and DEV_LOGIN=1."""
import pytest

from app.agents.models import Agent
from tests.factories import make_agent, make_wechat_user, settings_changed

DEV_LOGIN = {"ENV": "development", "DEV_LOGIN": True}


def dev_login(client, **body):
    return client.post("/api/mp/auth/dev-login", json=body)


def test_dev_login_as_an_agent_without_wechat_binds_a_development_user(client):
    agent = make_agent()
    with settings_changed(**DEV_LOGIN):
        response = dev_login(client, agent_id=agent.id)
    assert response.status_code == 200
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}
    assert client.get("/api/mp/me/profile", headers=headers).get_json()["id"] == agent.id
    assert Agent.get_by_id(agent.id).wechat_user.openid == f"dev-agent-{agent.id}"


def test_dev_login_as_a_bound_agent_signs_in_as_its_wechat_user(client):
    user = make_wechat_user()
    agent = make_agent(wechat_user=user)
    with settings_changed(**DEV_LOGIN):
        body = dev_login(client, agent_id=agent.id).get_json()
    assert body["user_id"] == user.id


def test_dev_login_by_openid_signs_in_a_user_with_no_agent(client):
    with settings_changed(**DEV_LOGIN):
        body = dev_login(client, openid="dev-new-1").get_json()
        again = dev_login(client, openid="dev-new-1").get_json()
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/mp/auth/me", headers=headers).get_json()["openid"] == "dev-new-1"
    assert again["user_id"] == body["user_id"]
    assert client.get("/api/mp/me/profile", headers=headers).status_code in (403, 404)


def test_dev_login_of_an_unknown_agent_is_404(client):
    with settings_changed(**DEV_LOGIN):
        assert dev_login(client, agent_id=987654321).status_code == 404


def test_dev_login_needs_exactly_one_of_agent_or_openid(client):
    with settings_changed(**DEV_LOGIN):
        assert dev_login(client).status_code == 422
        assert dev_login(client, agent_id=1, openid="x").status_code == 422


@pytest.mark.parametrize("changes", [
    {"ENV": "development", "DEV_LOGIN": False},
    {"ENV": "testing", "DEV_LOGIN": True},
    {"ENV": "production", "DEV_LOGIN": True},
])
def test_dev_login_is_404_unless_development_with_dev_login(client, changes):
    agent = make_agent()
    with settings_changed(**changes):
        response = dev_login(client, agent_id=agent.id)
        by_openid = dev_login(client, openid="dev-new-2")
    assert response.status_code == 404 and by_openid.status_code == 404
    assert "token" not in response.get_json()
    assert Agent.get_by_id(agent.id).wechat_user_id is None
