"""The mini-program: my profile, invite, team, and nobody else's."""
from app.agents.invites import INVITE_PAGE
from app.agents.models import AgentInviteImage
from app.notify.service import queued
from tests.factories import (agent_headers, apply_with_invite, make_agent, make_level, overridden_settings,
                             scan_client, wechat_login)

INVITE_IMAGE = "/api/mp/me/invite.png"


def png_text(png):
    """The tEXt chunks of a PNG (the fake WeChat server writes scene and page there)."""
    texts, offset = {}, 8
    while offset < len(png):
        length = int.from_bytes(png[offset:offset + 4], "big")
        kind, data = png[offset + 4:offset + 8], png[offset + 8:offset + 8 + length]
        if kind == b"tEXt":
            key, _, value = data.partition(b"\0")
            texts[key.decode()] = value.decode()
        offset += 12 + length
    return texts


def test_an_agent_reads_its_own_profile(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    body = client.get("/api/mp/me/profile", headers=headers).get_json()
    assert (body["id"], body["level_name"], body["invite_code"]) == (agent.id, agent.level.name, agent.invite_code)


def test_a_wechat_user_who_is_no_agent_has_no_profile(client, fake_wechat):
    headers, _ = wechat_login(client, fake_wechat)
    assert client.get("/api/mp/me/profile", headers=headers).status_code == 403


def test_an_agent_cannot_read_another_agents_profile(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    stranger = make_agent()
    response = client.get(f"/api/mp/agents/{stranger.id}", headers=headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "agent_not_found"


def test_an_agent_cannot_read_its_uplines_profile(client, fake_wechat):
    upline = make_agent()
    headers, _ = agent_headers(client, fake_wechat, upline=upline)
    assert client.get(f"/api/mp/agents/{upline.id}", headers=headers).status_code == 404


def test_an_agent_reads_the_figures_of_someone_in_its_downline(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    child = make_agent(upline=agent)
    body = client.get(f"/api/mp/agents/{child.id}/performance", headers=headers).get_json()
    assert (body["agent_id"], body["own_purchase"], body["recruits"]) == (child.id, "0.00", 0)


def test_an_agent_cannot_read_the_figures_of_someone_outside_its_downline(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    response = client.get(f"/api/mp/agents/{make_agent().id}/performance", headers=headers)
    assert response.get_json()["error"]["code"] == "agent_not_found"


def test_a_level_that_may_not_see_its_team_is_forbidden_its_members_figures(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat, level=make_level(may_see_team=False))
    response = client.get(f"/api/mp/agents/{make_agent(upline=agent).id}/performance", headers=headers)
    assert response.get_json()["error"]["code"] == "team_hidden"


def test_an_agent_reads_the_profile_of_someone_in_its_downline(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    grandchild = make_agent(upline=make_agent(upline=agent))
    assert client.get(f"/api/mp/agents/{grandchild.id}", headers=headers).get_json()["id"] == grandchild.id


def test_an_agent_cannot_read_another_agents_team(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    stranger = make_agent()
    make_agent(upline=stranger)
    assert client.get(f"/api/mp/agents/{stranger.id}/team", headers=headers).status_code == 404


def test_a_level_that_may_not_see_its_team_is_forbidden_its_team(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat, level=make_level(may_see_team=False))
    response = client.get("/api/mp/me/team", headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "team_hidden"


def test_an_agent_sees_its_team_with_depth_and_counts(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    child = make_agent(upline=agent)
    make_agent(upline=child)
    body = client.get("/api/mp/me/team?per_page=1", headers=headers).get_json()
    assert (body["total"], body["direct"], len(body["members"])) == (2, 1, 1)
    assert body["members"][0]["depth"] == 1


def test_a_malformed_page_is_a_422(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    assert client.get("/api/mp/me/team?page=0", headers=headers).status_code == 422
    assert client.get("/api/mp/me/team?per_page=100000", headers=headers).status_code == 422


def test_my_invite_gives_the_code_and_the_image_address(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    body = client.get("/api/mp/me/invite", headers=headers).get_json()
    assert body == {"invite_code": agent.invite_code, "image_url": INVITE_IMAGE, "brand": "本品牌"}


def test_the_invite_image_is_a_mini_program_code_carrying_the_invite_code(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    response = client.get(INVITE_IMAGE, headers=headers)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert png_text(response.data) == {"scene": agent.invite_code, "page": INVITE_PAGE}


def test_the_invite_image_is_drawn_by_wechat_once(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    first = client.get(INVITE_IMAGE, headers=headers).data
    assert client.get(INVITE_IMAGE, headers=headers).data == first
    assert len(fake_wechat.calls("/wxa/getwxacodeunlimit")) == 1


def test_a_new_invite_code_draws_a_new_image(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    client.get(INVITE_IMAGE, headers=headers)
    agent.invite_code = "NEWCODE2"
    agent.save()
    assert png_text(client.get(INVITE_IMAGE, headers=headers).data)["scene"] == "NEWCODE2"
    assert AgentInviteImage.get_by_id(agent.id).invite_code == "NEWCODE2"


def test_an_expired_wechat_token_is_refreshed_once_for_the_image(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    fake_wechat.expire_tokens()
    assert client.get(INVITE_IMAGE, headers=headers).status_code == 200


def test_wechat_failing_to_draw_the_image_is_a_503(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    fake_wechat.fail_next("/wxa/getwxacodeunlimit", -1)
    response = client.get(INVITE_IMAGE, headers=headers)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "wechat_unavailable"


def test_an_agent_created_by_the_owner_binds_its_wechat_with_its_bind_code(client, fake_wechat):
    agent = make_agent(bind_code="BIND2345")
    headers, _ = wechat_login(client, fake_wechat)
    response = client.post("/api/mp/agents/bind", headers=headers, json={"bind_code": "bind2345"})
    assert response.status_code == 200 and response.get_json()["id"] == agent.id
    assert client.get("/api/mp/me/profile", headers=headers).get_json()["id"] == agent.id


def test_a_bind_code_works_once(client, fake_wechat):
    make_agent(bind_code="ONCE2345")
    client.post("/api/mp/agents/bind", headers=wechat_login(client, fake_wechat)[0], json={"bind_code": "ONCE2345"})
    again = client.post("/api/mp/agents/bind", headers=wechat_login(client, fake_wechat)[0],
                        json={"bind_code": "ONCE2345"})
    assert again.status_code == 422


def test_a_wechat_user_who_is_an_agent_cannot_bind_another(client, fake_wechat):
    make_agent(bind_code="SECOND23")
    headers, _ = agent_headers(client, fake_wechat)
    assert client.post("/api/mp/agents/bind", headers=headers, json={"bind_code": "SECOND23"}).status_code == 409


def test_a_level_that_may_not_see_its_team_is_forbidden_a_downline_members_profile(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat, level=make_level(may_see_team=False))
    child = make_agent(upline=agent, name="隐藏下级", phone="13900001111")
    response = client.get(f"/api/mp/agents/{child.id}", headers=headers)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "team_hidden"
    assert "隐藏下级" not in response.get_data(as_text=True) and child.invite_code not in response.get_data(as_text=True)


def test_a_level_that_may_not_see_its_team_gets_the_same_answer_for_any_id(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat, level=make_level(may_see_team=False))
    child, stranger = make_agent(upline=agent), make_agent()
    answers = {client.get(f"/api/mp/agents/{i}", headers=headers).status_code for i in (child.id, stranger.id)}
    assert answers == {403}


def test_a_level_that_may_not_see_its_team_still_reads_its_own_profile(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat, level=make_level(may_see_team=False))
    assert client.get(f"/api/mp/agents/{agent.id}", headers=headers).get_json()["id"] == agent.id


def test_a_suspended_agent_sees_no_downline_member_nor_its_team(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat, status="suspended")
    child = make_agent(upline=agent)
    profile = client.get(f"/api/mp/agents/{child.id}", headers=headers)
    team = client.get("/api/mp/me/team", headers=headers)
    assert (profile.status_code, team.status_code) == (403, 403)
    assert team.get_json()["error"]["code"] == "agent_suspended"


def test_a_suspended_agent_still_reads_its_own_profile(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat, status="suspended")
    assert client.get("/api/mp/me/profile", headers=headers).get_json()["id"] == agent.id


def test_bind_codes_tried_beyond_the_limit_from_one_login_answer_429(app, fake_wechat):
    headers, _ = wechat_login(scan_client(app), fake_wechat)
    with overridden_settings(JOIN_CODE_OPENID_RATE_LIMIT="3/minute"):
        answers = [scan_client(app).post("/api/mp/agents/bind", headers=headers, json={"bind_code": f"GUESS{i}"})
                   for i in range(4)]
    assert [a.status_code for a in answers] == [422, 422, 422, 429]
    assert answers[-1].get_json()["error"]["code"] == "rate_limited"


def test_invite_and_bind_codes_count_together_per_address(app, fake_wechat):
    client = scan_client(app)
    with overridden_settings(JOIN_CODE_RATE_LIMIT="2/minute"):
        bind = client.post("/api/mp/agents/bind", headers=wechat_login(client, fake_wechat)[0],
                           json={"bind_code": "GUESS1"})
        apply = apply_with_invite(client, wechat_login(client, fake_wechat)[0], make_agent())
        refused = apply_with_invite(client, wechat_login(client, fake_wechat)[0], make_agent())
    assert (bind.status_code, apply.status_code, refused.status_code) == (422, 201, 429)


def test_a_burst_of_code_guesses_alerts_the_owners_once(app, fake_wechat):
    client = scan_client(app)
    headers, _ = wechat_login(client, fake_wechat)
    with overridden_settings(JOIN_CODE_OPENID_RATE_LIMIT="1/minute"):
        for i in range(5):
            client.post("/api/mp/agents/applications", headers=headers,
                        json={"invite_code": f"GUESS{i}", "name": "试探", "phone": "13912345678"})
    alerts = queued("join_code_guessing")
    assert [a.recipient for a in alerts] == ["owners"]
