"""The console login throttle holds against concurrent guesses, and a refusal's timing tells nothing."""
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from app.accounts import service as accounts_service
from app.accounts.models import AdminUser, LoginFailure
from tests.factories import DEFAULT_PASSWORD, make_admin


def _burst(live_server, username, passwords):
    """POST one login per password, all released at once; the status codes in order."""
    start = threading.Barrier(len(passwords))

    def attempt(password):
        start.wait()
        return requests.post(live_server + "/admin/api/auth/login", json={"username": username, "password": password},
                             timeout=60).status_code
    with ThreadPoolExecutor(len(passwords)) as pool:
        return list(pool.map(attempt, passwords))


@pytest.mark.committed
def test_concurrent_wrong_passwords_get_no_more_checks_than_the_limit(live_server):
    user = make_admin("staff")
    codes = _burst(live_server, user.username, ["wrong-password"] * 40)
    assert codes.count(401) <= 5 and set(codes) <= {401, 429}


@pytest.mark.committed
def test_the_right_password_among_concurrent_guesses_forgets_none_of_their_failures(live_server):
    user = make_admin("staff")
    codes = _burst(live_server, user.username, ["wrong-password"] * 29 + [DEFAULT_PASSWORD])
    assert LoginFailure.select().where(LoginFailure.username == user.username).count() == codes.count(401)


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password hash the login checks (werkzeug's function, counted as it runs)."""
    checked = []
    real = accounts_service.check_password_hash

    def counting(stored, password):
        checked.append(stored)
        return real(stored, password)
    monkeypatch.setattr(accounts_service, "check_password_hash", counting)
    return checked


def test_an_unknown_username_checks_a_password_hash_like_a_known_one(client, hash_checks):
    response = client.post("/admin/api/auth/login", json={"username": "nobody-at-all", "password": "x" * 12})
    assert response.status_code == 401
    assert len(hash_checks) == 1


def test_a_disabled_account_checks_its_password_hash_like_an_active_one(client, hash_checks):
    user = make_admin("staff")
    AdminUser.update(active=False).where(AdminUser.id == user.id).execute()
    response = client.post("/admin/api/auth/login", json={"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 401
    assert len(hash_checks) == 1
