"""Every JSON route × every caller: anonymous, an agent, each console role, and agent A reaching for B's ids.

Routes are read from the app's url_map, so a new endpoint is covered without touching this file;
a console route's lane is the role list its `admin_required(...)` was given (the owner may do all).
"""
import logging
import re

import pytest

from app.finance import service as finance
from tests.conftest import MP_SECRET, OA_SECRET
from tests.factories import (DEFAULT_PASSWORD, admin_headers, agent_headers, make_admin, make_agent, make_application,
                             make_batch, orderable, place, with_available)

PREFIXES = ("/api/mp/", "/admin/api/")
ROLES = ("owner", "staff", "finance", "warehouse")

# Routes anyone may call, and why.
PUBLIC = {
    ("POST", "/api/mp/auth/login"): "a WeChat login code is the credential",
    ("POST", "/api/mp/auth/dev-login"): "development only (ENV=development, DEV_LOGIN=1); 404 everywhere else",
    ("POST", "/admin/api/auth/login"): "username and password are the credential",
    ("GET", "/api/mp/codes/<string:code>"): "consumers scan a box's code without an account",
    ("POST", "/api/mp/codes/<string:code>/pin"): "the scanning consumer pins a code without an account",
    ("POST", "/api/mp/codes/<string:code>/report"): "the scanning consumer reports a fake without an account",
    ("GET", "/api/mp/authorization"): "anyone may check whether someone is an authorized agent (no contact details)",
}


def json_calls(app):
    """(method, rule) for every route under the JSON prefixes."""
    return sorted((method, rule.rule) for rule in app.url_map.iter_rules() if rule.rule.startswith(PREFIXES)
                  for method in rule.methods - {"HEAD", "OPTIONS"})


@pytest.fixture
def real_ids():
    """Ids of real objects for the `<…_id>` parameters (any other id parameter gets 1)."""
    buyer = make_agent()
    product, warehouse = orderable()
    order = place(buyer, (product, 1))
    return {"agent_id": buyer.id, "order_id": order.id, "product_id": product.id, "warehouse_id": warehouse.id,
            "level_id": buyer.level_id, "batch_id": make_batch(product=product).id,
            "application_id": make_application().id, "code": "NOSUCHCODE"}


def url_for_rule(rule, ids):
    """The rule with each `<conv:name>` replaced by a real value."""
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids.get(m.group(1), 1)), rule)


def call(client, method, rule, ids, headers=None, body=None):
    """Call a route with a JSON body (empty unless given: bodies do not matter before the door's auth)."""
    body = (body or {}) if method in ("POST", "PUT", "PATCH") else None
    return client.open(url_for_rule(rule, ids), method=method, json=body, headers=headers or {})


def test_every_non_public_route_refuses_an_anonymous_caller(app, client, real_ids):
    wrong = [(m, r, res.status_code) for m, r in json_calls(app) if (m, r) not in PUBLIC
             for res in [call(client, m, r, real_ids)] if res.status_code != 401]
    assert wrong == []


def test_an_agent_token_opens_no_console_route(app, client, fake_wechat, real_ids):
    headers, _ = agent_headers(client, fake_wechat)
    wrong = [(m, r, res.status_code) for m, r in json_calls(app) if r.startswith("/admin/api/")
             and (m, r) not in PUBLIC for res in [call(client, m, r, real_ids, headers)]
             if res.status_code not in (401, 403)]
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_each_console_role_stays_in_its_lane(app, client, role, real_ids):
    headers = admin_headers(client, make_admin(role))
    wrong = []
    for method, rule in json_calls(app):
        if not rule.startswith("/admin/api/") or (method, rule) in PUBLIC or rule == "/admin/api/auth/logout":
            continue
        lane = _lane(app, method, rule)
        response = call(client, method, rule, real_ids, headers)
        code = error_code(response)
        allowed = role == "owner" or not lane or role in lane
        if response.status_code >= 500 or (allowed and code == "role_forbidden") or \
                (not allowed and (response.status_code, code) != (403, "role_forbidden")):
            wrong.append((method, rule, response.status_code, code))
    assert wrong == []


def error_code(response):
    """The `error.code` of a JSON error answer, else None."""
    body = response.get_json(silent=True)
    return body.get("error", {}).get("code") if isinstance(body, dict) else None


def _lane(app, method, rule):
    """The roles (besides the owner) the route's `admin_required` admits; () means every console user."""
    endpoint = next(r.endpoint for r in app.url_map.iter_rules() if r.rule == rule and method in r.methods)
    return app.view_functions[endpoint].admin_roles


@pytest.fixture
def agent_b_world():
    """Agent B's branch — a downline, an order, a withdrawal, an application — with nothing linking it to A."""
    from app.agents.models import Agent

    b = with_available(50000)
    Agent.update(name="乙方代理", phone="13900000002").where(Agent.id == b.id).execute()
    downline = make_agent(upline=b, name="乙方下级", phone="13900000003")
    product, _ = orderable()
    order = place(b, (product, 1), remark="乙方订单备注")
    withdrawal = finance.request_withdrawal(agent_id=b.id, amount_fen=20000)
    application = make_application(b, name="乙方申请人", phone="13900000004")
    return {"agent_id": downline.id, "order_id": order.id, "withdrawal_id": withdrawal.id,
            "application_id": application.id, "code": "NOSUCHCODE",
            "secrets": ("乙方代理", "13900000002", "乙方下级", "13900000003", "乙方订单备注", "乙方申请人",
                        "13900000004")}


def test_agent_a_gets_no_route_to_act_on_agent_b_ids(app, client, fake_wechat, agent_b_world):
    headers, _ = agent_headers(client, fake_wechat, name="甲方代理")
    wrong = [(m, r, res.status_code) for m, r in json_calls(app) if r.startswith("/api/mp/") and "<id:" in r
             for res in [call(client, m, r, agent_b_world, headers, body={"reason": "越权尝试"})]
             if res.status_code not in (403, 404)]
    assert wrong == []


def test_agent_a_reads_none_of_agent_b_data_anywhere(app, client, fake_wechat, agent_b_world):
    headers, _ = agent_headers(client, fake_wechat, name="甲方代理")
    leaks = [(r, secret) for m, r in json_calls(app) if r.startswith("/api/mp/") and m == "GET"
             for res in [call(client, m, r, agent_b_world, headers)]
             if res.is_json for secret in agent_b_world["secrets"] if secret in res.get_data(as_text=True)]
    assert leaks == []


def test_no_log_line_holds_a_whole_phone_number_or_a_secret(app, client, fake_wechat, caplog):
    caplog.set_level(logging.INFO)
    owner = make_admin("owner")
    client.post("/admin/api/auth/login", json={"username": owner.username, "password": "wrong-password-1"})
    admin_headers(client, owner)
    headers, _ = agent_headers(client, fake_wechat, phone="13812345678")
    product, _ = orderable()
    placed = client.post("/api/mp/orders", headers=headers, json={
        "idempotency_key": "log-1", "items": [{"product_id": product.id, "quantity": 1}],
        "consignee": {"name": "收货人", "phone": "13987654321", "address": "科技园路1号"}})
    assert placed.status_code == 201, placed.get_json()
    secrets = {app.config["SECRET_KEY"], MP_SECRET, OA_SECRET, DEFAULT_PASSWORD}
    lines = [record.getMessage() for record in caplog.records]
    assert [line for line in lines if re.search(r"(?<!\d)1\d{10}(?!\d)", line)] == []
    assert [line for line in lines if any(secret in line for secret in secrets)] == []


@pytest.mark.parametrize("revoke", ["logout", "password"])
def test_a_revoked_console_token_opens_no_route(app, client, real_ids, revoke):
    headers = admin_headers(client, make_admin("owner"))
    if revoke == "logout":
        assert client.post("/admin/api/auth/logout", headers=headers).status_code in (200, 204)
    else:
        changed = client.post("/admin/api/auth/password", headers=headers,
                              json={"old_password": DEFAULT_PASSWORD, "new_password": "another-horse-7"})
        assert changed.status_code in (200, 204), changed.get_json()
    wrong = [(m, r, res.status_code) for m, r in json_calls(app) if r.startswith("/admin/api/")
             and (m, r) not in PUBLIC for res in [call(client, m, r, real_ids, headers)] if res.status_code != 401]
    assert wrong == []


def test_an_id_beyond_bigint_is_refused_on_every_route_never_an_overflow(app, client):
    headers = admin_headers(client, make_admin("owner"))
    huge = {name: 2 ** 63 for name in ("agent_id", "order_id", "product_id", "warehouse_id", "level_id",
                                       "stock_take_id", "transfer_id", "message_id")}
    wrong = [(m, r, res.status_code) for m, r in json_calls(app) if r.startswith("/admin/api/") and "_id>" in r
             for res in [call(client, m, r, huge | {"code": "X"}, headers)]
             if res.status_code >= 500 or error_code(res) is None]
    assert wrong == []
