"""Console pages for inventory: stock, the ledger, and a stock-take from opening to posting."""
from app.inventory.models import StockTake
from tests.factories import console_login, console_post, make_admin, make_warehouse, stock_of, stocked


def signed_in(client, role):
    console_login(client, make_admin(role))
    return client


def test_the_stock_list_shows_available_units(client):
    product, _ = stocked(20)
    page = signed_in(client, "finance").get("/admin/stock").get_data(as_text=True)
    assert product.name in page and ">20<" in page


def test_staff_may_not_read_stock(client):
    assert signed_in(client, "staff").get("/admin/stock").status_code == 403


def test_the_stock_list_and_the_ledger_export_as_xlsx(client):
    stocked(5)
    signed_in(client, "warehouse")
    for path in ("/admin/stock/export", "/admin/stock/moves/export"):
        response = client.get(path)
        assert response.status_code == 200 and response.data[:2] == b"PK"


def test_the_ledger_names_each_move_in_chinese(client):
    stocked(5)
    assert "入库" in signed_in(client, "warehouse").get("/admin/stock/moves").get_data(as_text=True)


def open_count(client, warehouse):
    response = console_post(client, "/admin/stocktakes", {"warehouse_id": str(warehouse.id)})
    assert response.status_code == 302
    return StockTake.get(StockTake.warehouse == warehouse.id)


def test_a_stock_take_from_counts_to_posting(client):
    product, warehouse = stocked(20)
    signed_in(client, "warehouse")
    take = open_count(client, warehouse)
    assert console_post(client, f"/admin/stocktakes/{take.id}/counts",
                        {f"counted.{product.id}": "17"}).status_code == 302
    assert "-3" in client.get(f"/admin/stocktakes/{take.id}").get_data(as_text=True)
    assert console_post(client, f"/admin/stocktakes/{take.id}/post", {"reason": "月末盘点"}).status_code == 302
    assert stock_of(product, warehouse) == (17, 0)


def test_a_negative_count_is_marked_next_to_its_field(client):
    product, warehouse = stocked(20)
    signed_in(client, "warehouse")
    take = open_count(client, warehouse)
    response = console_post(client, f"/admin/stocktakes/{take.id}/counts", {f"counted.{product.id}": "-1"})
    assert response.status_code == 422 and '<em class="error">' in response.get_data(as_text=True)


def test_posting_needs_a_reason(client):
    _, warehouse = stocked(20)
    signed_in(client, "warehouse")
    take = open_count(client, warehouse)
    response = console_post(client, f"/admin/stocktakes/{take.id}/post")
    assert response.status_code == 422 and '<em class="error">必填</em>' in response.get_data(as_text=True)


def test_a_second_open_count_of_a_warehouse_is_refused_on_the_form(client):
    warehouse = make_warehouse()
    signed_in(client, "warehouse")
    open_count(client, warehouse)
    response = console_post(client, "/admin/stocktakes", {"warehouse_id": str(warehouse.id)})
    assert response.status_code == 409 and "进行中的盘点" in response.get_data(as_text=True)


def test_finance_reads_a_stock_take_but_may_not_post_it(app, client):
    _, warehouse = stocked(20)
    take = open_count(signed_in(app.test_client(), "warehouse"), warehouse)
    signed_in(client, "finance")
    assert "过账</button>" not in client.get(f"/admin/stocktakes/{take.id}").get_data(as_text=True)
    assert console_post(client, f"/admin/stocktakes/{take.id}/post", {"reason": "x"}).status_code == 403
