"""Console page for price control: violations by agent and the owner's action on each."""
from app.codes.models import Violation
from app.codes import service as codes
from tests.factories import console_login, console_post, make_admin, make_agent, make_batch, price_violation, shipped


def signed_in(client, role):
    console_login(client, make_admin(role))
    return client


def test_a_violation_is_listed_with_its_kind_and_range(client):
    price_violation()
    page = signed_in(client, "finance").get("/admin/price-control").get_data(as_text=True)
    assert "低于控价" in page and "99.00–129.00" in page


def test_a_cross_region_violation_says_which_evidence_it_rests_on_and_waits_for_review(client):
    code = shipped(make_batch(1), make_agent(province="广东省"))[0]
    codes.look_up(text=code, ip="10.0.0.1", province="湖南省")
    page = signed_in(client, "finance").get("/admin/price-control").get_data(as_text=True)
    assert "依据：消费者填写" in page and "待核实" in page


def test_the_warehouse_may_not_read_violations(client):
    assert signed_in(client, "warehouse").get("/admin/price-control").status_code == 403


def test_finance_reads_but_may_not_act(client):
    violation = price_violation()
    assert console_post(signed_in(client, "finance"), f"/admin/price-control/{violation.id}/act",
                        {"action": "dismiss"}).status_code == 403


def test_staff_dismiss_a_violation(client):
    violation = price_violation()
    response = console_post(signed_in(client, "staff"), f"/admin/price-control/{violation.id}/act",
                            {"action": "dismiss"})
    assert response.status_code == 302 and Violation.get_by_id(violation.id).status == "dismissed"


def test_suspending_without_a_reason_is_marked_next_to_the_note(client):
    violation = price_violation()
    response = console_post(signed_in(client, "staff"), f"/admin/price-control/{violation.id}/act",
                            {"action": "suspend"})
    assert response.status_code == 422 and '<em class="error">请填写说明</em>' in response.get_data(as_text=True)
