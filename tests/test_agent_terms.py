"""Agency terms: who may order, warnings before the end, expiry, renewal."""
from datetime import timedelta

import pytest

from app.agents import jobs
from app.agents import service as agents
from app.agents.models import Agent, AgentChange
from app.clock import local_today
from app.errors import Forbidden
from app.notify.models import Notification
from tests.factories import admin_headers, buy, make_admin, make_agent, make_level

TODAY = local_today()


def test_an_active_agent_within_its_term_may_order():
    agents.ensure_may_order(make_agent(term_end=TODAY))


def test_an_agent_whose_term_has_passed_is_refused_an_order():
    with pytest.raises(Forbidden) as refusal:
        agents.ensure_may_order(make_agent(term_end=TODAY - timedelta(days=1)))
    assert refusal.value.message == "代理期限已到期，请续期后再下单"


@pytest.mark.parametrize("status", ["pending", "suspended", "expired", "left"])
def test_an_agent_that_is_not_active_is_refused_an_order(status):
    with pytest.raises(Forbidden) as refusal:
        agents.ensure_may_order(make_agent(status=status))
    assert refusal.value.code == f"agent_{status}"


def test_owners_and_the_agent_are_warned_30_days_before_the_end():
    agent = make_agent(term_end=TODAY + timedelta(days=30))
    assert jobs.warn_expiring_terms() == 2
    recipients = {n.recipient for n in Notification.select().where(Notification.kind == "agent_term_expiring")}
    assert recipients == {"owners", f"agent:{agent.id}"}


def test_a_warning_is_queued_once_however_often_the_job_runs():
    make_agent(term_end=TODAY + timedelta(days=20))
    jobs.warn_expiring_terms()
    assert jobs.warn_expiring_terms() == 0


def test_the_7_day_warning_follows_the_30_day_one():
    agent = make_agent(term_end=TODAY + timedelta(days=10))
    agents.warn_expiring_terms(today=TODAY)
    assert agents.warn_expiring_terms(today=TODAY + timedelta(days=3)) == 2
    keys = {n.dedupe_key for n in Notification.select().where(Notification.recipient == f"agent:{agent.id}")}
    assert any(":30:" in key for key in keys) and any(":7:" in key for key in keys)


def test_terms_far_from_their_end_are_not_warned():
    make_agent(term_end=TODAY + timedelta(days=31))
    assert jobs.warn_expiring_terms() == 0


def test_lapsed_agents_are_marked_expired_in_their_history():
    lapsed = make_agent(term_end=TODAY - timedelta(days=1))
    current = make_agent(term_end=TODAY)
    assert jobs.expire_lapsed_agents() == 1
    assert (Agent.get_by_id(lapsed.id).status, Agent.get_by_id(current.id).status) == ("expired", "active")
    assert AgentChange.get(AgentChange.agent == lapsed.id).new_value == "expired"


def test_renewal_extends_the_term_by_the_levels_length_and_reactivates(client):
    agent = make_agent(status="expired", term_end=TODAY - timedelta(days=5))
    response = client.post(f"/admin/api/agents/{agent.id}/renew", headers=admin_headers(client, make_admin()), json={})
    body = response.get_json()
    assert body["status"] == "active"
    assert body["term_end"] == (TODAY + timedelta(days=agent.level.term_days)).isoformat()
    agents.ensure_may_order(Agent.get_by_id(agent.id))


def test_renewing_before_the_end_extends_from_the_old_end():
    agent = make_agent(term_end=TODAY + timedelta(days=10))
    renewed = agents.renew_term(agent_id=agent.id, actor_id=None)
    assert renewed.term_end == TODAY + timedelta(days=10 + agent.level.term_days)


def test_a_renewal_into_the_past_is_refused(client):
    agent = make_agent()
    response = client.post(f"/admin/api/agents/{agent.id}/renew", headers=admin_headers(client, make_admin()),
                           json={"term_end": (TODAY - timedelta(days=1)).isoformat()})
    assert response.status_code == 422


def test_an_agent_past_its_term_cannot_be_reactivated_without_renewal(client):
    agent = make_agent(status="expired", term_end=TODAY - timedelta(days=1))
    response = client.post(f"/admin/api/agents/{agent.id}/status", headers=admin_headers(client, make_admin()),
                           json={"status": "active", "reason": "恢复"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "term_expired"


def test_the_first_order_must_reach_the_levels_minimum_and_later_ones_need_not():
    agent = make_agent(level=make_level(min_first_purchase_fen=300000))
    assert agents.minimum_first_order_fen(agent) == 300000
    buy(agent, 3000)
    assert agents.minimum_first_order_fen(agent) == 0
