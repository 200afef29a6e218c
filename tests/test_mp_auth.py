"""Agents log in to the mini-program with WeChat's code2session, through the fake WeChat server."""
from app.accounts.models import WechatUser
from tests.factories import wechat_login


def test_login_creates_the_wechat_user_and_returns_a_token(client, fake_wechat):
    headers, body = wechat_login(client, fake_wechat, "openid-alice")
    assert body["expires_in"] > 0
    assert WechatUser.get(WechatUser.openid == "openid-alice").id == body["user_id"]
    me = client.get("/api/mp/auth/me", headers=headers).get_json()
    assert me == {"user_id": body["user_id"], "openid": "openid-alice"}


def test_login_again_finds_the_same_user(client, fake_wechat):
    _, first = wechat_login(client, fake_wechat, "openid-bob")
    _, second = wechat_login(client, fake_wechat, "openid-bob")
    assert first["user_id"] == second["user_id"]
    assert WechatUser.select().where(WechatUser.openid == "openid-bob").count() == 1


def test_login_sends_our_appid_and_secret_to_wechat(client, fake_wechat):
    wechat_login(client, fake_wechat, "openid-carol")
    call = fake_wechat.calls("sns/jscode2session")[-1]
    assert call.query["appid"] == "wx-mp-test"
    assert call.query["grant_type"] == "authorization_code"


def test_unknown_code_is_401(client):
    response = client.post("/api/mp/auth/login", json={"code": "never-issued"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_code"


def test_reused_code_is_401(client, fake_wechat):
    code = fake_wechat.issue_login_code("openid-dave")
    assert client.post("/api/mp/auth/login", json={"code": code}).status_code == 200
    response = client.post("/api/mp/auth/login", json={"code": code})
    assert response.status_code == 401
    assert "已被使用" in response.get_json()["error"]["message"]


def test_wechat_rate_limit_is_429(client, fake_wechat):
    fake_wechat.fail_next("sns/jscode2session", 45011, "api minute-quota reach limit")
    code = fake_wechat.issue_login_code("openid-erin")
    assert client.post("/api/mp/auth/login", json={"code": code}).status_code == 429


def test_wechat_timeout_is_503(client, fake_wechat):
    fake_wechat.hang_next("sns/jscode2session", 3)
    code = fake_wechat.issue_login_code("openid-frank")
    assert client.post("/api/mp/auth/login", json={"code": code}).status_code == 503


def test_wechat_system_busy_is_503(client, fake_wechat):
    fake_wechat.fail_next("sns/jscode2session", -1, "system error")
    code = fake_wechat.issue_login_code("openid-gina")
    assert client.post("/api/mp/auth/login", json={"code": code}).status_code == 503


def test_me_without_token_is_401(client):
    assert client.get("/api/mp/auth/me").status_code == 401


def test_admin_token_is_refused_by_the_mini_program(client, fake_wechat):
    from tests.factories import admin_headers, make_admin

    headers = admin_headers(client, make_admin("owner"))
    assert client.get("/api/mp/auth/me", headers=headers).status_code == 401


def test_access_token_is_fetched_once_and_shared(client, fake_wechat):
    wechat_login(client, fake_wechat)
    wechat_login(client, fake_wechat)
    assert fake_wechat.token_fetches <= 1
