"""The console's agent management: levels, the list, detail with history, creating, roles."""
import pytest

from app.agents.models import Agent
from tests.factories import admin_headers, make_admin, make_agent, make_level

LEVEL = {"name": "区域代理", "rank": 2, "min_first_purchase": "3000.00", "promote_purchase": "50000",
         "promote_recruits": 10, "demote_below_purchase": "5000.00", "review_window_days": 90}


def owner(client):
    return admin_headers(client, make_admin("owner"))


def test_the_owner_creates_a_level_with_its_rules_in_yuan(client):
    response = client.post("/admin/api/levels", headers=owner(client), json=LEVEL)
    assert response.status_code == 201
    body = response.get_json()
    assert (body["promote_purchase"], body["demote_below_purchase"], body["promote_recruits"]) == (
        "50000.00", "5000.00", 10)


def test_two_levels_cannot_share_a_rank(client):
    headers = owner(client)
    client.post("/admin/api/levels", headers=headers, json=LEVEL)
    response = client.post("/admin/api/levels", headers=headers, json={**LEVEL, "name": "省代"})
    assert response.status_code == 409


def test_money_with_more_than_two_decimals_is_refused(client):
    response = client.post("/admin/api/levels", headers=owner(client), json={**LEVEL, "promote_purchase": "1.005"})
    assert response.status_code == 422 and "promote_purchase" in response.get_json()["error"]["fields"]


def test_deleting_a_level_that_agents_hold_is_a_409(client):
    level = make_level()
    make_agent(level=level)
    response = client.delete(f"/admin/api/levels/{level.id}", headers=owner(client))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "level_in_use"


def test_an_unused_level_is_deleted(client):
    level = make_level()
    assert client.delete(f"/admin/api/levels/{level.id}", headers=owner(client)).status_code == 204


def test_a_level_rule_is_changed_and_cleared(client):
    level = make_level(promote_purchase_fen=100)
    response = client.patch(f"/admin/api/levels/{level.id}", headers=owner(client),
                            json={"promote_purchase": None, "term_days": 180})
    assert (response.get_json()["promote_purchase"], response.get_json()["term_days"]) == (None, 180)


def test_staff_may_not_configure_levels_but_may_read_them(client):
    headers = admin_headers(client, make_admin("staff"))
    assert client.post("/admin/api/levels", headers=headers, json=LEVEL).status_code == 403
    assert client.get("/admin/api/levels", headers=headers).status_code == 200


def test_the_list_filters_and_counts_every_match(client):
    level = make_level()
    for _ in range(3):
        make_agent(level=level, province="浙江省")
    make_agent(level=level, province="广东省")
    body = client.get(f"/admin/api/agents?level_id={level.id}&province=浙江省&per_page=2",
                      headers=owner(client)).get_json()
    assert (body["total"], len(body["items"]), body["page"]) == (3, 2, 1)


def test_the_list_finds_agents_by_name_or_phone(client):
    make_agent(name="周杰", phone="13712345678")
    make_agent(name="周星", phone="13600000000")
    headers = owner(client)
    assert client.get("/admin/api/agents?q=周", headers=headers).get_json()["total"] == 2
    assert client.get("/admin/api/agents?q=137123", headers=headers).get_json()["items"][0]["name"] == "周杰"


def test_the_list_filters_by_upline_and_by_status(client):
    top = make_agent()
    make_agent(upline=top), make_agent(upline=top, status="suspended")
    headers = owner(client)
    assert client.get(f"/admin/api/agents?upline_id={top.id}", headers=headers).get_json()["total"] == 2
    assert client.get(f"/admin/api/agents?upline_id={top.id}&status=suspended",
                      headers=headers).get_json()["total"] == 1


def test_an_unknown_status_filter_is_a_422(client):
    assert client.get("/admin/api/agents?status=vip", headers=owner(client)).status_code == 422


def test_the_detail_holds_the_agents_history(client):
    agent = make_agent()
    headers = owner(client)
    client.post(f"/admin/api/agents/{agent.id}/status", headers=headers, json={"status": "suspended", "reason": "窜货"})
    body = client.get(f"/admin/api/agents/{agent.id}", headers=headers).get_json()
    assert body["agent"]["status"] == "suspended"
    assert [(h["kind"], h["new_value"], h["reason"]) for h in body["history"]] == [("status", "suspended", "窜货")]


def test_an_unknown_agent_is_a_404(client):
    assert client.get("/admin/api/agents/999999", headers=owner(client)).status_code == 404


def test_the_owner_creates_a_top_agent_with_a_bind_code(client):
    level = make_level()
    response = client.post("/admin/api/agents", headers=owner(client),
                           json={"name": "王总", "phone": "138 0000 0001", "level_id": level.id, "province": "广东省"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["phone"] == "13800000001" and body["upline_id"] is None and len(body["bind_code"]) == 8
    assert body["wechat_bound"] is False


@pytest.mark.parametrize("typed", ["+86 139 1234 5679", "１３９－１２３４－５６７９", "0086-139-1234-5679"])
def test_a_mobile_typed_with_country_code_or_full_width_digits_is_stored_as_eleven_digits(client, typed):
    response = client.post("/admin/api/agents", headers=owner(client),
                           json={"name": "王总", "phone": typed, "level_id": make_level().id})
    assert response.status_code == 201 and response.get_json()["phone"] == "13912345679"


def test_a_phone_that_is_no_mainland_mobile_is_refused(client):
    response = client.post("/admin/api/agents", headers=owner(client),
                           json={"name": "王总", "phone": "02088888888", "level_id": make_level().id})
    assert response.status_code == 422 and "phone" in response.get_json()["error"]["fields"]


def test_warehouse_may_read_agents_but_not_change_them(client):
    agent = make_agent()
    headers = admin_headers(client, make_admin("warehouse"))
    assert client.get("/admin/api/agents", headers=headers).status_code == 200
    response = client.post(f"/admin/api/agents/{agent.id}/status", headers=headers,
                           json={"status": "suspended", "reason": "x"})
    assert response.status_code == 403
    assert Agent.get_by_id(agent.id).status == "active"


def test_an_id_too_large_for_the_database_is_a_404_or_422_never_a_500(client):
    headers = owner(client)
    assert client.get("/admin/api/agents/99999999999999999999999", headers=headers).status_code == 404
    assert client.get("/admin/api/agents?level_id=99999999999999999999999", headers=headers).status_code == 422
