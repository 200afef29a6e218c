"""The certificate over HTTP: the agent's own in the mini-program, each agent's in the console, and verification."""
from io import BytesIO

from PIL import Image

from app.agents import service as agents
from tests.factories import admin_headers, agent_headers, make_admin, make_agent, make_level, scan_client


def _certificate(client, headers):
    response = client.get("/api/mp/me/certificate", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_my_certificate_names_its_number_and_verify_address(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat, name="陈小美")
    body = _certificate(client, headers)
    number = body["certificate"]["number"]
    assert body["certificate"]["agent_name"] == "陈小美" and body["status"] == "active"
    assert body["verify_url"].endswith(f"/a/{number}")


def test_my_certificate_image_is_a_png(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    response = client.get("/api/mp/me/certificate.png", headers=headers)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert Image.open(BytesIO(response.data)).size == (750, 1060)


def test_a_pending_agent_is_told_it_has_no_certificate_yet(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat, status="pending")
    response = client.get("/api/mp/me/certificate", headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "no_certificate"


def test_my_certificate_after_a_level_change_has_a_new_number(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    before = _certificate(client, headers)["certificate"]["number"]
    agents.change_level(agent_id=agent.id, level_id=make_level(rank=0).id, reason="升级", actor_id=None)
    assert _certificate(client, headers)["certificate"]["number"] != before


def test_an_agent_sets_its_wechat_id(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    response = client.put("/api/mp/me/wechat-id", headers=headers, json={"wechat_id": "Rose_Shop88"})
    assert response.status_code == 200 and response.get_json() == {"wechat_id": "rose_shop88"}
    assert _certificate(client, headers)["wechat_id"] == "rose_shop88"


def test_a_malformed_wechat_id_is_422_on_its_field(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    response = client.put("/api/mp/me/wechat-id", headers=headers, json={"wechat_id": "12345"})
    assert response.status_code == 422 and "wechat_id" in response.get_json()["error"]["fields"]


def test_another_agents_wechat_id_is_409(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    client.put("/api/mp/me/wechat-id", headers=headers, json={"wechat_id": "rose_shop88"})
    other, _ = agent_headers(client, fake_wechat)
    response = client.put("/api/mp/me/wechat-id", headers=other, json={"wechat_id": "rose_shop88"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "wechat_id_taken"


def test_anyone_verifies_by_phone_in_the_mini_program_without_contact_details(app, client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat, phone="13912345678", name="王小明")
    _certificate(client, headers)
    response = scan_client(app).get("/api/mp/authorization?q=13912345678")
    assert response.status_code == 200
    [answer] = response.get_json()
    assert (answer["result"], answer["masked_name"], answer["authorized"]) == ("authorized", "王**", True)
    assert "13912345678" not in response.get_data(as_text=True) and "王小明" not in response.get_data(as_text=True)


def test_verifying_without_a_query_is_422(app):
    assert scan_client(app).get("/api/mp/authorization").status_code == 422


def test_mini_program_look_ups_beyond_the_limit_answer_429_as_json(app):
    from tests.factories import overridden_settings

    client = scan_client(app)
    with overridden_settings(AUTHORIZATION_RATE_LIMIT="2/minute"):
        statuses = [client.get("/api/mp/authorization?q=13800000000").status_code for _ in range(3)]
        refused = client.get("/api/mp/authorization?q=13800000000")
    assert statuses == [200, 200, 429] and refused.get_json()["error"]["code"] == "rate_limited"


def test_the_console_shows_an_agents_certificate_with_every_number_it_had(client):
    agent = make_agent()
    headers = admin_headers(client, make_admin("warehouse"))
    first = client.get(f"/admin/api/agents/{agent.id}/certificate", headers=headers).get_json()
    agents.change_level(agent_id=agent.id, level_id=make_level(rank=0).id, reason="升级", actor_id=None)
    second = client.get(f"/admin/api/agents/{agent.id}/certificate", headers=headers).get_json()
    assert [c["number"] for c in second["history"]] == [second["certificate"]["number"],
                                                         first["certificate"]["number"]]
    assert [c["current"] for c in second["history"]] == [True, False]


def test_the_console_downloads_the_certificate_as_png_and_pdf(client):
    agent = make_agent()
    headers = admin_headers(client, make_admin("staff"))
    png = client.get(f"/admin/api/agents/{agent.id}/certificate.png", headers=headers)
    pdf = client.get(f"/admin/api/agents/{agent.id}/certificate.pdf", headers=headers)
    assert png.mimetype == "image/png" and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert "attachment; filename=certificate-SQ" in pdf.headers["Content-Disposition"]


def test_the_console_certificate_of_an_unknown_agent_is_404(client):
    headers = admin_headers(client, make_admin("staff"))
    assert client.get("/admin/api/agents/999999/certificate", headers=headers).status_code == 404


def test_staff_set_an_agents_wechat_id(client):
    agent = make_agent()
    headers = admin_headers(client, make_admin("staff"))
    response = client.put(f"/admin/api/agents/{agent.id}/wechat-id", headers=headers, json={"wechat_id": "rose88a"})
    assert response.status_code == 200 and response.get_json() == {"wechat_id": "rose88a"}


def test_the_verification_log_lists_look_ups_by_result(app, client):
    agent = make_agent()
    number = client.get(f"/admin/api/agents/{agent.id}/certificate",
                        headers=admin_headers(client, make_admin("staff"))).get_json()["certificate"]["number"]
    scan_client(app).get(f"/a/{number}")
    scan_client(app).get("/a?q=13800000000")
    headers = admin_headers(client, make_admin("finance"))
    body = client.get("/admin/api/authorization/checks?result=not_found", headers=headers).get_json()
    assert body["total"] == 1 and body["items"][0]["query_kind"] == "phone"
    everything = client.get("/admin/api/authorization/checks", headers=headers).get_json()
    assert everything["total"] == 2 and everything["items"][1]["agent_id"] == agent.id
