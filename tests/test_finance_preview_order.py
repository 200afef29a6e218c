"""Trying a rule set on one sample order before saving it: each commission line with its arithmetic, nothing written."""
from app.finance.models import CommissionLine
from tests.factories import admin_headers, make_admin, make_agent, make_network_levels, priced_product

LEVEL_DIFFERENCE = {"level_difference": {"enabled": True}}


def _sample():
    general, regional, ordinary = make_network_levels()
    top = make_agent(level=general, name="张总")
    buyer = make_agent(level=ordinary, upline=make_agent(level=regional, upline=top))
    return buyer, priced_product({general: 6000, regional: 8000, ordinary: 10000})


def _preview(client, role="finance", **body):
    return client.post("/admin/api/finance/rules/preview-order", json=body,
                       headers=admin_headers(client, make_admin(role)))


def test_the_sample_order_pays_each_upline_its_level_difference(client):
    buyer, product = _sample()
    body = _preview(client, rules=LEVEL_DIFFERENCE, buyer_agent_id=buyer.id, product_id=product.id,
                    quantity=2).get_json()
    assert body["order_total"] == "200.00" and body["commission"] == "80.00"
    assert [(line["depth"], line["amount"]) for line in body["lines"]] == [(1, "40.00"), (2, "40.00")]
    assert "×" in body["lines"][0]["explanation"] and body["lines"][1]["agent"].startswith("张总")


def test_the_preview_writes_nothing(client):
    buyer, product = _sample()
    _preview(client, rules=LEVEL_DIFFERENCE, buyer_agent_id=buyer.id, product_id=product.id)
    assert not CommissionLine.select().exists()


def test_a_deeper_rule_set_previews_with_the_compliance_warning(client):
    buyer, product = _sample()
    body = _preview(client, rules=LEVEL_DIFFERENCE, max_depth=5, allow_deeper=True, buyer_agent_id=buyer.id,
                    product_id=product.id).get_json()
    assert body["warnings"] and "传销" in body["warnings"][0]


def test_a_product_without_the_buyers_price_is_refused_on_the_product(client):
    buyer, _ = _sample()
    other = priced_product({})
    response = _preview(client, rules=LEVEL_DIFFERENCE, buyer_agent_id=buyer.id, product_id=other.id)
    assert response.status_code == 422 and "product_id" in response.get_json()["error"]["fields"]


def test_an_unknown_buyer_is_refused_on_the_buyer(client):
    _, product = _sample()
    response = _preview(client, rules=LEVEL_DIFFERENCE, buyer_agent_id=10**9, product_id=product.id)
    assert response.status_code == 422 and "buyer_agent_id" in response.get_json()["error"]["fields"]


def test_the_warehouse_may_not_preview(client):
    buyer, product = _sample()
    response = _preview(client, "warehouse", rules=LEVEL_DIFFERENCE, buyer_agent_id=buyer.id, product_id=product.id)
    assert response.status_code == 403
