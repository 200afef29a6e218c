"""Console pages for agents: the list, the network tree, the detail with history, applications and proposals."""
from app.agents import service as agents
from app.agents.models import AgentApplication
from tests.factories import (console_login, console_post, make_admin, make_agent, make_application, make_chain,
                             make_level)


def signed_in(client, role):
    console_login(client, make_admin(role))
    return client


def test_the_list_filters_by_a_name_search(client):
    wanted, other = make_agent(name="王小明"), make_agent(name="李大壮")
    page = signed_in(client, "finance").get("/admin/agents?q=王小").get_data(as_text=True)
    assert wanted.name in page and other.name not in page


def test_the_list_exports_as_xlsx(client):
    make_agent()
    response = signed_in(client, "staff").get("/admin/agents/export")
    assert response.status_code == 200 and response.data[:2] == b"PK"


def test_the_network_shows_each_top_agent_with_its_downline(client):
    top, middle, bottom = make_chain(3)
    page = signed_in(client, "staff").get("/admin/agents/network").get_data(as_text=True)
    assert top.name in page and middle.name in page and bottom.name in page


def test_the_detail_shows_the_downline_and_the_history(client):
    top, child = make_chain(2)
    signed_in(client, "staff")
    agents.change_level(agent_id=child.id, level_id=make_level().id, reason="业绩达标", actor_id=None)
    page = client.get(f"/admin/agents/{child.id}").get_data(as_text=True)
    assert "业绩达标" in page
    assert child.name in client.get(f"/admin/agents/{top.id}").get_data(as_text=True)


def test_a_level_change_without_a_reason_is_marked_next_to_its_field(client):
    agent = make_agent()
    signed_in(client, "staff")
    response = console_post(client, f"/admin/agents/{agent.id}/level", {"level_id": str(make_level().id)})
    assert response.status_code == 422
    assert '<em class="error">必填</em>' in response.get_data(as_text=True)


def test_staff_approve_an_application_from_the_list(client):
    application = make_application()
    signed_in(client, "staff")
    assert application.name in client.get("/admin/agents/applications").get_data(as_text=True)
    response = console_post(client, f"/admin/agents/applications/{application.id}/approve")
    assert response.status_code == 302
    assert AgentApplication.get_by_id(application.id).status == "approved"


def test_approving_twice_shows_why_on_the_list(client):
    application = make_application()
    signed_in(client, "staff")
    console_post(client, f"/admin/agents/applications/{application.id}/approve")
    response = console_post(client, f"/admin/agents/applications/{application.id}/approve")
    assert response.status_code == 409
    assert 'class="flash bad"' in response.get_data(as_text=True)


def test_finance_reads_applications_but_may_not_decide_them(client):
    application = make_application()
    signed_in(client, "finance")
    page = client.get("/admin/agents/applications").get_data(as_text=True)
    assert application.name in page and "通过</button>" not in page
    assert console_post(client, f"/admin/agents/applications/{application.id}/approve").status_code == 403


def test_a_rejection_needs_a_reason(client):
    application = make_application()
    signed_in(client, "staff")
    response = console_post(client, f"/admin/agents/applications/{application.id}/reject")
    assert response.status_code == 422
    assert AgentApplication.get_by_id(application.id).status == "pending"


def test_the_proposals_page_runs_the_review(client):
    signed_in(client, "staff")
    response = console_post(client, "/admin/agents/review")
    assert response.status_code == 302
    assert "评审完成" in client.get(response.headers["Location"]).get_data(as_text=True)
