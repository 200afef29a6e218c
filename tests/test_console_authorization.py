"""Console pages for authorization: an agent's certificate (image, downloads, numbers, WeChat ID) and the log."""
from app.agents import service as agents
from app.authorization import service as authorization
from tests.factories import console_login, console_post, make_admin, make_agent, make_level, scan_client


def signed_in(client, role):
    console_login(client, make_admin(role))
    return client


def test_the_certificate_page_shows_the_number_and_the_image(client):
    agent = make_agent(name="陈小美")
    page = signed_in(client, "warehouse").get(f"/admin/agents/{agent.id}/certificate").get_data(as_text=True)
    number = authorization.certificate_for_agent(agent_id=agent.id).certificate.number
    assert number in page and f'src="/admin/agents/{agent.id}/certificate.png"' in page
    image = client.get(f"/admin/agents/{agent.id}/certificate.png")
    assert image.status_code == 200 and image.mimetype == "image/png"


def test_the_agent_detail_links_to_its_certificate(client):
    agent = make_agent()
    page = signed_in(client, "staff").get(f"/admin/agents/{agent.id}").get_data(as_text=True)
    assert f'href="/admin/agents/{agent.id}/certificate"' in page


def test_the_certificate_downloads_as_png_and_pdf(client):
    agent = make_agent()
    signed_in(client, "finance")
    pdf = client.get(f"/admin/agents/{agent.id}/certificate/download.pdf")
    png = client.get(f"/admin/agents/{agent.id}/certificate/download.png")
    assert pdf.data.startswith(b"%PDF") and "attachment" in pdf.headers["Content-Disposition"]
    assert png.mimetype == "image/png"


def test_the_certificate_page_lists_the_numbers_the_agent_had(client):
    agent = make_agent()
    old = authorization.certificate_for_agent(agent_id=agent.id).certificate.number
    agents.change_level(agent_id=agent.id, level_id=make_level(rank=0).id, reason="升级", actor_id=None)
    page = signed_in(client, "staff").get(f"/admin/agents/{agent.id}/certificate").get_data(as_text=True)
    assert old in page and "已变更" in page


def test_a_pending_agent_s_page_says_why_it_has_no_certificate(client):
    agent = make_agent(status="pending")
    page = signed_in(client, "staff").get(f"/admin/agents/{agent.id}/certificate").get_data(as_text=True)
    assert "代理资格审核通过后才有授权书" in page


def test_staff_register_an_agents_wechat_id(client):
    agent = make_agent()
    signed_in(client, "staff")
    response = console_post(client, f"/admin/agents/{agent.id}/wechat-id", {"wechat_id": "Rose_Shop88"})
    assert response.status_code == 302
    assert authorization.wechat_id_of(agent.id) == "rose_shop88"


def test_a_taken_wechat_id_is_shown_on_the_page(client):
    authorization.set_wechat_id(agent_id=make_agent().id, wechat_id="rose_shop88")
    agent = make_agent()
    signed_in(client, "staff")
    response = console_post(client, f"/admin/agents/{agent.id}/wechat-id", {"wechat_id": "rose_shop88"})
    assert response.status_code == 409 and "该微信号已被其他代理登记" in response.get_data(as_text=True)


def test_the_warehouse_may_not_set_a_wechat_id(client):
    agent = make_agent()
    signed_in(client, "warehouse")
    response = console_post(client, f"/admin/agents/{agent.id}/wechat-id", {"wechat_id": "rose_shop88"})
    assert response.status_code == 403


def test_the_verification_log_lists_look_ups_filtered_by_result(app, client):
    number = authorization.certificate_for_agent(agent_id=make_agent().id).certificate.number
    scan_client(app).get(f"/a/{number}")
    scan_client(app).get("/a?q=13800000000")
    signed_in(client, "finance")
    everything = client.get("/admin/agents/verifications").get_data(as_text=True)
    misses = client.get("/admin/agents/verifications?result=not_found").get_data(as_text=True)
    assert number in everything and "13800000000" in everything
    assert "13800000000" in misses and number not in misses
