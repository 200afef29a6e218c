"""Price control (控价): agents' retail sales against their level's range, violations and the owner's actions."""
import pytest

from app.agents.models import Agent, AgentRetailSale
from app.catalog import service as catalog
from app.codes import service as codes
from app.codes.models import RetailSale, Violation
from app.notify import service as notify
from tests.factories import (admin_headers, agent_headers, make_admin, make_agent, make_level, make_product,
                             make_batch, outcomes_in_threads, overridden_settings, scan_client, shipped)


@pytest.fixture
def ranged():
    """A product whose range for a new level is 99.00–129.00 yuan, and an agent of that level."""
    level = make_level()
    product = make_product()
    catalog.set_price_range(product_id=product.id, level_id=level.id, min_fen=9900, max_fen=12900)
    return product, level


def _sale(product, price, **fields):
    return {"client_ref": fields.pop("client_ref", "sale-1"), "customer_name": "李女士",
            "items": [{"product_id": product.id, "quantity": 2, "unit_price": price}], **fields}


def test_a_sale_inside_the_range_is_recorded_without_violation(client, fake_wechat, ranged):
    product, level = ranged
    headers, agent = agent_headers(client, fake_wechat, level=level)
    response = client.post("/api/mp/retail-sales", headers=headers, json=_sale(product, "109.00"))
    body = response.get_json()
    assert response.status_code == 201 and body["out_of_range"] == 0 and body["sale"]["total"] == "218.00"
    assert Violation.select().count() == 0


def test_a_sale_below_the_range_records_a_violation_with_evidence_and_alerts_the_owner(client, fake_wechat,
                                                                                      ranged):
    product, level = ranged
    headers, agent = agent_headers(client, fake_wechat, level=level)
    body = client.post("/api/mp/retail-sales", headers=headers, json=_sale(product, "79.00")).get_json()
    violation = Violation.get()
    assert body["out_of_range"] == 1
    assert (violation.agent_id, violation.kind, violation.source, violation.price_fen, violation.min_fen) == (
        agent.id, "price_low", "retail_sale", 7900, 9900)
    assert [n.recipient for n in notify.queued("violation_price_low")] == ["owners"]


def test_a_sale_above_the_range_is_a_price_high_violation(client, fake_wechat, ranged):
    product, level = ranged
    headers, _ = agent_headers(client, fake_wechat, level=level)
    client.post("/api/mp/retail-sales", headers=headers, json=_sale(product, "200.00"))
    assert Violation.get().kind == "price_high"


def test_a_sale_feeds_the_agents_retail_figures(client, fake_wechat, ranged):
    product, level = ranged
    headers, agent = agent_headers(client, fake_wechat, level=level)
    client.post("/api/mp/retail-sales", headers=headers, json=_sale(product, "100.00"))
    assert AgentRetailSale.get(AgentRetailSale.agent == agent.id).amount_fen == 20000


def test_a_retried_upload_records_one_sale(client, fake_wechat, ranged):
    product, level = ranged
    headers, _ = agent_headers(client, fake_wechat, level=level)
    first = client.post("/api/mp/retail-sales", headers=headers, json=_sale(product, "79.00"))
    again = client.post("/api/mp/retail-sales", headers=headers, json=_sale(product, "79.00"))
    assert again.status_code == 201 and again.get_json()["repeated"]
    assert again.get_json()["sale"]["id"] == first.get_json()["sale"]["id"]
    assert RetailSale.select().count() == 1 and Violation.select().count() == 1


def test_a_reused_reference_with_other_facts_is_refused(client, fake_wechat, ranged):
    product, level = ranged
    headers, _ = agent_headers(client, fake_wechat, level=level)
    client.post("/api/mp/retail-sales", headers=headers, json=_sale(product, "100.00"))
    other = client.post("/api/mp/retail-sales", headers=headers, json=_sale(product, "101.00"))
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "client_ref_reused"


def test_blocking_out_of_range_sales_is_off_by_default_and_refuses_when_on(client, fake_wechat, ranged):
    product, level = ranged
    headers, _ = agent_headers(client, fake_wechat, level=level)
    with overridden_settings(PRICE_BLOCK_OUT_OF_RANGE=True):
        refused = client.post("/api/mp/retail-sales", headers=headers, json=_sale(product, "79.00"))
    assert refused.status_code == 422 and "items.0.unit_price" in refused.get_json()["error"]["fields"]
    assert RetailSale.select().count() == 0


def test_a_sale_refuses_bad_input(client, fake_wechat, ranged):
    product, level = ranged
    headers, _ = agent_headers(client, fake_wechat, level=level)
    for bad in (_sale(product, "-1"), _sale(product, "abc"), {**_sale(product, "1"), "items": []},
                {**_sale(product, "1"), "items": [{"product_id": 10**9, "quantity": 1, "unit_price": "1"}]}):
        assert client.post("/api/mp/retail-sales", headers=headers, json=bad).status_code in (404, 422)


def test_a_sales_customer_phone_is_normalised_and_a_malformed_one_refused(client, fake_wechat, ranged):
    product, level = ranged
    headers, _ = agent_headers(client, fake_wechat, level=level)
    bad = client.post("/api/mp/retail-sales", headers=headers, json=_sale(product, "109.00", customer_phone="12345"))
    good = client.post("/api/mp/retail-sales", headers=headers,
                       json=_sale(product, "109.00", customer_phone="+86 139 1234 5679"))
    assert bad.status_code == 422 and "customer_phone" in bad.get_json()["error"]["fields"]
    assert good.status_code == 201 and RetailSale.get().customer_phone == "13912345679"


def test_an_agent_sees_its_own_sales_only(client, fake_wechat, ranged):
    product, level = ranged
    headers, _ = agent_headers(client, fake_wechat, level=level)
    codes.record_retail_sale(agent_id=make_agent(level=level).id, client_ref="x", customer_name="王",
                             items=[{"product_id": product.id, "quantity": 1, "unit_fen": 10000}])
    client.post("/api/mp/retail-sales", headers=headers, json=_sale(product, "100.00"))
    assert client.get("/api/mp/retail-sales", headers=headers).get_json()["total"] == 1


def _violation(ranged):
    product, level = ranged
    agent = make_agent(level=level)
    codes.record_retail_sale(agent_id=agent.id, client_ref="v", customer_name="王",
                             items=[{"product_id": product.id, "quantity": 1, "unit_fen": 100}])
    return Violation.get(Violation.agent == agent.id), agent


def test_the_owner_lists_an_agents_violation_history(client, ranged):
    violation, agent = _violation(ranged)
    body = client.get(f"/admin/api/price-control/violations?agent_id={agent.id}",
                      headers=admin_headers(client, make_admin())).get_json()
    assert body["total"] == 1 and body["items"][0]["evidence"]["min_price"] == "99.00"


def test_the_owner_warns_the_agent(client, ranged):
    violation, agent = _violation(ranged)
    response = client.post(f"/admin/api/price-control/violations/{violation.id}/act",
                           headers=admin_headers(client, make_admin()), json={"action": "warn"})
    assert response.get_json()["status"] == "warned"
    assert [n.recipient for n in notify.queued("violation_warning")] == [f"agent:{agent.id}"]


def test_the_owner_suspends_the_agent_through_the_agents_service(client, ranged):
    violation, agent = _violation(ranged)
    response = client.post(f"/admin/api/price-control/violations/{violation.id}/act",
                           headers=admin_headers(client, make_admin()), json={"action": "suspend", "note": "屡次低价"})
    assert response.get_json()["status"] == "suspended"
    assert Agent.get_by_id(agent.id).status == "suspended"


def test_suspending_needs_a_note_and_finance_may_not_act(client, ranged):
    violation, _ = _violation(ranged)
    owner = admin_headers(client, make_admin())
    no_note = client.post(f"/admin/api/price-control/violations/{violation.id}/act", headers=owner,
                          json={"action": "suspend"})
    finance = client.post(f"/admin/api/price-control/violations/{violation.id}/act",
                          headers=admin_headers(client, make_admin("finance")), json={"action": "note", "note": "x"})
    assert no_note.status_code == 422 and finance.status_code == 403


def test_the_summary_counts_violations_per_agent_and_kind(client, ranged, app):
    _, agent = _violation(ranged)
    code = shipped(make_batch(1), agent)[0]
    scan_client(app).get(f"/api/mp/codes/{code}?province=西藏")
    rows = client.get("/admin/api/price-control/summary", headers=admin_headers(client, make_admin())).get_json()
    assert sorted((row["agent_id"], row["kind"], row["count"]) for row in rows) == [
        (agent.id, "cross_region", 1), (agent.id, "price_low", 1)]


@pytest.mark.committed
def test_the_same_sale_sent_at_once_is_recorded_once():
    level = make_level()
    product, agent = make_product(), make_agent(level=level)
    catalog.set_price_range(product_id=product.id, level_id=level.id, min_fen=9900, max_fen=12900)
    outcomes = outcomes_in_threads(lambda: codes.record_retail_sale(
        agent_id=agent.id, client_ref="same", customer_name="王",
        items=[{"product_id": product.id, "quantity": 1, "unit_fen": 100}]), 4)
    assert outcomes == ["ok"] * 4
    assert RetailSale.select().count() == 1 and Violation.select().count() == 1
