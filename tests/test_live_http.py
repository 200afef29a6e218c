"""Over real HTTP, with real commits: login works and concurrent first logins make one user."""
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from app.accounts.models import WechatUser

pytestmark = pytest.mark.committed


def test_login_over_real_http(live_server, fake_wechat):
    code = fake_wechat.issue_login_code("openid-live")
    response = requests.post(f"{live_server}/api/mp/auth/login", json={"code": code}, timeout=10)
    assert response.status_code == 200
    token = response.json()["token"]
    me = requests.get(f"{live_server}/api/mp/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.json()["openid"] == "openid-live"


def test_concurrent_first_logins_create_one_user(live_server, fake_wechat):
    codes = [fake_wechat.issue_login_code("openid-race") for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(
            lambda code: requests.post(f"{live_server}/api/mp/auth/login", json={"code": code}, timeout=10).status_code,
            codes))
    assert statuses == [200] * 8
    assert WechatUser.select().where(WechatUser.openid == "openid-race").count() == 1


def test_errors_over_real_http_are_json(live_server):
    response = requests.post(f"{live_server}/api/mp/auth/login", data=b"x" * (200 * 1024),
                             headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
