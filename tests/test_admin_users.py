"""The owner manages console accounts: roles, disabling and enabling, resetting passwords (service and JSON API)."""
import pytest

from app.accounts import service as accounts
from app.errors import Conflict, InvalidInput, Unauthenticated
from tests.factories import admin_headers, make_admin


def test_changing_a_role_takes_effect_on_the_next_request(client):
    owner, staff = make_admin("owner"), make_admin("staff")
    headers = admin_headers(client, staff)
    accounts.change_admin_role(actor=owner, user_id=staff.id, role="finance")
    assert client.get("/admin/api/finance/rules", headers=headers).status_code == 200


def test_an_unknown_role_is_refused_on_the_role_field():
    with pytest.raises(InvalidInput) as refused:
        accounts.change_admin_role(actor=make_admin("owner"), user_id=make_admin("staff").id, role="boss")
    assert "role" in refused.value.fields


def test_the_owner_cannot_demote_itself():
    owner = make_admin("owner")
    make_admin("owner")
    with pytest.raises(Conflict) as refused:
        accounts.change_admin_role(actor=owner, user_id=owner.id, role="staff")
    assert refused.value.code == "own_account"


def test_the_last_active_owner_cannot_be_demoted():
    last = make_admin("owner")
    accounts.set_admin_active(actor=last, user_id=make_admin("owner").id, active=False)
    with pytest.raises(Conflict) as refused:
        accounts.change_admin_role(actor=make_admin("staff"), user_id=last.id, role="staff")
    assert refused.value.code == "last_owner"


def test_another_owner_may_be_demoted_while_one_remains():
    owner, other = make_admin("owner"), make_admin("owner")
    assert accounts.change_admin_role(actor=owner, user_id=other.id, role="staff").role == "staff"


def test_a_disabled_users_tokens_stop_working(client):
    owner, staff = make_admin("owner"), make_admin("staff")
    token = admin_headers(client, staff)["Authorization"].removeprefix("Bearer ")
    accounts.set_admin_active(actor=owner, user_id=staff.id, active=False)
    with pytest.raises(Unauthenticated):
        accounts.admin_from_token(token)


def test_enabling_again_does_not_revive_old_sessions(client):
    owner, staff = make_admin("owner"), make_admin("staff")
    token = admin_headers(client, staff)["Authorization"].removeprefix("Bearer ")
    accounts.set_admin_active(actor=owner, user_id=staff.id, active=False)
    assert accounts.set_admin_active(actor=owner, user_id=staff.id, active=True).active
    with pytest.raises(Unauthenticated):
        accounts.admin_from_token(token)


def test_the_owner_cannot_disable_itself():
    owner = make_admin("owner")
    with pytest.raises(Conflict) as refused:
        accounts.set_admin_active(actor=owner, user_id=owner.id, active=False)
    assert refused.value.fields == {"active": "不能修改自己的账号"}


def test_a_reset_password_signs_in_and_ends_earlier_sessions(client):
    owner, staff = make_admin("owner"), make_admin("staff")
    token = admin_headers(client, staff)["Authorization"].removeprefix("Bearer ")
    accounts.reset_admin_password(actor=owner, user_id=staff.id, password="new-secret-1")
    with pytest.raises(Unauthenticated):
        accounts.admin_from_token(token)
    assert admin_headers(client, staff, password="new-secret-1")


def test_a_short_reset_password_is_refused_on_its_field():
    with pytest.raises(InvalidInput) as refused:
        accounts.reset_admin_password(actor=make_admin("owner"), user_id=make_admin("staff").id, password="short")
    assert "password" in refused.value.fields


def test_the_owner_resets_its_own_password_only_with_the_old_one():
    owner = make_admin("owner")
    with pytest.raises(Conflict):
        accounts.reset_admin_password(actor=owner, user_id=owner.id, password="new-secret-1")


def test_the_api_changes_a_role(client):
    staff = make_admin("staff")
    response = client.put(f"/admin/api/users/{staff.id}/role", json={"role": "warehouse"},
                          headers=admin_headers(client, make_admin("owner")))
    assert response.status_code == 200 and response.get_json()["role"] == "warehouse"


def test_the_api_disables_an_account(client):
    staff = make_admin("staff")
    response = client.put(f"/admin/api/users/{staff.id}/active", json={"active": False},
                          headers=admin_headers(client, make_admin("owner")))
    assert response.status_code == 200 and response.get_json()["active"] is False


def test_the_api_refuses_disabling_oneself(client):
    owner = make_admin("owner")
    response = client.put(f"/admin/api/users/{owner.id}/active", json={"active": False},
                          headers=admin_headers(client, owner))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "own_account"


def test_the_api_resets_a_password(client):
    staff = make_admin("staff")
    response = client.put(f"/admin/api/users/{staff.id}/password", json={"password": "new-secret-1"},
                          headers=admin_headers(client, make_admin("owner")))
    assert response.status_code == 200 and admin_headers(client, staff, password="new-secret-1")


def test_staff_may_not_manage_accounts(client):
    response = client.put(f"/admin/api/users/{make_admin('finance').id}/role", json={"role": "owner"},
                          headers=admin_headers(client, make_admin("staff")))
    assert response.status_code == 403


def test_the_api_lists_accounts_a_page_at_a_time(client):
    headers = admin_headers(client, make_admin("owner"))
    make_admin("staff")
    body = client.get("/admin/api/users?per_page=1&page=2", headers=headers).get_json()
    assert body["total"] == 2 and len(body["items"]) == 1 and body["items"][0]["role"] == "staff"
