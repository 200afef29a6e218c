"""The warehouse's changes on console pages: receive several products at once, adjust with a reason, warehouses
and the provinces they serve, retiring one, and low-stock thresholds."""
from app.inventory.models import StockMove, Warehouse, WarehouseProvince
from tests.factories import (console_as, console_csrf, console_post, make_product, make_warehouse, stock_of,
                             stocked)


def receipt(warehouse, *rows, **form):
    data = {"warehouse_id": str(warehouse.id), "form_key": "k1", **form}
    for index, (product, quantity) in enumerate(rows):
        data[f"lines.{index}.product_id"] = str(product.id) if product else ""
        data[f"lines.{index}.quantity"] = str(quantity)
    return data


def test_the_warehouse_receives_several_products_in_one_form(client):
    warehouse, cream, serum = make_warehouse(), make_product(), make_product()
    console_as(client, "warehouse")
    response = console_post(client, "/admin/stock/receive", receipt(warehouse, (cream, 10), (serum, 4)))
    assert response.status_code == 302
    assert (stock_of(cream, warehouse), stock_of(serum, warehouse)) == ((10, 0), (4, 0))


def test_submitting_the_same_receipt_twice_receives_it_once(client):
    warehouse, cream = make_warehouse(), make_product()
    console_as(client, "warehouse")
    console_post(client, "/admin/stock/receive", receipt(warehouse, (cream, 10)))
    response = console_post(client, "/admin/stock/receive", receipt(warehouse, (cream, 10)), follow_redirects=True)
    assert "这张入库单已入库过" in response.get_data(as_text=True)
    assert stock_of(cream, warehouse) == (10, 0)


def test_a_negative_quantity_is_marked_on_its_row_and_nothing_is_received(client):
    warehouse, cream, serum = make_warehouse(), make_product(), make_product()
    console_as(client, "warehouse")
    data = receipt(warehouse, (cream, 5))
    data.update({"lines.3.product_id": str(serum.id), "lines.3.quantity": "-2"})
    response = console_post(client, "/admin/stock/receive", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'name="lines.3.quantity" value="-2"' in page and '<em class="error">' in page
    assert stock_of(cream, warehouse) == (0, 0) and not StockMove.select().exists()


def test_an_empty_receipt_asks_for_a_line(client):
    console_as(client, "warehouse")
    response = console_post(client, "/admin/stock/receive", receipt(make_warehouse()))
    assert response.status_code == 422 and "请至少填写一行商品和数量" in response.get_data(as_text=True)


def test_an_adjustment_takes_units_off_with_its_reason(client):
    product, warehouse = stocked(10)
    console_as(client, "warehouse")
    response = console_post(client, "/admin/stock/adjust", {"warehouse_id": str(warehouse.id),
                                                            "product_id": str(product.id), "delta": "-3",
                                                            "reason": "运输破损"})
    assert response.status_code == 302
    assert stock_of(product, warehouse) == (7, 0)
    assert StockMove.get(StockMove.kind == "adjust").reason == "运输破损"


def test_an_adjustment_without_a_reason_changes_nothing(client):
    product, warehouse = stocked(10)
    console_as(client, "warehouse")
    response = console_post(client, "/admin/stock/adjust", {"warehouse_id": str(warehouse.id),
                                                            "product_id": str(product.id), "delta": "-3"})
    assert response.status_code == 422
    assert stock_of(product, warehouse) == (10, 0)


def test_a_warehouse_is_added_with_the_provinces_it_serves(client):
    console_as(client, "warehouse")
    response = client.post("/admin/stock/warehouses", data={
        "name": "华东仓", "address": "杭州市余杭区", "active": "true", "provinces": ["浙江省", "江苏省"],
        "csrf_token": console_csrf(client)})
    assert response.status_code == 302
    warehouse = Warehouse.get(Warehouse.name == "华东仓")
    assert {row.province for row in WarehouseProvince.select().where(WarehouseProvince.warehouse == warehouse.id)} \
        == {"浙江省", "江苏省"}


def test_a_taken_warehouse_name_is_refused_on_the_form(client):
    make_warehouse(name="华南仓")
    console_as(client, "warehouse")
    response = console_post(client, "/admin/stock/warehouses", {"name": "华南仓"})
    assert response.status_code == 409 and "仓库名称已存在" in response.get_data(as_text=True)


def test_unticking_active_retires_the_warehouse(client):
    warehouse = make_warehouse(name="旧仓")
    console_as(client, "warehouse")
    response = console_post(client, f"/admin/stock/warehouses/{warehouse.id}", {"name": "旧仓"})
    assert response.status_code == 302
    assert Warehouse.get_by_id(warehouse.id).active is False


def test_a_threshold_is_set_per_warehouse_and_product(client):
    product, warehouse = stocked(10)
    console_as(client, "warehouse")
    response = console_post(client, f"/admin/stock/warehouses/{warehouse.id}/thresholds",
                            {"product_id": str(product.id), "threshold": "6"})
    assert response.status_code == 302
    assert "6" in client.get(f"/admin/stock/warehouses/{warehouse.id}").get_data(as_text=True)


def test_a_negative_threshold_is_refused(client):
    product, warehouse = stocked(10)
    console_as(client, "warehouse")
    response = console_post(client, f"/admin/stock/warehouses/{warehouse.id}/thresholds",
                            {"product_id": str(product.id), "threshold": "-1"})
    assert response.status_code == 422


def test_finance_reads_warehouses_but_has_no_forms(client):
    make_warehouse(name="华北仓")
    console_as(client, "finance")
    page = client.get("/admin/stock/warehouses").get_data(as_text=True)
    assert "华北仓" in page and "添加仓库" not in page
    assert console_post(client, "/admin/stock/receive", {}).status_code == 403
