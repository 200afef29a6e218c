"""Stock-takes: counts by hand or from .xlsx, differences, posting as stocktake moves."""
import pytest

from app.errors import Conflict, InvalidInput
from app.exports import xlsx_bytes
from app.inventory import service as inventory
from app.inventory import stocktakes
from app.inventory.models import StockMove
from tests.factories import line, make_product, stock_of, stocked


def count(product, warehouse, counted):
    take = stocktakes.open_stock_take(warehouse_id=warehouse.id)
    stocktakes.enter_counts(take.id, counts=[{"product_id": product.id, "counted": counted}])
    return take


def test_differences_compare_counts_with_on_hand():
    product, warehouse = stocked(20)
    take = count(product, warehouse, 17)
    [difference] = stocktakes.differences(take.id)
    assert (difference.on_hand, difference.counted, difference.difference) == (20, 17, -3)


def test_posting_makes_on_hand_equal_the_count_with_one_move():
    product, warehouse = stocked(20)
    take = count(product, warehouse, 17)
    stocktakes.post_stock_take(take.id, reason="月末盘点")
    assert stock_of(product, warehouse) == (17, 0)
    move = StockMove.get(StockMove.kind == "stocktake")
    assert (move.on_hand_delta, move.reference, move.reason) == (-3, f"stocktake:{take.id}", "月末盘点")


def test_a_posted_count_keeps_the_quantities_it_was_posted_against():
    product, warehouse = stocked(20)
    take = count(product, warehouse, 17)
    stocktakes.post_stock_take(take.id, reason="月末盘点")
    [line] = stocktakes.differences(take.id)
    assert (line.on_hand, line.counted, line.difference) == (20, 17, -3)


def test_posting_twice_changes_nothing():
    product, warehouse = stocked(20)
    take = count(product, warehouse, 17)
    stocktakes.post_stock_take(take.id, reason="月末盘点")
    stocktakes.post_stock_take(take.id, reason="月末盘点")
    assert stock_of(product, warehouse) == (17, 0)


def test_a_posted_count_cannot_be_changed():
    product, warehouse = stocked(20)
    take = count(product, warehouse, 17)
    stocktakes.post_stock_take(take.id, reason="月末盘点")
    with pytest.raises(Conflict):
        stocktakes.enter_counts(take.id, counts=[{"product_id": product.id, "counted": 1}])


def test_a_count_below_reserved_cannot_be_posted():
    product, warehouse = stocked(20)
    inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 5)])
    take = count(product, warehouse, 3)
    with pytest.raises(Conflict) as error:
        stocktakes.post_stock_take(take.id, reason="月末盘点")
    assert error.value.code == "count_below_reserved"
    assert stocktakes.get_stock_take(take.id).status == "open"


def test_a_product_found_in_a_count_gets_a_stock_row():
    _, warehouse = stocked(5)
    found = make_product()
    take = count(found, warehouse, 2)
    stocktakes.post_stock_take(take.id, reason="盘盈")
    assert stock_of(found, warehouse) == (2, 0)


def test_only_one_open_count_per_warehouse():
    product, warehouse = stocked(5)
    count(product, warehouse, 5)
    with pytest.raises(Conflict) as error:
        stocktakes.open_stock_take(warehouse_id=warehouse.id)
    assert error.value.code == "stock_take_open"


def test_counts_are_read_from_an_xlsx_by_id_or_barcode():
    by_id, warehouse = stocked(5)
    by_gtin, _ = stocked(5, product=make_product(gtin="6901234567892"), warehouse=warehouse)
    take = stocktakes.open_stock_take(warehouse_id=warehouse.id)
    sheet = xlsx_bytes(stocktakes.SHEET_HEADERS, [(by_id.id, "", by_id.name, "", 4),
                                                  (None, "6901234567892", by_gtin.name, "", 6)])
    rows = stocktakes.upload_counts(take.id, content=sheet)
    assert [(row.product_id, row.difference) for row in rows] == [(by_id.id, -1), (by_gtin.id, 1)]


@pytest.mark.parametrize("counted", [-1, 2.5, "五"])
def test_a_sheet_with_a_bad_quantity_names_the_row(counted):
    product, warehouse = stocked(5)
    take = stocktakes.open_stock_take(warehouse_id=warehouse.id)
    sheet = xlsx_bytes(stocktakes.SHEET_HEADERS, [(product.id, "", "", "", counted)])
    with pytest.raises(InvalidInput) as error:
        stocktakes.upload_counts(take.id, content=sheet)
    assert "第2行" in error.value.message


def test_a_file_that_is_not_xlsx_is_refused():
    product, warehouse = stocked(5)
    take = stocktakes.open_stock_take(warehouse_id=warehouse.id)
    with pytest.raises(InvalidInput) as error:
        stocktakes.upload_counts(take.id, content=b"not a workbook")
    assert "xlsx" in error.value.message
