"""The security matrix for upline powers (issue 22): every mini-program route, called by an agent whose
upline powers were taken away — its level may not see its team, its downline member moved away, it was
suspended — shows none of the downline's names, phones, invite codes or consignees, and decides nothing."""
import pytest

from app.agents import service as agents
from app.agents.models import Agent
from app.orders import service as orders
from tests.factories import agent_headers, make_agent, make_level, orderable, place
from tests.test_security_matrix import call, json_calls

MEMBER = {"name": "暗线下级", "phone": "13900007777"}
CONSIGNEE = {"name": "暗线收货人", "phone": "13900008888", "address": "暗线路8号"}


def _member_with_a_waiting_order(upline):
    member = make_agent(upline=upline, level=make_level(orders_need_upline_approval=True), **MEMBER)
    order = place(member, (orderable(100)[0], 1), consignee=CONSIGNEE)
    secrets = (*MEMBER.values(), *CONSIGNEE.values(), member.invite_code)
    return member, order, secrets


def _leaks_and_decisions(app, client, headers, member, order, secrets):
    ids = {"agent_id": member.id, "order_id": order.id, "code": "NOSUCHCODE"}
    leaks = []
    for method, rule in json_calls(app):
        if not rule.startswith("/api/mp/"):
            continue
        response = call(client, method, rule, ids, headers, body={"reason": "越权尝试"})
        text = response.get_data(as_text=True) if response.is_json else ""
        leaks += [(method, rule, secret) for secret in secrets if secret in text]
        if response.status_code >= 500:
            leaks.append((method, rule, response.status_code))
    return leaks, orders.get_order(order.id).status


def test_a_level_that_may_not_see_its_team_reads_no_downline_member_on_any_route(app, client, fake_wechat):
    headers, viewer = agent_headers(client, fake_wechat, level=make_level(may_see_team=False))
    member = make_agent(upline=viewer, **MEMBER)
    ids = {"agent_id": member.id, "code": "NOSUCHCODE"}
    leaks = [(m, r) for m, r in json_calls(app) if r.startswith("/api/mp/") and m == "GET"
             for res in [call(client, m, r, ids, headers)] if res.is_json
             for secret in (*MEMBER.values(), member.invite_code) if secret in res.get_data(as_text=True)]
    assert leaks == []


def test_a_moved_agents_old_upline_sees_and_decides_nothing_of_it_on_any_route(app, client, fake_wechat):
    headers, old_upline = agent_headers(client, fake_wechat)
    member, order, secrets = _member_with_a_waiting_order(old_upline)
    agents.change_upline(agent_id=member.id, upline_id=make_agent().id, reason="调整团队", actor_id=None)
    assert _leaks_and_decisions(app, client, headers, member, order, secrets) == ([], "awaiting_approval")


@pytest.mark.parametrize("status", ["suspended", "expired"])
def test_a_suspended_or_expired_upline_sees_and_decides_nothing_on_any_route(app, client, fake_wechat, status):
    headers, upline = agent_headers(client, fake_wechat)
    member, order, secrets = _member_with_a_waiting_order(upline)
    Agent.update(status=status).where(Agent.id == upline.id).execute()
    assert _leaks_and_decisions(app, client, headers, member, order, secrets) == ([], "awaiting_approval")
