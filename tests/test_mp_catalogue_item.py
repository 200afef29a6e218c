"""One product of the agent's catalogue, as the product page shows it."""
from app.catalog import service as catalog
from tests.factories import agent_headers, make_level, make_product, stocked


def test_a_product_of_my_catalogue_at_my_price(client, fake_wechat):
    level = make_level()
    product, _ = stocked(7)
    catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=6000)
    headers, _ = agent_headers(client, fake_wechat, level=level)
    item = client.get(f"/api/mp/catalogue/{product.id}", headers=headers).get_json()
    assert (item["product_id"], item["price"], item["available"]) == (product.id, "60.00", 7)


def test_a_product_not_priced_for_my_level_is_404_like_an_unknown_one(client, fake_wechat):
    priced_elsewhere = make_product()
    catalog.set_level_price(product_id=priced_elsewhere.id, level_id=make_level().id, price_fen=6000)
    headers, _ = agent_headers(client, fake_wechat)
    hidden = client.get(f"/api/mp/catalogue/{priced_elsewhere.id}", headers=headers)
    unknown = client.get("/api/mp/catalogue/987654321", headers=headers)
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.get_json() == unknown.get_json()
