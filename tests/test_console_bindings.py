"""Console page: the owner sees every WeChat binding, whether it may still act, and removes any."""
from app.chat.models import WechatBinding
from tests.factories import bound_admin, bound_agent, console_as, console_post


def test_the_owner_sees_each_binding_and_whether_it_may_act(client):
    staff, openid = bound_admin("staff")
    agent, _ = bound_agent(name="王五")
    WechatBinding.update(token_version=WechatBinding.token_version - 1).where(
        WechatBinding.account == f"admin:{staff.id}").execute()
    console_as(client, "owner")
    page = client.get("/admin/settings/bindings").get_data(as_text=True)
    assert staff.username in page and "需重新绑定" in page and "…" + openid[-6:] in page
    assert "王五" in page and "有效" in page
    assert f"admin:{staff.id}" not in page and f"agent:{agent.id}" not in page


def test_the_owner_removes_a_binding(client):
    staff, _ = bound_admin("staff")
    binding = WechatBinding.get(WechatBinding.account == f"admin:{staff.id}")
    console_as(client, "owner")
    assert console_post(client, f"/admin/settings/bindings/{binding.id}/delete").status_code == 302
    assert not WechatBinding.select().where(WechatBinding.id == binding.id).exists()


def test_removing_a_binding_already_gone_is_refused_on_the_page(client):
    console_as(client, "owner")
    response = console_post(client, "/admin/settings/bindings/999999/delete")
    assert response.status_code == 404 and "该绑定不存在或已解除" in response.get_data(as_text=True)


def test_staff_may_not_open_the_bindings(client):
    console_as(client, "staff")
    assert client.get("/admin/settings/bindings").status_code == 403
