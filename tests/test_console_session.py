"""Console pages: signing in and out, the session cookie, CSRF, role checks and Chinese error pages."""
import pytest

from tests.factories import DEFAULT_PASSWORD, console_csrf, console_login, console_post, make_admin


def test_a_page_without_a_session_redirects_to_the_login_form(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


def test_the_login_form_is_chinese(client):
    assert "登录" in client.get("/admin/login").get_data(as_text=True)


def test_signing_in_opens_the_dashboard(client):
    owner = make_admin("owner")
    console_login(client, owner)
    response = client.get("/admin/")
    assert response.status_code == 200 and "看板" in response.get_data(as_text=True)


def test_the_session_cookie_is_http_only_and_same_site_strict(client):
    make_admin("owner", username="cookie-boss")
    client.get("/admin/login")
    response = client.post("/admin/login", data={"username": "cookie-boss", "password": DEFAULT_PASSWORD,
                                                 "csrf_token": console_csrf(client)})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_a_wrong_password_shows_the_message_on_the_form(client):
    make_admin("staff", username="clerk-page")
    client.get("/admin/login")
    response = client.post("/admin/login", data={"username": "clerk-page", "password": "wrong-password",
                                                 "csrf_token": console_csrf(client)})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_a_blank_username_is_marked_next_to_its_field(client):
    client.get("/admin/login")
    response = client.post("/admin/login", data={"password": "x", "csrf_token": console_csrf(client)})
    assert response.status_code == 422
    assert '<em class="error">必填</em>' in response.get_data(as_text=True)


def test_login_goes_back_to_the_page_asked_for(client):
    make_admin("owner", username="returning")
    client.get("/admin/login")
    response = client.post("/admin/login", data={"username": "returning", "password": DEFAULT_PASSWORD,
                                                 "next": "/admin/password", "csrf_token": console_csrf(client)})
    assert response.headers["Location"] == "/admin/password"


def test_login_never_sends_the_browser_to_another_site(client):
    make_admin("owner", username="phished")
    client.get("/admin/login")
    response = client.post("/admin/login", data={"username": "phished", "password": DEFAULT_PASSWORD,
                                                 "next": "//evil.example/admin", "csrf_token": console_csrf(client)})
    assert response.headers["Location"] == "/admin/"


def test_a_post_without_the_csrf_token_is_refused(client):
    console_login(client, make_admin("owner"))
    response = client.post("/admin/logout")
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)


def test_a_post_with_another_sessions_csrf_token_is_refused(app, client):
    console_login(client, make_admin("owner"))
    other = app.test_client()
    console_login(other, make_admin("owner"))
    response = client.post("/admin/logout", data={"csrf_token": console_csrf(other)})
    assert response.status_code == 400


def test_logout_revokes_the_token_the_cookie_held(client):
    console_login(client, make_admin("staff"))
    with client.session_transaction() as session:
        token = session["token"]
    console_post(client, "/admin/logout")
    assert client.get("/admin/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/admin/").status_code == 302


def test_changing_the_password_ends_the_session(client):
    console_login(client, make_admin("finance"))
    response = console_post(client, "/admin/password", {"old_password": DEFAULT_PASSWORD,
                                                        "new_password": "another-horse-7"})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302


def test_a_wrong_old_password_is_marked_next_to_its_field(client):
    console_login(client, make_admin("finance"))
    response = console_post(client, "/admin/password", {"old_password": "not-it", "new_password": "another-horse-7"})
    assert response.status_code == 422
    assert '<em class="error">原密码不正确</em>' in response.get_data(as_text=True)


def test_every_console_page_forbids_scripts_from_elsewhere(client):
    console_login(client, make_admin("owner"))
    policy = client.get("/admin/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy


def test_a_missing_record_is_a_chinese_404_page(client):
    console_login(client, make_admin("owner"))
    response = client.get("/admin/orders/999999")
    assert response.status_code == 404
    assert "订单不存在" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["staff", "finance", "warehouse"])
def test_the_navigation_shows_only_pages_the_role_may_open(client, role):
    from app.admin.pages.web import NAV, PAGE_ROLES, holds_role

    user = make_admin(role)
    console_login(client, user)
    page = client.get("/admin/").get_data(as_text=True)
    for label, endpoint in NAV:
        if endpoint in PAGE_ROLES:
            assert (f">{label}</a>" in page) == holds_role(user, PAGE_ROLES[endpoint]), (role, label)


def test_an_unknown_console_url_is_a_chinese_404_page_with_the_navigation(client):
    console_login(client, make_admin("owner"))
    response = client.get("/admin/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "页面不存在" in page and ">看板</a>" in page


def test_an_unknown_console_url_without_a_session_is_still_chinese(client):
    response = client.get("/admin/no/such/page")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_an_unknown_admin_api_url_stays_json(client):
    response = client.get("/admin/api/no-such-endpoint")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_the_navigation_marks_the_section_of_any_page_in_it(client):
    console_login(client, make_admin("owner"))
    page = client.get("/admin/transfers").get_data(as_text=True)
    assert '<a href="/admin/stock" class="current">库存</a>' in page
    assert '<a href="/admin/" class="current">' not in page
