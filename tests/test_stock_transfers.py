"""Transfers: stock leaves at dispatch, is in transit, and arrives once."""
import pytest

from app.errors import Conflict, InvalidInput
from app.inventory import service as inventory
from app.inventory import transfers
from tests.factories import line, make_warehouse, stock_of, stocked


def dispatch(source, destination, product, quantity):
    return transfers.dispatch_transfer(from_warehouse_id=source.id, to_warehouse_id=destination.id,
                                       lines=[line(product, quantity)])


def test_a_dispatched_transfer_is_in_transit_and_not_yet_at_the_destination():
    product, source = stocked(10)
    destination = make_warehouse()
    transfer = dispatch(source, destination, product, 4)
    assert transfer.status == "in_transit"
    assert stock_of(product, source) == (6, 0) and stock_of(product, destination) == (0, 0)
    assert transfers.in_transit_by_product(destination.id) == {(destination.id, product.id): 4}


def test_arrival_books_the_goods_into_the_destination_once():
    product, source = stocked(10)
    destination = make_warehouse()
    transfer = dispatch(source, destination, product, 4)
    transfers.arrive_transfer(transfer.id)
    arrived = transfers.arrive_transfer(transfer.id)
    assert arrived.status == "arrived" and arrived.arrived_at
    assert stock_of(product, destination) == (4, 0)
    assert transfers.in_transit_by_product() == {}
    assert inventory.check_ledger() == []


def test_reserved_stock_cannot_be_transferred():
    product, source = stocked(5)
    inventory.reserve(reference="order:1", warehouse_id=source.id, lines=[line(product, 4)])
    with pytest.raises(Conflict) as error:
        dispatch(source, make_warehouse(), product, 2)
    assert error.value.code == "insufficient_stock"
    assert transfers.list_transfers()[1] == 0


def test_a_transfer_to_the_same_warehouse_is_refused():
    product, source = stocked(5)
    with pytest.raises(InvalidInput):
        dispatch(source, source, product, 1)


def test_a_transfer_to_an_inactive_warehouse_is_refused():
    product, source = stocked(5)
    closed = make_warehouse(active=False)
    with pytest.raises(Conflict) as error:
        dispatch(source, closed, product, 1)
    assert error.value.code == "warehouse_inactive"
