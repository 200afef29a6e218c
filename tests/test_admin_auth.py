"""Console login with hashed passwords, roles, throttling and revocation."""
from datetime import timedelta

from app.accounts.models import AdminUser, LoginFailure
from tests.factories import DEFAULT_PASSWORD, admin_headers, make_admin


def login(client, username, password):
    return client.post("/admin/api/auth/login", json={"username": username, "password": password})


def test_login_returns_token_and_user(client):
    owner = make_admin("owner", username="boss")
    response = login(client, "boss", DEFAULT_PASSWORD)
    assert response.status_code == 200
    assert response.get_json()["user"] == {"id": owner.id, "username": "boss", "role": "owner", "display_name": "boss"}


def test_password_is_stored_hashed(client):
    user = make_admin("staff")
    assert DEFAULT_PASSWORD not in AdminUser.get_by_id(user.id).password_hash


def test_wrong_password_is_401(client):
    make_admin("staff", username="clerk")
    response = login(client, "clerk", "not-the-password")
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "用户名或密码错误"


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client):
    response = login(client, "nobody", "whatever-password")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "bad_credentials"


def _age_failures(username):
    """Move the username's failures a minute back: made earlier, not racing the next login."""
    for failure in LoginFailure.select().where(LoginFailure.username == username):
        LoginFailure.update(created_at=failure.created_at - timedelta(minutes=1)).where(
            LoginFailure.id == failure.id).execute()


def test_successful_login_clears_earlier_failures(client):
    make_admin("staff", username="forgetful")
    for _ in range(4):
        login(client, "forgetful", "wrong-password")
    _age_failures("forgetful")
    assert login(client, "forgetful", DEFAULT_PASSWORD).status_code == 200
    for _ in range(4):
        login(client, "forgetful", "wrong-password")
    _age_failures("forgetful")
    assert login(client, "forgetful", DEFAULT_PASSWORD).status_code == 200


def test_a_success_right_after_failures_clears_none_of_them(client):
    make_admin("staff", username="hurried")
    for _ in range(3):
        login(client, "hurried", "wrong-password")
    assert login(client, "hurried", DEFAULT_PASSWORD).status_code == 200
    assert LoginFailure.select().where(LoginFailure.username == "hurried").count() == 3


def test_throttle_holds_even_with_the_right_password(client):
    make_admin("staff", username="target")
    for _ in range(5):
        login(client, "target", "wrong-password")
    assert login(client, "target", DEFAULT_PASSWORD).status_code == 429


def test_inactive_user_cannot_log_in(client):
    user = make_admin("staff", username="gone")
    AdminUser.update(active=False).where(AdminUser.id == user.id).execute()
    assert login(client, "gone", DEFAULT_PASSWORD).status_code == 401


def test_logout_revokes_the_token(client):
    headers = admin_headers(client, make_admin("owner"))
    assert client.post("/admin/api/auth/logout", headers=headers).status_code == 204
    response = client.get("/admin/api/auth/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_revoked"


def test_password_change_revokes_earlier_tokens(client):
    user = make_admin("finance")
    headers = admin_headers(client, user)
    response = client.post("/admin/api/auth/password", headers=headers,
                           json={"old_password": DEFAULT_PASSWORD, "new_password": "brand-new-pass-2"})
    assert response.status_code == 204
    assert client.get("/admin/api/auth/me", headers=headers).status_code == 401
    assert login(client, user.username, "brand-new-pass-2").status_code == 200


def test_password_change_needs_the_old_password(client):
    headers = admin_headers(client, make_admin("finance"))
    response = client.post("/admin/api/auth/password", headers=headers,
                           json={"old_password": "wrong", "new_password": "brand-new-pass-2"})
    assert response.status_code == 422
    assert "old_password" in response.get_json()["error"]["fields"]


def test_owner_creates_a_staff_account(client):
    headers = admin_headers(client, make_admin("owner"))
    response = client.post("/admin/api/users", headers=headers,
                           json={"username": "picker", "password": "pick-pack-1", "role": "warehouse"})
    assert response.status_code == 201
    assert response.get_json()["role"] == "warehouse"
    assert login(client, "picker", "pick-pack-1").status_code == 200


def test_unknown_role_is_refused(client):
    headers = admin_headers(client, make_admin("owner"))
    response = client.post("/admin/api/users", headers=headers,
                           json={"username": "x", "password": "long-enough-1", "role": "king"})
    assert response.status_code == 422
    assert "role" in response.get_json()["error"]["fields"]


def test_short_password_is_refused(client):
    headers = admin_headers(client, make_admin("owner"))
    response = client.post("/admin/api/users", headers=headers,
                           json={"username": "x", "password": "short", "role": "staff"})
    assert response.status_code == 422
