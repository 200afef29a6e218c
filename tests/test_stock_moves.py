"""Every stock change writes its moves, keeps on_hand >= reserved >= 0 and happens once per reference."""
import pytest
from peewee import DatabaseError

from app.database import db
from app.errors import Conflict, InvalidInput, NotFound
from app.inventory import service as inventory
from app.inventory.models import Stock, StockMove
from tests.factories import line, make_product, make_warehouse, stock_of, stocked


def moves(reference, kind):
    return list(StockMove.select().where(StockMove.reference == reference, StockMove.kind == kind))


def test_receive_adds_on_hand_and_writes_a_move():
    product, warehouse = stocked(20)
    assert stock_of(product, warehouse) == (20, 0)
    move = StockMove.get(StockMove.product == product.id)
    assert (move.kind, move.on_hand_delta, move.reserved_delta) == ("receive", 20, 0)


def test_receiving_the_same_reference_twice_books_once():
    product, warehouse = make_product(), make_warehouse()
    for _ in range(2):
        inventory.receive(warehouse_id=warehouse.id, lines=[line(product, 5)], reference="po:1")
    assert stock_of(product, warehouse) == (5, 0)


def test_reserve_holds_stock_without_moving_it():
    product, warehouse = stocked(20)
    change = inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 3)])
    assert not change.repeated
    assert stock_of(product, warehouse) == (20, 3)
    assert [(m.on_hand_delta, m.reserved_delta) for m in moves("order:1", "reserve")] == [(0, 3)]


def test_reserving_more_than_available_is_a_clear_409():
    product, warehouse = stocked(2)
    with pytest.raises(Conflict) as error:
        inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 3)])
    assert error.value.code == "insufficient_stock"
    assert product.name in error.value.message and "可用 2" in error.value.message
    assert stock_of(product, warehouse) == (2, 0) and not moves("order:1", "reserve")


def test_a_reservation_short_of_several_products_names_each_and_its_shortfall():
    plenty, warehouse = stocked(10)
    scarce, _ = stocked(1, warehouse=warehouse)
    missing = make_product()
    with pytest.raises(Conflict) as error:
        inventory.reserve(reference="order:1", warehouse_id=warehouse.id,
                          lines=[line(plenty, 5), line(scarce, 3), line(missing, 2)])
    assert error.value.code == "insufficient_stock"
    assert f"「{plenty.name}」" not in error.value.message
    assert f"「{scarce.name}」在「{warehouse.name}」可用 1{scarce.unit}，需要 3{scarce.unit}（缺 2{scarce.unit}）" \
        in error.value.message
    assert f"「{missing.name}」在「{warehouse.name}」可用 0{missing.unit}，需要 2{missing.unit}（缺 2{missing.unit}）" \
        in error.value.message


def test_a_multi_line_reservation_is_all_or_nothing():
    plenty, warehouse = stocked(10)
    scarce, _ = stocked(1, warehouse=warehouse)
    with pytest.raises(Conflict):
        inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(plenty, 5), line(scarce, 2)])
    assert stock_of(plenty, warehouse) == (10, 0)


def test_repeating_a_reservation_changes_nothing():
    product, warehouse = stocked(20)
    inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 3)])
    again = inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 3)])
    assert again.repeated
    assert stock_of(product, warehouse) == (20, 3)


def test_lines_of_the_same_product_are_merged():
    product, warehouse = stocked(20)
    inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 2), line(product, 3)])
    assert stock_of(product, warehouse) == (20, 5)


def test_release_gives_the_reservation_back_once():
    product, warehouse = stocked(20)
    inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 3)])
    inventory.release(reference="order:1")
    assert inventory.release(reference="order:1").repeated
    assert stock_of(product, warehouse) == (20, 0)


def test_releasing_what_was_never_reserved_does_nothing():
    assert inventory.release(reference="order:404").deltas == []


def test_ship_takes_the_reservation_off_the_shelf_once():
    product, warehouse = stocked(20)
    inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 3)])
    inventory.ship(reference="order:1", province="广东省")
    assert inventory.ship(reference="order:1", province="广东省").repeated
    assert stock_of(product, warehouse) == (17, 0)
    assert moves("order:1", "ship")[0].province == "广东省"


def test_shipping_without_a_reservation_is_409():
    with pytest.raises(Conflict) as error:
        inventory.ship(reference="order:404")
    assert error.value.code == "not_reserved"


def test_a_shipped_reservation_cannot_be_released():
    product, warehouse = stocked(20)
    inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 3)])
    inventory.ship(reference="order:1")
    with pytest.raises(Conflict) as error:
        inventory.release(reference="order:1")
    assert error.value.code == "reservation_settled"


def test_a_released_reservation_cannot_be_shipped():
    product, warehouse = stocked(20)
    inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 3)])
    inventory.release(reference="order:1")
    with pytest.raises(Conflict):
        inventory.ship(reference="order:1")


def test_return_puts_goods_back_on_hand_once():
    product, warehouse = stocked(20)
    for _ in range(2):
        inventory.return_stock(reference="refund:1", warehouse_id=warehouse.id, lines=[line(product, 2)])
    assert stock_of(product, warehouse) == (22, 0)


def test_adjust_corrects_on_hand_with_a_reason():
    product, warehouse = stocked(20)
    inventory.adjust(warehouse_id=warehouse.id, product_id=product.id, delta=-4, reason="破损")
    assert stock_of(product, warehouse) == (16, 0)
    assert StockMove.get(StockMove.kind == "adjust").reason == "破损"


def test_adjust_cannot_take_reserved_stock():
    product, warehouse = stocked(5)
    inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 4)])
    with pytest.raises(Conflict):
        inventory.adjust(warehouse_id=warehouse.id, product_id=product.id, delta=-2, reason="破损")


def test_adjust_needs_a_reason():
    product, warehouse = stocked(5)
    with pytest.raises(InvalidInput):
        inventory.adjust(warehouse_id=warehouse.id, product_id=product.id, delta=1, reason=" ")


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "2", True, None, 10**10])
def test_quantities_must_be_positive_whole_numbers(quantity):
    product, warehouse = stocked(5)
    with pytest.raises(InvalidInput) as error:
        inventory.reserve(reference="order:1", warehouse_id=warehouse.id,
                          lines=[{"product_id": product.id, "quantity": quantity}])
    assert "lines.0.quantity" in error.value.fields


def test_an_unknown_product_is_404():
    warehouse = make_warehouse()
    with pytest.raises(NotFound):
        inventory.receive(warehouse_id=warehouse.id, lines=[{"product_id": 999999, "quantity": 1}])


def test_an_unknown_warehouse_is_404():
    with pytest.raises(NotFound):
        inventory.receive(warehouse_id=999999, lines=[line(make_product(), 1)])


def test_an_inactive_warehouse_takes_no_reservations():
    product, warehouse = stocked(5)
    inventory.update_warehouse(warehouse.id, active=False)
    with pytest.raises(Conflict) as error:
        inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 1)])
    assert error.value.code == "warehouse_inactive"
    assert moves("order:1", "reserve") == [] and stock_of(product, warehouse) == (5, 0)


def test_a_reservation_in_an_unknown_warehouse_is_404_before_its_products_are_looked_at():
    with pytest.raises(NotFound) as error:
        inventory.reserve(reference="order:1", warehouse_id=999999, lines=[{"product_id": 999999, "quantity": 1}])
    assert error.value.code == "warehouse_not_found"


def test_a_reservation_short_in_an_inactive_warehouse_names_the_warehouse():
    product, warehouse = stocked(1)
    inventory.update_warehouse(warehouse.id, active=False)
    with pytest.raises(Conflict) as error:
        inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 2)])
    assert error.value.code == "warehouse_inactive"


def test_the_database_refuses_reserved_above_on_hand():
    product, warehouse = stocked(5)
    with pytest.raises(DatabaseError), db.atomic():
        Stock.update(reserved=6).where(Stock.product == product.id).execute()


def test_the_database_refuses_negative_on_hand():
    product, warehouse = stocked(5)
    with pytest.raises(DatabaseError), db.atomic():
        Stock.update(on_hand=-1).where(Stock.product == product.id).execute()


def test_every_move_type_keeps_the_ledger_equal_to_the_rows():
    product, warehouse = stocked(20)
    other = make_warehouse()
    inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 3)])
    inventory.reserve(reference="order:2", warehouse_id=warehouse.id, lines=[line(product, 2)])
    inventory.release(reference="order:2")
    inventory.ship(reference="order:1")
    inventory.return_stock(reference="refund:1", warehouse_id=warehouse.id, lines=[line(product, 1)])
    inventory.adjust(warehouse_id=warehouse.id, product_id=product.id, delta=-1, reason="破损")
    from app.inventory import stocktakes, transfers

    transfer = transfers.dispatch_transfer(from_warehouse_id=warehouse.id, to_warehouse_id=other.id,
                                           lines=[line(product, 4)])
    transfers.arrive_transfer(transfer.id)
    take = stocktakes.open_stock_take(warehouse_id=warehouse.id)
    stocktakes.enter_counts(take.id, counts=[{"product_id": product.id, "counted": 10}])
    stocktakes.post_stock_take(take.id, reason="月末盘点")
    kinds = {m.kind for m in StockMove.select()}
    assert kinds == {"receive", "reserve", "release", "ship", "return", "adjust", "transfer_out", "transfer_in",
                     "stocktake"}
    assert stock_of(product, warehouse) == (10, 0) and stock_of(product, other) == (4, 0)
    assert inventory.check_ledger() == []
