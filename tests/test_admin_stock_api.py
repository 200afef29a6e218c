"""Console API for warehouses, stock, moves (and export), receipts, adjustments, transfers, stock-takes."""
import csv
import io

import pytest
from openpyxl import load_workbook

from app.exports import xlsx_bytes
from app.inventory import service as inventory
from app.inventory import stocktakes
from tests.factories import admin_headers, line, make_admin, make_product, make_warehouse, stock_of, stocked
from tests.test_errors import assert_error


@pytest.fixture
def keeper(client):
    return admin_headers(client, make_admin("warehouse"))


def test_a_warehouse_is_created_with_the_provinces_it_serves(client, keeper):
    response = client.post("/admin/api/warehouses", headers=keeper,
                           json={"name": "华南仓", "address": "广州市白云区", "provinces": ["广东省", "海南省"]})
    assert response.status_code == 201
    assert response.get_json()["provinces"] == ["广东省", "海南省"]


def test_an_unknown_province_is_422(client, keeper):
    response = client.post("/admin/api/warehouses", headers=keeper, json={"name": "仓", "provinces": ["广东"]})
    assert_error(response, 422)


def test_a_duplicate_warehouse_name_is_409(client, keeper):
    make_warehouse(name="华东仓")
    assert_error(client.post("/admin/api/warehouses", headers=keeper, json={"name": "华东仓"}), 409)


def test_receiving_books_stock_and_answers_the_change(client, keeper):
    product, warehouse = make_product(), make_warehouse()
    body = {"warehouse_id": warehouse.id, "lines": [line(product, 30)], "reference": "po:7"}
    first = client.post("/admin/api/stock/receipts", headers=keeper, json=body)
    again = client.post("/admin/api/stock/receipts", headers=keeper, json=body)
    assert (first.status_code, first.get_json()["repeated"], again.get_json()["repeated"]) == (201, False, True)
    assert stock_of(product, warehouse) == (30, 0)


@pytest.mark.parametrize("quantity", [-1, 0, 1.5, "3", None])
def test_a_bad_quantity_is_422(client, keeper, quantity):
    product, warehouse = make_product(), make_warehouse()
    response = client.post("/admin/api/stock/receipts", headers=keeper,
                           json={"warehouse_id": warehouse.id, "lines": [{"product_id": product.id,
                                                                          "quantity": quantity}]})
    assert "lines.0.quantity" in assert_error(response, 422)["fields"]


def test_receiving_an_unknown_product_is_404(client, keeper):
    response = client.post("/admin/api/stock/receipts", headers=keeper,
                           json={"warehouse_id": make_warehouse().id, "lines": [{"product_id": 99999, "quantity": 1}]})
    assert_error(response, 404, "product_not_found")


def test_adjusting_an_inactive_warehouse_is_409(client, keeper):
    product, warehouse = stocked(5)
    inventory.update_warehouse(warehouse.id, active=False)
    response = client.post("/admin/api/stock/adjustments", headers=keeper,
                           json={"warehouse_id": warehouse.id, "product_id": product.id, "delta": 1, "reason": "盘盈"})
    assert_error(response, 409, "warehouse_inactive")


def test_the_stock_list_filters_rows_below_their_threshold(client, keeper):
    low, warehouse = stocked(2, product=make_product(low_stock_threshold=5))
    stocked(20, product=make_product(low_stock_threshold=5), warehouse=warehouse)
    body = client.get(f"/admin/api/stock?below_threshold=true&warehouse_id={warehouse.id}", headers=keeper).get_json()
    assert [(row["product_id"], row["available"], row["threshold"]) for row in body["items"]] == [(low.id, 2, 5)]


def test_moves_are_listed_newest_first_with_filters(client, keeper):
    product, warehouse = stocked(20)
    inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 2)])
    body = client.get(f"/admin/api/stock/moves?product_id={product.id}", headers=keeper).get_json()
    assert [move["kind"] for move in body["items"]] == ["reserve", "receive"]
    assert body["items"][0]["product_name"] == product.name


def test_moves_export_as_xlsx(client, keeper):
    product, _ = stocked(20)
    response = client.get(f"/admin/api/stock/moves/export?product_id={product.id}", headers=keeper)
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and rows[1][3] == product.name and rows[1][5] == 20


def test_moves_export_as_csv_with_a_bom(client, keeper):
    product, _ = stocked(20)
    response = client.get(f"/admin/api/stock/moves/export?format=csv&product_id={product.id}", headers=keeper)
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[1][3] == product.name


def test_a_transfer_is_dispatched_and_arrives(client, keeper):
    product, source = stocked(10)
    destination = make_warehouse()
    response = client.post("/admin/api/transfers", headers=keeper, json={
        "from_warehouse_id": source.id, "to_warehouse_id": destination.id, "lines": [line(product, 3)]})
    assert response.status_code == 201 and response.get_json()["status"] == "in_transit"
    arrived = client.post(f"/admin/api/transfers/{response.get_json()['id']}/arrive", headers=keeper)
    assert arrived.get_json()["status"] == "arrived"
    assert stock_of(product, destination) == (3, 0)


def test_a_stock_take_is_counted_from_an_upload_and_posted(client, keeper):
    product, warehouse = stocked(10)
    take = client.post("/admin/api/stocktakes", headers=keeper, json={"warehouse_id": warehouse.id}).get_json()
    sheet = xlsx_bytes(stocktakes.SHEET_HEADERS, [(product.id, "", product.name, "", 8)])
    uploaded = client.post(f"/admin/api/stocktakes/{take['id']}/upload", headers=keeper,
                           data={"file": (io.BytesIO(sheet), "count.xlsx")}, content_type="multipart/form-data")
    assert [row["difference"] for row in uploaded.get_json()] == [-2]
    posted = client.post(f"/admin/api/stocktakes/{take['id']}/post", headers=keeper, json={"reason": "季度盘点"})
    assert posted.get_json()["status"] == "posted"
    assert stock_of(product, warehouse) == (8, 0)


def test_an_upload_without_a_file_is_422(client, keeper):
    _, warehouse = stocked(10)
    take = client.post("/admin/api/stocktakes", headers=keeper, json={"warehouse_id": warehouse.id}).get_json()
    assert_error(client.post(f"/admin/api/stocktakes/{take['id']}/upload", headers=keeper), 422)


def test_the_count_sheet_lists_the_warehouses_products(client, keeper):
    product, warehouse = stocked(10)
    take = client.post("/admin/api/stocktakes", headers=keeper, json={"warehouse_id": warehouse.id}).get_json()
    response = client.get(f"/admin/api/stocktakes/{take['id']}/sheet", headers=keeper)
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[1][:3] == (product.id, None, product.name)


def test_the_allocation_report_answers_rows_and_suggestions(client, keeper):
    stocked(10)
    body = client.get("/admin/api/allocation?target_days=14", headers=keeper).get_json()
    assert set(body) == {"rows", "suggestions"} and body["rows"][0]["days_of_cover"] is None


def test_check_finds_a_row_that_disagrees_with_its_moves(app):
    from app.inventory.models import Stock

    product, warehouse = stocked(10)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["stock", "check"]).exit_code == 0
    Stock.update(on_hand=11).where(Stock.product == product.id).execute()
    result = runner.invoke(args=["stock", "check"])
    assert result.exit_code == 1 and f"product {product.id}" in result.output


@pytest.mark.parametrize("path, name", [("/admin/api/stock", "product_id"), ("/admin/api/transfers", "warehouse_id"),
                                        ("/admin/api/allocation", "product_id")])
def test_a_stock_filter_id_beyond_bigint_is_refused_not_an_overflow(client, path, name):
    headers = admin_headers(client, make_admin("owner"))
    response = client.get(path, headers=headers, query_string={name: 2 ** 63})
    assert response.status_code == 422 and response.get_json()["error"]["fields"]


@pytest.mark.parametrize("path, body", [
    ("/admin/api/transfers", {"from_warehouse_id": 2 ** 63, "to_warehouse_id": 1,
                              "lines": [{"product_id": 1, "quantity": 1}]}),
    ("/admin/api/stocktakes", {"warehouse_id": 2 ** 63}),
])
def test_a_body_id_beyond_bigint_is_refused_not_an_overflow(client, path, body):
    response = client.post(path, json=body, headers=admin_headers(client, make_admin("owner")))
    assert response.status_code == 422 and response.get_json()["error"]["fields"]


def test_a_counted_product_id_beyond_bigint_is_refused_not_an_overflow(client):
    headers = admin_headers(client, make_admin("owner"))
    take = client.post("/admin/api/stocktakes", json={"warehouse_id": make_warehouse().id}, headers=headers).get_json()
    response = client.put(f"/admin/api/stocktakes/{take['id']}/counts", headers=headers,
                          json={"counts": [{"product_id": 2 ** 63, "counted": 1}]})
    assert response.status_code == 422
