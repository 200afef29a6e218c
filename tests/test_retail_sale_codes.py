"""An agent may scan the item codes into a retail sale: each must be its own goods, on the sale, sold once."""
import pytest

from tests.factories import agent_headers, codes_of, make_batch, make_product, shipped


@pytest.fixture
def stocked_agent(client, fake_wechat):
    """An agent holding three shipped item codes of one product; returns (headers, product, codes)."""
    product = make_product()
    headers, agent = agent_headers(client, fake_wechat)
    batch = make_batch(3, product=product)
    return headers, product, shipped(batch, agent), agent


def sell(client, headers, product, codes, quantity=2, client_ref="sale-1"):
    return client.post("/api/mp/retail-sales", headers=headers, json={
        "client_ref": client_ref, "customer_name": "李女士", "codes": codes,
        "items": [{"product_id": product.id, "quantity": quantity, "unit_price": "100.00"}]})


def test_the_scanned_codes_are_recorded_with_the_sale(client, stocked_agent):
    headers, product, codes, _ = stocked_agent
    response = sell(client, headers, product, codes[:2])
    assert response.status_code == 201
    assert sorted(response.get_json()["sale"]["codes"]) == sorted(codes[:2])


def test_a_code_sold_once_cannot_be_sold_again(client, stocked_agent):
    headers, product, codes, _ = stocked_agent
    sell(client, headers, product, [codes[0]], quantity=1)
    response = sell(client, headers, product, [codes[0]], quantity=1, client_ref="sale-2")
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "code_already_sold"


def test_a_retry_with_the_same_request_changes_nothing(client, stocked_agent):
    headers, product, codes, _ = stocked_agent
    first = sell(client, headers, product, codes[:2]).get_json()
    again = sell(client, headers, product, codes[:2])
    assert again.status_code == 201 and again.get_json()["repeated"] is True
    assert again.get_json()["sale"]["id"] == first["sale"]["id"]


def test_another_agents_goods_are_refused(client, fake_wechat, stocked_agent):
    _, product, codes, _ = stocked_agent
    other, _ = agent_headers(client, fake_wechat)
    response = sell(client, other, product, [codes[0]], quantity=1)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "code_not_yours"


def test_more_codes_than_units_or_of_another_product_are_refused(client, stocked_agent):
    headers, product, codes, agent = stocked_agent
    too_many = sell(client, headers, product, codes, quantity=2)
    assert too_many.status_code == 422 and too_many.get_json()["error"]["code"] == "code_not_in_sale"
    other_product = make_product()
    response = sell(client, headers, other_product, [codes[0]], quantity=1)
    assert response.get_json()["error"]["code"] == "code_not_in_sale"


@pytest.mark.parametrize("text", ["not-a-code", "²" * 12])
def test_a_malformed_code_is_422(client, stocked_agent, text):
    headers, product, _, _ = stocked_agent
    response = sell(client, headers, product, [text], quantity=1)
    assert response.status_code == 422 and "codes" in response.get_json()["error"]["fields"]


def test_a_box_code_asks_for_the_item_codes(client, fake_wechat):
    product = make_product()
    headers, agent = agent_headers(client, fake_wechat)
    batch = make_batch(2, product=product, box_size=2)
    shipped(batch, agent)
    [box] = codes_of(batch, boxes=True)
    response = sell(client, headers, product, [box], quantity=1)
    assert response.status_code == 422 and response.get_json()["error"]["code"] in ("box_code", "code_not_yours")
