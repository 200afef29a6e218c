"""Joining the network: applying with an invite code, and the owner's decision."""
from datetime import timedelta

import pytest

from app.agents import service as agents
from app.agents import tree
from app.agents.models import Agent, AgentApplication, AgentChange
from app.clock import local_today
from app.database import db
from app.notify.models import Notification
from tests.factories import (admin_headers, apply_with_invite, make_admin, make_agent, make_network_levels,
                             make_wechat_user, outcomes_in_threads, wechat_login)


@pytest.fixture
def levels():
    return make_network_levels()


@pytest.fixture
def inviter(levels):
    return make_agent(level=levels[1])


def error_of(response):
    return response.get_json()["error"]


def test_an_unknown_invite_code_is_a_clear_422(client, fake_wechat, inviter):
    headers, _ = wechat_login(client, fake_wechat)
    response = apply_with_invite(client, headers, inviter, invite_code="NOSUCH22")
    assert response.status_code == 422
    assert error_of(response)["code"] == "invite_not_found"
    assert "invite_code" in error_of(response)["fields"]


def test_an_invite_of_an_agent_whose_term_ended_has_expired(client, fake_wechat, levels):
    inviter = make_agent(level=levels[1], term_end=local_today() - timedelta(days=1))
    headers, _ = wechat_login(client, fake_wechat)
    response = apply_with_invite(client, headers, inviter)
    assert response.status_code == 422
    assert error_of(response)["code"] == "invite_expired"


def test_an_invite_of_a_suspended_agent_has_expired(client, fake_wechat, levels):
    inviter = make_agent(level=levels[1], status="suspended")
    headers, _ = wechat_login(client, fake_wechat)
    assert error_of(apply_with_invite(client, headers, inviter))["code"] == "invite_expired"


def test_recruiting_above_ones_own_level_is_forbidden(client, fake_wechat, levels, inviter):
    headers, _ = wechat_login(client, fake_wechat)
    response = apply_with_invite(client, headers, inviter, level_id=levels[0].id)
    assert response.status_code == 403
    assert error_of(response)["code"] == "recruit_above_level"


def test_recruiting_at_ones_own_level_is_allowed(client, fake_wechat, levels, inviter):
    headers, _ = wechat_login(client, fake_wechat)
    response = apply_with_invite(client, headers, inviter, level_id=levels[1].id)
    assert response.status_code == 201
    assert response.get_json()["level_id"] == levels[1].id


def test_a_level_that_may_not_recruit_cannot_invite(client, fake_wechat):
    inviter = make_agent(level=make_network_levels(ordinary={"may_recruit": False})[2])
    headers, _ = wechat_login(client, fake_wechat)
    assert apply_with_invite(client, headers, inviter).status_code == 403


def test_a_malformed_phone_is_refused(client, fake_wechat, inviter):
    headers, _ = wechat_login(client, fake_wechat)
    response = apply_with_invite(client, headers, inviter, phone="12345678901")
    assert response.status_code == 422
    assert "phone" in error_of(response)["fields"]


def test_an_application_phone_with_country_code_is_read_as_the_mobile(client, fake_wechat, inviter):
    headers, _ = wechat_login(client, fake_wechat)
    response = apply_with_invite(client, headers, inviter, phone="+86 139 1234 5679")
    assert response.status_code == 201
    assert AgentApplication.get().phone == "13912345679"


def test_the_invite_code_may_be_typed_in_lower_case(client, fake_wechat, inviter):
    Agent.update(invite_code="ABCD2345").where(Agent.id == inviter.id).execute()
    headers, _ = wechat_login(client, fake_wechat)
    assert apply_with_invite(client, headers, inviter, invite_code=" abcd2345 ").status_code == 201


def test_an_application_waits_for_the_owner_by_default_and_tells_owners_and_inviter(client, fake_wechat, levels,
                                                                                      inviter):
    headers, _ = wechat_login(client, fake_wechat)
    body = apply_with_invite(client, headers, inviter).get_json()
    assert body["status"] == "pending" and body["level_id"] == levels[2].id
    recipients = {n.recipient for n in Notification.select().where(Notification.kind == "agent_application_received")}
    assert recipients == {"owners", f"agent:{inviter.id}"}


def test_a_second_application_while_one_is_pending_is_a_409(client, fake_wechat, inviter):
    headers, _ = wechat_login(client, fake_wechat)
    apply_with_invite(client, headers, inviter)
    response = apply_with_invite(client, headers, inviter)
    assert response.status_code == 409
    assert error_of(response)["code"] == "application_pending"


def test_the_applicant_sees_the_state_of_its_application(client, fake_wechat, inviter):
    headers, _ = wechat_login(client, fake_wechat)
    apply_with_invite(client, headers, inviter)
    assert client.get("/api/mp/agents/applications/mine", headers=headers).get_json()["status"] == "pending"


def test_a_level_with_automatic_approval_lets_the_applicant_in_at_once(client, fake_wechat):
    levels = make_network_levels(ordinary={"auto_approve_applications": True})
    inviter = make_agent(level=levels[1])
    headers, _ = wechat_login(client, fake_wechat)
    body = apply_with_invite(client, headers, inviter).get_json()
    assert body["status"] == "approved"
    agent = Agent.get_by_id(body["agent_id"])
    assert (agent.upline_id, agent.status, agent.level_id) == (inviter.id, "active", levels[2].id)
    assert client.get("/api/mp/me/profile", headers=headers).status_code == 200


def test_the_owner_approves_an_application_into_an_active_agent_under_the_inviter(client, fake_wechat, levels,
                                                                                   inviter):
    headers, _ = wechat_login(client, fake_wechat)
    application_id = apply_with_invite(client, headers, inviter).get_json()["id"]
    owner = make_admin("owner")
    response = client.post(f"/admin/api/agents/applications/{application_id}/approve",
                           headers=admin_headers(client, owner))
    assert response.status_code == 200
    agent = Agent.get_by_id(response.get_json()["id"])
    assert agent.upline_id == inviter.id and agent.status == "active"
    assert agent.term_end == local_today() + timedelta(days=levels[2].term_days)
    assert tree.is_within(inviter.id, agent.id)
    joined = AgentChange.get(AgentChange.agent == agent.id)
    assert (joined.kind, joined.actor_id) == ("joined", owner.id)
    assert Notification.select().where(Notification.kind == "agent_application_approved",
                                       Notification.recipient == f"agent:{agent.id}").exists()


def test_an_application_is_decided_only_once(client, fake_wechat, inviter):
    headers, _ = wechat_login(client, fake_wechat)
    application_id = apply_with_invite(client, headers, inviter).get_json()["id"]
    owner_headers = admin_headers(client, make_admin("owner"))
    client.post(f"/admin/api/agents/applications/{application_id}/approve", headers=owner_headers)
    again = client.post(f"/admin/api/agents/applications/{application_id}/reject", headers=owner_headers,
                        json={"reason": "重复"})
    assert again.status_code == 409


def test_rejecting_needs_a_reason_and_then_allows_a_new_application(client, fake_wechat, inviter):
    headers, _ = wechat_login(client, fake_wechat)
    application_id = apply_with_invite(client, headers, inviter).get_json()["id"]
    owner_headers = admin_headers(client, make_admin("staff"))
    url = f"/admin/api/agents/applications/{application_id}/reject"
    assert client.post(url, headers=owner_headers, json={"reason": ""}).status_code == 422
    assert client.post(url, headers=owner_headers, json={"reason": "资料不全"}).get_json()["status"] == "rejected"
    assert apply_with_invite(client, headers, inviter).status_code == 201


def test_an_agent_cannot_apply_again(client, fake_wechat, inviter):
    headers, _ = wechat_login(client, fake_wechat)
    user_id = client.get("/api/mp/auth/me", headers=headers).get_json()["user_id"]
    make_agent(wechat_user=user_id)
    assert error_of(apply_with_invite(client, headers, inviter))["code"] == "already_agent"


def test_the_owner_lists_pending_applications(client, fake_wechat, inviter):
    headers, _ = wechat_login(client, fake_wechat)
    apply_with_invite(client, headers, inviter)
    listing = client.get("/admin/api/agents/applications?status=pending",
                         headers=admin_headers(client, make_admin("owner"))).get_json()
    assert listing["total"] == 1 and listing["items"][0]["inviter_id"] == inviter.id


@pytest.mark.committed
def test_concurrent_approvals_make_one_agent(app):
    db.connect(reuse_if_open=True)
    levels = make_network_levels()
    inviter = make_agent(level=levels[1])
    owner = make_admin("owner")
    application = agents.apply(wechat_user_id=make_wechat_user().id, invite_code=inviter.invite_code,
                               name="并发", phone="13900000000")
    db.close()
    results = outcomes_in_threads(
        lambda: agents.approve_application(application_id=application.id, actor_id=owner.id), 4)
    assert sorted(results) == ["Conflict"] * 3 + ["ok"]
    db.connect(reuse_if_open=True)
    assert Agent.select().where(Agent.upline == inviter.id).count() == 1
    assert AgentApplication.get_by_id(application.id).status == "approved"
    db.close()


@pytest.mark.committed
def test_concurrent_applications_of_one_user_leave_one_pending(app):
    db.connect(reuse_if_open=True)
    inviter = make_agent(level=make_network_levels()[1])
    user = make_wechat_user()
    db.close()
    results = outcomes_in_threads(lambda: agents.apply(wechat_user_id=user.id, invite_code=inviter.invite_code,
                                                       name="并发", phone="13900000000"), 4)
    assert sorted(results) == ["Conflict"] * 3 + ["ok"]


def test_a_blank_name_is_refused(client, fake_wechat, inviter):
    headers, _ = wechat_login(client, fake_wechat)
    response = apply_with_invite(client, headers, inviter, name="   ")
    assert response.status_code == 422 and "name" in error_of(response)["fields"]
