"""Binding: a one-time parametric QR links a WeChat follower to a console user or an agent."""
from datetime import timedelta

from app.chat.models import BindToken, WechatBinding
from app.clock import utcnow
from tests.factories import (admin_headers, agent_headers, bind_scene_from_fake, event_xml, make_admin, make_binding,
                             post_wechat, reply_content, settings_changed, unique)


def console_bind_scene(client, fake_wechat, user=None):
    user = user or make_admin("staff")
    response = client.post("/admin/api/wechat/bind-qr", headers=admin_headers(client, user))
    assert response.status_code == 201, response.get_json()
    return user, response.get_json(), bind_scene_from_fake(fake_wechat)


def scan(client, openid, scene, event="subscribe"):
    key = f"qrscene_{scene}" if event == "subscribe" else scene
    return reply_content(post_wechat(client, event_xml(openid, event, key=key)))


def test_console_gets_a_temporary_bind_qr(client, fake_wechat):
    _, qr, scene = console_bind_scene(client, fake_wechat)
    request = fake_wechat.delivered("/cgi-bin/qrcode/create")[-1]
    assert request["action_name"] == "QR_STR_SCENE" and request["expire_seconds"] == 600
    assert scene.startswith("bind:") and qr["url"].startswith("http://weixin.qq.com/q/")
    assert "showqrcode?ticket=" in qr["image_url"] and qr["expires_in"] == 600


def test_subscribing_through_the_qr_binds_the_console_user(client, fake_wechat):
    user, _, scene = console_bind_scene(client, fake_wechat)
    reply = scan(client, "oa-openid-new", scene)
    assert reply.startswith("绑定成功")
    assert WechatBinding.get(WechatBinding.openid == "oa-openid-new").account == f"admin:{user.id}"


def test_a_follower_scanning_the_qr_is_bound(client, fake_wechat):
    user, _, scene = console_bind_scene(client, fake_wechat)
    assert scan(client, "oa-openid-follower", scene, event="SCAN").startswith("绑定成功")
    assert WechatBinding.get(WechatBinding.account == f"admin:{user.id}").openid == "oa-openid-follower"


def test_a_bind_qr_works_once(client, fake_wechat):
    user, _, scene = console_bind_scene(client, fake_wechat)
    scan(client, "oa-openid-first", scene, event="SCAN")
    assert "已过期或已使用" in scan(client, "oa-openid-second", scene, event="SCAN")
    assert WechatBinding.get(WechatBinding.account == f"admin:{user.id}").openid == "oa-openid-first"


def test_an_expired_bind_qr_binds_nobody(client, fake_wechat):
    _, _, scene = console_bind_scene(client, fake_wechat)
    BindToken.update(expires_at=utcnow() - timedelta(seconds=1)).execute()
    assert "已过期或已使用" in scan(client, "oa-openid-late", scene, event="SCAN")
    assert not WechatBinding.select().where(WechatBinding.openid == "oa-openid-late").exists()


def test_a_made_up_scene_binds_nobody(client):
    assert "已过期或已使用" in scan(client, "oa-openid-guess", "bind:guessed-token", event="SCAN")
    assert not WechatBinding.select().exists()


def test_binding_again_replaces_the_earlier_wechat(client, fake_wechat):
    user = make_admin("owner")
    make_binding(f"admin:{user.id}", "oa-openid-old")
    _, _, scene = console_bind_scene(client, fake_wechat, user)
    scan(client, "oa-openid-new-phone", scene, event="SCAN")
    assert [b.openid for b in WechatBinding.select()] == ["oa-openid-new-phone"]


def test_an_agent_binds_from_the_mini_program(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    assert client.post("/api/mp/wechat/bind-qr", headers=headers).status_code == 201
    scan(client, "oa-openid-agent", bind_scene_from_fake(fake_wechat))
    assert client.get("/api/mp/wechat/binding", headers=headers).get_json()["bound"] is True
    assert WechatBinding.get(WechatBinding.openid == "oa-openid-agent").account == f"agent:{agent.id}"


def test_console_unbinds(client):
    user = make_admin("staff")
    make_binding(f"admin:{user.id}")
    headers = admin_headers(client, user)
    assert client.delete("/admin/api/wechat/binding", headers=headers).status_code == 204
    assert client.get("/admin/api/wechat/binding", headers=headers).get_json() == {"bound": False, "bound_at": None}


def test_unfollowing_removes_the_binding(client):
    binding = make_binding(f"admin:{make_admin('staff').id}")
    post_wechat(client, event_xml(binding.openid, "unsubscribe"))
    assert not WechatBinding.select().exists()


def test_bind_qr_without_official_account_credentials_is_503(client):
    headers = admin_headers(client, make_admin("staff"))
    with settings_changed(WECHAT_OA_APPID=""):
        response = client.post("/admin/api/wechat/bind-qr", headers=headers)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "wechat_not_configured"


def test_bind_qr_when_wechat_fails_is_503(client, fake_wechat):
    headers = admin_headers(client, make_admin("staff"))
    fake_wechat.http_error_next("/cgi-bin/qrcode/create", 502)
    response = client.post("/admin/api/wechat/bind-qr", headers=headers)
    assert response.status_code == 503
    assert response.get_json()["error"]["message"] == "微信服务暂时不可用，请稍后再试"


def test_subscribing_without_a_scene_is_welcomed(client):
    assert reply_content(post_wechat(client, event_xml(unique("openid-"), "subscribe"))).startswith("欢迎关注")
