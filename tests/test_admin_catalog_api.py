"""Console API for products, level prices and price ranges; the agent's catalogue in the mini-program."""
import pytest

from app.catalog import service as catalog
from tests.factories import admin_headers, agent_headers, make_admin, make_level, make_product, stocked
from tests.test_errors import assert_error


@pytest.fixture
def owner(client):
    return admin_headers(client, make_admin("owner"))


def test_a_product_is_created_with_yuan_prices(client, owner):
    response = client.post("/admin/api/products", headers=owner, json={
        "name": "玫瑰面霜", "spec": "50g", "gtin": "6901234567892", "cost_price": "35.50", "retail_price": "199"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["cost_price"], body["retail_price"]) == ("35.50", "199.00")
    assert catalog.get_product(body["id"]).cost_fen == 3550


def test_a_bad_barcode_is_422_in_chinese(client, owner):
    response = client.post("/admin/api/products", headers=owner, json={"name": "精华液", "gtin": "6901234567891"})
    assert "校验位" in assert_error(response, 422, "invalid_input")["fields"]["gtin"]


def test_a_float_price_is_422(client, owner):
    response = client.post("/admin/api/products", headers=owner, json={"name": "精华液", "retail_price": 19.9})
    assert "retail_price" in assert_error(response, 422)["fields"]


def test_a_product_is_taken_off_sale_by_patch(client, owner):
    product = make_product()
    response = client.patch(f"/admin/api/products/{product.id}", headers=owner, json={"active": False})
    assert response.get_json()["active"] is False


def test_products_are_listed_in_pages(client, owner):
    for _ in range(3):
        make_product()
    body = client.get("/admin/api/products?per_page=2&page=2", headers=owner).get_json()
    assert (len(body["items"]), body["total"], body["page"]) == (1, 3, 2)


def test_finance_may_read_but_not_write(client):
    finance = admin_headers(client, make_admin("finance"))
    assert client.get("/admin/api/products", headers=finance).status_code == 200
    assert_error(client.post("/admin/api/products", headers=finance, json={"name": "面霜"}), 403, "role_forbidden")


def test_staff_may_not_see_the_catalogue_console(client):
    staff = admin_headers(client, make_admin("staff"))
    assert_error(client.get("/admin/api/products", headers=staff), 403)


def test_a_level_price_is_set_and_its_history_shown(client, owner):
    product, level = make_product(), make_level()
    for price in ("50.00", "45.00"):
        response = client.put(f"/admin/api/products/{product.id}/level-prices/{level.id}", headers=owner,
                              json={"price": price})
        assert response.status_code == 200
    history = client.get(f"/admin/api/products/{product.id}/level-prices/history", headers=owner).get_json()
    assert [(h["old_price"], h["new_price"]) for h in history] == [("50.00", "45.00"), (None, "50.00")]


def test_a_price_range_is_set_per_level(client, owner):
    product, level = make_product(), make_level()
    response = client.put(f"/admin/api/products/{product.id}/price-ranges/{level.id}", headers=owner,
                          json={"min_price": "99", "max_price": "129"})
    assert response.get_json() == {"level_id": level.id, "min_price": "99.00", "max_price": "129.00"}


def test_the_agent_sees_only_its_own_levels_price_and_the_stock(client, fake_wechat):
    general, ordinary = make_level(), make_level()
    product, _ = stocked(12)
    catalog.set_level_price(product_id=product.id, level_id=general.id, price_fen=4000)
    catalog.set_level_price(product_id=product.id, level_id=ordinary.id, price_fen=6000)
    headers, _ = agent_headers(client, fake_wechat, level=ordinary)
    [item] = client.get("/api/mp/catalogue", headers=headers).get_json()
    assert (item["product_id"], item["price"], item["available"]) == (product.id, "60.00", 12)
    assert "40.00" not in str(item)


def test_the_agent_sees_its_own_levels_retail_range(client, fake_wechat):
    general, ordinary = make_level(), make_level()
    product, _ = stocked(12)
    for level in (general, ordinary):
        catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=4000)
    catalog.set_price_range(product_id=product.id, level_id=general.id, min_fen=5000, max_fen=5500)
    catalog.set_price_range(product_id=product.id, level_id=ordinary.id, min_fen=8000, max_fen=9900)
    headers, _ = agent_headers(client, fake_wechat, level=ordinary)
    [item] = client.get("/api/mp/catalogue", headers=headers).get_json()
    assert (item["retail_min"], item["retail_max"]) == ("80.00", "99.00")


def test_a_product_without_a_retail_range_has_none(client, fake_wechat):
    level = make_level()
    product, _ = stocked(12)
    catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=4000)
    headers, _ = agent_headers(client, fake_wechat, level=level)
    [item] = client.get("/api/mp/catalogue", headers=headers).get_json()
    assert (item["retail_min"], item["retail_max"]) == (None, None)


def test_the_catalogue_needs_an_agent(client, fake_wechat):
    from tests.factories import wechat_login

    headers, _ = wechat_login(client, fake_wechat)
    assert_error(client.get("/api/mp/catalogue", headers=headers), 403, "not_an_agent")
