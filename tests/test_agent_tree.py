"""The network's shape: team views, moving agents, leaving, and no cycles ever."""
import pytest

from app.agents import service as agents
from app.agents.models import Agent, AgentChange, AgentClosure
from app.database import db
from app.errors import Conflict
from tests.factories import admin_headers, make_admin, make_agent, make_chain, outcomes_in_threads


def closure_from_uplines():
    """The closure rows the upline links imply (agents who left stay where they were)."""
    uplines = dict(Agent.select(Agent.id, Agent.upline).tuples())
    expected = set()
    for agent_id in uplines:
        node, depth = agent_id, 0
        while node is not None:
            expected.add((node, agent_id, depth))
            node, depth = uplines[node], depth + 1
    return expected


def assert_tree_consistent():
    current = set(AgentClosure.select(AgentClosure.ancestor, AgentClosure.descendant, AgentClosure.depth).tuples())
    assert current == closure_from_uplines()


def test_a_team_holds_direct_and_indirect_members_with_their_depth():
    top, child, grandchild = make_chain(3)
    sibling = make_agent(upline=top)
    team = agents.team(agent_id=top.id)
    assert (team["total"], team["direct"]) == (3, 2)
    assert team["by_depth"] == [{"depth": 1, "count": 2}, {"depth": 2, "count": 1}]
    assert [(m.id, m.depth) for m in team["members"]] == [(child.id, 1), (sibling.id, 1), (grandchild.id, 2)]


def test_a_team_is_paged_and_may_stop_at_a_depth():
    top, child, _ = make_chain(3)
    make_agent(upline=top)
    assert len(agents.team(agent_id=top.id, page=2, per_page=2)["members"]) == 1
    assert {m.depth for m in agents.team(agent_id=top.id, max_depth=1)["members"]} == {1}


def test_the_owner_moves_an_agent_with_its_team_and_the_move_is_recorded(client):
    top, child, grandchild = make_chain(3)
    other = make_agent(level=top.level)
    owner = make_admin("owner")
    response = client.post(f"/admin/api/agents/{child.id}/upline", headers=admin_headers(client, owner),
                           json={"upline_id": other.id, "reason": "区域调整"})
    assert response.status_code == 200 and response.get_json()["upline_id"] == other.id
    assert [m.id for m in agents.team(agent_id=other.id)["members"]] == [child.id, grandchild.id]
    assert agents.team(agent_id=top.id)["total"] == 0
    entry = AgentChange.get(AgentChange.agent == child.id, AgentChange.kind == "upline")
    assert (entry.old_value, entry.new_value, entry.reason, entry.actor_id) == (
        str(top.id), str(other.id), "区域调整", owner.id)
    assert_tree_consistent()


def test_moving_an_agent_under_its_own_downline_is_a_cycle_and_a_409(client):
    top, _, grandchild = make_chain(3)
    response = client.post(f"/admin/api/agents/{top.id}/upline", headers=admin_headers(client, make_admin()),
                           json={"upline_id": grandchild.id, "reason": "试试"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "upline_cycle"
    assert_tree_consistent()


def test_an_agent_cannot_be_its_own_upline():
    agent = make_agent()
    with pytest.raises(Conflict):
        agents.change_upline(agent_id=agent.id, upline_id=agent.id, reason="试试", actor_id=None)


def test_an_agent_moved_to_the_top_has_no_upline():
    _, child, grandchild = make_chain(3)
    agents.change_upline(agent_id=child.id, upline_id=None, reason="独立", actor_id=None)
    assert Agent.get_by_id(child.id).upline_id is None
    assert agents.team(agent_id=child.id)["total"] == 1
    assert_tree_consistent()


def test_a_move_needs_a_reason(client):
    top, child = make_chain(2)
    response = client.post(f"/admin/api/agents/{child.id}/upline", headers=admin_headers(client, make_admin()),
                           json={"upline_id": None, "reason": " "})
    assert response.status_code == 422


def test_leaving_hands_the_direct_downline_to_the_upline_and_records_it():
    top, leaver, child, grandchild = make_chain(4)
    agents.leave(agent_id=leaver.id, reason="个人原因", actor_id=None)
    assert Agent.get_by_id(leaver.id).status == "left"
    assert Agent.get_by_id(child.id).upline_id == top.id
    team = agents.team(agent_id=top.id)
    assert [(m.id, m.depth) for m in team["members"]] == [(child.id, 1), (grandchild.id, 2)]
    moved = AgentChange.get(AgentChange.agent == child.id, AgentChange.kind == "upline")
    assert (moved.old_value, moved.new_value, moved.source) == (str(leaver.id), str(top.id), "leave")
    assert_tree_consistent()


def test_when_a_top_agent_leaves_its_downline_reaches_the_top():
    top, child, grandchild = make_chain(3)
    agents.leave(agent_id=top.id, reason="不做了", actor_id=None)
    assert Agent.get_by_id(child.id).upline_id is None
    assert agents.team(agent_id=child.id)["total"] == 1
    assert_tree_consistent()


def test_an_agent_who_left_is_not_counted_in_a_team():
    top = make_agent()
    make_agent(upline=top)
    make_agent(upline=top, status="left")
    assert agents.team(agent_id=top.id)["total"] == 1


def test_nobody_can_be_moved_under_an_agent_who_left():
    top, child = make_chain(2)
    gone = make_agent(status="left")
    with pytest.raises(Conflict):
        agents.change_upline(agent_id=child.id, upline_id=gone.id, reason="试试", actor_id=None)


def test_leaving_through_the_status_endpoint_needs_a_reason(client):
    agent = make_agent()
    response = client.post(f"/admin/api/agents/{agent.id}/status", headers=admin_headers(client, make_admin()),
                           json={"status": "left", "reason": ""})
    assert response.status_code == 422


@pytest.mark.committed
def test_opposite_concurrent_moves_never_make_a_cycle(app):
    db.connect(reuse_if_open=True)
    first, second = make_agent(), make_agent()
    db.close()
    moves = [(first.id, second.id), (second.id, first.id)] * 3

    def move():
        agent_id, upline_id = moves.pop()  # list.pop is atomic
        agents.change_upline(agent_id=agent_id, upline_id=upline_id, reason="并发", actor_id=None)
    assert outcomes_in_threads(move, 6) == ["Conflict"] * 5 + ["ok"]
    db.connect(reuse_if_open=True)
    assert_tree_consistent()
    db.close()
