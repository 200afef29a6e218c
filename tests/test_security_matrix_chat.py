"""The chat lane of the security matrix: a console account's WeChat binding acts only while the account's sessions do.

Every brand command, asked from the binding of a staff account after each way its sessions end (logout, a new
password, the owner's reset, disabling), answers nothing but that the binding must be made again, and decides
nothing. A bind QR made before the sessions ended binds a WeChat that cannot act either.
"""
import pytest

from app.agents.models import AgentApplication
from app.notify import service as notify
from app.notify.sender import drain_outbox
from app.orders import service as orders
from bot.commands import NOT_BOUND, REBIND
from tests.factories import (DEFAULT_PASSWORD, admin_headers, bind_scene_from_fake, bound_admin, chat, event_xml,
                             make_admin, make_agent, orderable, pending_application, place, post_wechat, unique)

BRAND_ASKS = ("今日", "库存", "预警", "审核", "订单 {order}", "通过 S{application}", "驳回 S{application} 资料不全")


def _revoke(client, how, user):
    """End `user`'s sessions the way `how` names, through the console API."""
    if how == "logout":
        response = client.post("/admin/api/auth/logout", headers=admin_headers(client, user))
    elif how == "password":
        response = client.post("/admin/api/auth/password", headers=admin_headers(client, user),
                               json={"old_password": DEFAULT_PASSWORD, "new_password": "another-horse-7"})
    else:
        owner = admin_headers(client, make_admin("owner"))
        response = (client.put(f"/admin/api/users/{user.id}/password", headers=owner, json={"password": "reset-horse-8"})
                    if how == "reset" else
                    client.put(f"/admin/api/users/{user.id}/active", headers=owner, json={"active": False}))
    assert response.status_code in (200, 204), response.get_data(as_text=True)


@pytest.mark.parametrize("how", ["logout", "password", "reset", "disable"])
def test_a_revoked_console_accounts_binding_answers_no_brand_command(client, how):
    staff, openid = bound_admin("staff")
    application = pending_application()
    buyer = make_agent()
    product, _ = orderable()
    number = orders.order_no(place(buyer, (product, 1)))
    _revoke(client, how, staff)
    answer = NOT_BOUND if how == "disable" else REBIND
    asks = [ask.format(order=number, application=application.id) for ask in BRAND_ASKS]
    wrong = [(ask, reply) for ask in asks for reply in [chat(client, openid, ask)] if reply != answer]
    assert wrong == []
    assert AgentApplication.get_by_id(application.id).status == "pending"


def test_a_bind_qr_made_before_a_logout_binds_a_wechat_that_cannot_act(client, fake_wechat):
    staff = make_admin("staff")
    headers = admin_headers(client, staff)
    assert client.post("/admin/api/wechat/bind-qr", headers=headers).status_code == 201
    scene = bind_scene_from_fake(fake_wechat)
    assert client.post("/admin/api/auth/logout", headers=headers).status_code == 204
    openid = unique("oa-openid-")
    post_wechat(client, event_xml(openid, "subscribe", key="qrscene_" + scene))
    assert chat(client, openid, "审核") == REBIND


def test_binding_again_after_a_logout_restores_the_powers(client, fake_wechat):
    staff, openid = bound_admin("staff")
    _revoke(client, "logout", staff)
    headers = admin_headers(client, staff)
    assert client.post("/admin/api/wechat/bind-qr", headers=headers).status_code == 201
    post_wechat(client, event_xml(openid, "SCAN", key=bind_scene_from_fake(fake_wechat)))
    assert chat(client, openid, "审核") == "暂无待审核的申请或调级。"


@pytest.mark.parametrize("how", ["logout", "disable"])
def test_a_revoked_binding_receives_no_alerts(client, fake_wechat, how):
    staff, _ = bound_admin("staff")
    _revoke(client, how, staff)
    notify.enqueue(kind="low_stock", recipient=f"admin:{staff.id}", data={"product": "面霜", "available": 1},
                   dedupe_key=unique("alert-"))
    drain_outbox()
    assert fake_wechat.delivered("/cgi-bin/message/template/send") == []
