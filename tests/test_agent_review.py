"""Promotion and demotion by rule over a rolling window, as proposals applied at once or by the owner."""
from datetime import timedelta

import pytest

from app.agents import service as agents
from app.agents.models import Agent, AgentChange, LevelProposal
from app.clock import utcnow
from app.errors import Conflict
from app.notify.models import Notification
from tests.factories import admin_headers, buy, make_admin, make_agent, make_network_levels

PROMOTE_AT_50000 = {"promote_purchase_fen": 5_000_000, "promote_recruits": 10}
DEMOTE_UNDER_5000 = {"demote_below_purchase_fen": 500_000}
PROMOTE_AT_1_WITH_APPROVAL = {"promote_purchase_fen": 100, "level_changes_need_approval": True}


def settled(level, days=200):
    """An agent who has held `level` long enough to be judged on a whole window."""
    return make_agent(level=level, level_since=utcnow() - timedelta(days=days))


def test_purchases_over_the_threshold_promote_with_a_history_entry():
    general, regional, ordinary = make_network_levels(regional=PROMOTE_AT_50000)
    agent = settled(ordinary)
    buy(agent, 50_000, days_ago=30)
    assert agents.review_levels() == {"proposed": 1, "applied": 1, "waiting": 0, "skipped": 0}
    assert Agent.get_by_id(agent.id).level_id == regional.id
    entry = AgentChange.get(AgentChange.agent == agent.id, AgentChange.kind == "level")
    assert (entry.old_value, entry.new_value, entry.source, entry.actor_id) == (
        str(ordinary.id), str(regional.id), "review", None)
    assert "50000.00" in entry.reason
    assert Notification.select().where(Notification.kind == "agent_promoted").count() == 2


def test_purchases_outside_the_window_do_not_count():
    _, _, ordinary = make_network_levels(regional=PROMOTE_AT_50000)
    agent = settled(ordinary)
    buy(agent, 50_000, days_ago=100)
    assert agents.review_levels()["proposed"] == 0


def test_enough_direct_recruits_promote():
    _, regional, ordinary = make_network_levels(regional=PROMOTE_AT_50000)
    agent = settled(ordinary)
    for _ in range(10):
        make_agent(level=ordinary, upline=agent)
    agents.review_levels()
    assert Agent.get_by_id(agent.id).level_id == regional.id


def test_purchases_under_the_floor_demote_with_a_history_entry():
    _, regional, ordinary = make_network_levels(regional=DEMOTE_UNDER_5000)
    agent = settled(regional)
    buy(agent, 4_999, days_ago=10)
    agents.review_levels()
    assert Agent.get_by_id(agent.id).level_id == ordinary.id
    entry = AgentChange.get(AgentChange.agent == agent.id, AgentChange.kind == "level")
    assert (entry.old_value, entry.new_value, entry.source) == (str(regional.id), str(ordinary.id), "review")
    assert Notification.select().where(Notification.kind == "agent_demoted",
                                       Notification.recipient == f"agent:{agent.id}").exists()


def test_an_agent_new_to_its_level_is_not_demoted_before_a_whole_window():
    _, regional, _ = make_network_levels(regional=DEMOTE_UNDER_5000)
    agent = settled(regional, days=30)
    agents.review_levels()
    assert Agent.get_by_id(agent.id).level_id == regional.id


def test_the_lowest_level_is_never_demoted():
    _, _, ordinary = make_network_levels(ordinary=DEMOTE_UNDER_5000)
    settled(ordinary)
    assert agents.review_levels()["proposed"] == 0


def test_a_level_needing_approval_leaves_the_proposal_to_the_owner(client):
    general, regional, _ = make_network_levels(general=PROMOTE_AT_1_WITH_APPROVAL)
    agent = settled(regional)
    buy(agent, 1)
    assert agents.review_levels()["waiting"] == 1
    assert Agent.get_by_id(agent.id).level_id == regional.id
    owner = make_admin("owner")
    proposal = LevelProposal.get(LevelProposal.agent == agent.id)
    response = client.post(f"/admin/api/agents/proposals/{proposal.id}/approve", headers=admin_headers(client, owner))
    assert response.status_code == 200 and response.get_json()["status"] == "applied"
    assert Agent.get_by_id(agent.id).level_id == general.id
    entry = AgentChange.get(AgentChange.agent == agent.id, AgentChange.kind == "level")
    assert entry.actor_id == owner.id


def test_the_owner_rejects_a_proposal_with_a_reason(client):
    _, regional, _ = make_network_levels(general=PROMOTE_AT_1_WITH_APPROVAL)
    agent = settled(regional)
    buy(agent, 1)
    agents.review_levels()
    proposal = LevelProposal.get(LevelProposal.agent == agent.id)
    headers = admin_headers(client, make_admin("staff"))
    url = f"/admin/api/agents/proposals/{proposal.id}/reject"
    assert client.post(url, headers=headers, json={}).status_code == 422
    body = client.post(url, headers=headers, json={"reason": "刚调过级"}).get_json()
    assert (body["status"], body["decision_reason"]) == ("rejected", "刚调过级")
    assert Agent.get_by_id(agent.id).level_id == regional.id


def test_a_rejected_proposal_is_not_proposed_again_while_nothing_changed():
    _, regional, _ = make_network_levels(general=PROMOTE_AT_1_WITH_APPROVAL)
    agent = settled(regional)
    buy(agent, 1, days_ago=1)
    agents.review_levels()
    proposal = LevelProposal.get(LevelProposal.agent == agent.id)
    agents.reject_proposal(proposal_id=proposal.id, actor_id=None, reason="刚调过级")
    assert agents.review_levels()["proposed"] == 0
    assert LevelProposal.get_by_id(proposal.id).decision_reason == "刚调过级"


def test_a_purchase_after_the_rejection_brings_the_proposal_back():
    _, regional, _ = make_network_levels(general=PROMOTE_AT_1_WITH_APPROVAL)
    agent = settled(regional)
    buy(agent, 1, days_ago=1)
    agents.review_levels()
    agents.reject_proposal(proposal_id=LevelProposal.get(LevelProposal.agent == agent.id).id, actor_id=None,
                           reason="刚调过级")
    buy(agent, 1)
    assert agents.review_levels()["waiting"] == 1


def test_running_the_review_again_proposes_nothing_twice():
    _, regional, _ = make_network_levels(general=PROMOTE_AT_1_WITH_APPROVAL)
    buy(settled(regional), 1)
    agents.review_levels()
    assert agents.review_levels() == {"proposed": 0, "applied": 0, "waiting": 0, "skipped": 1}
    assert LevelProposal.select().count() == 1


def test_a_proposal_outdated_by_a_change_by_hand_cannot_be_applied():
    general, regional, ordinary = make_network_levels(general=PROMOTE_AT_1_WITH_APPROVAL)
    agent = settled(regional)
    buy(agent, 1)
    agents.review_levels()
    agents.change_level(agent_id=agent.id, level_id=ordinary.id, reason="违规降级", actor_id=None)
    with pytest.raises(Conflict):
        agents.approve_proposal(proposal_id=LevelProposal.get(LevelProposal.agent == agent.id).id, actor_id=None)


def test_a_change_by_hand_needs_a_reason_and_records_who(client):
    _, regional, ordinary = make_network_levels()
    agent = make_agent(level=ordinary)
    staff = make_admin("staff")
    headers = admin_headers(client, staff)
    url = f"/admin/api/agents/{agent.id}/level"
    assert client.post(url, headers=headers, json={"level_id": regional.id}).status_code == 422
    assert client.post(url, headers=headers, json={"level_id": regional.id, "reason": "业绩突出"}).status_code == 200
    entry = AgentChange.get(AgentChange.agent == agent.id, AgentChange.kind == "level")
    assert (entry.reason, entry.actor_id, entry.source) == ("业绩突出", staff.id, "manual")


def test_the_owner_runs_the_review_from_the_console(client):
    _, _, ordinary = make_network_levels(regional=PROMOTE_AT_50000)
    buy(settled(ordinary), 60_000)
    response = client.post("/admin/api/agents/review", headers=admin_headers(client, make_admin()))
    assert response.get_json()["applied"] == 1


def test_flask_agents_review_runs_the_review(app):
    _, _, ordinary = make_network_levels(regional=PROMOTE_AT_50000)
    buy(settled(ordinary), 60_000)
    result = app.test_cli_runner().invoke(args=["agents", "review"])
    assert result.exit_code == 0 and "applied 1" in result.output
