"""Every error under /api and /admin/api answers in the one JSON shape."""
import pytest

from tests.factories import admin_headers, make_admin


def assert_error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_malformed_json_is_400(client):
    response = client.post("/admin/api/auth/login", data="{not json", content_type="application/json")
    assert_error(response, 400, "bad_json")


def test_missing_token_is_401(client):
    assert_error(client.get("/admin/api/auth/me"), 401, "token_missing")


def test_forged_token_is_401(client):
    response = client.get("/admin/api/auth/me", headers={"Authorization": "Bearer forged.token.value"})
    assert_error(response, 401, "token_invalid")


def test_wrong_role_is_403(client):
    staff = make_admin("staff")
    assert_error(client.get("/admin/api/users", headers=admin_headers(client, staff)), 403, "role_forbidden")


@pytest.mark.parametrize("path", ["/api/nothing-here", "/admin/api/nothing-here", "/api/mp/nothing"])
def test_unknown_route_is_404_json(client, path):
    assert_error(client.get(path), 404, "not_found")


def test_wrong_method_is_405_json(client):
    error = assert_error(client.get("/api/mp/auth/login"), 405, "method_not_allowed")
    assert error["fields"] == {}


def test_duplicate_username_is_409(client):
    owner = make_admin("owner")
    body = {"username": "dup-user", "password": "long-enough-1", "role": "staff"}
    headers = admin_headers(client, owner)
    assert client.post("/admin/api/users", json=body, headers=headers).status_code == 201
    error = assert_error(client.post("/admin/api/users", json=body, headers=headers), 409, "username_taken")
    assert "username" in error["fields"]


def test_oversized_body_is_413(client):
    huge = {"username": "x" * (70 * 1024), "password": "y"}
    assert_error(client.post("/admin/api/auth/login", json=huge), 413, "payload_too_large")


def test_invalid_fields_are_422_with_chinese_messages(client):
    error = assert_error(client.post("/admin/api/auth/login", json={"username": ""}), 422, "invalid_input")
    assert set(error["fields"]) == {"username", "password"}
    assert error["fields"]["password"] == "必填"


def test_unknown_field_is_422(client):
    error = assert_error(client.post("/api/mp/auth/login", json={"code": "a", "admin": True}), 422)
    assert error["fields"] == {"admin": "未知字段"}


def test_non_object_body_is_422(client):
    assert_error(client.post("/api/mp/auth/login", json=["code"]), 422, "invalid_input")


def test_throttled_login_is_429_with_retry_after(client):
    make_admin("staff", username="guessed")
    for _ in range(5):
        client.post("/admin/api/auth/login", json={"username": "guessed", "password": "wrong-password"})
    response = client.post("/admin/api/auth/login", json={"username": "guessed", "password": "wrong-password"})
    assert_error(response, 429, "login_throttled")
    assert int(response.headers["Retry-After"]) > 0


def test_wechat_down_is_503(client, fake_wechat):
    fake_wechat.http_error_next("sns/jscode2session", status=502)
    code = fake_wechat.issue_login_code("openid-down")
    assert_error(client.post("/api/mp/auth/login", json={"code": code}), 503, "wechat_unavailable")


def test_html_paths_keep_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert not response.is_json
