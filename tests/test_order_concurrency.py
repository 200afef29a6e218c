"""Orders under concurrency on MySQL: one order per idempotency key, one reservation per payment."""
import pytest

from app.orders.models import Order
from app.inventory.models import StockMove
from app.orders import service
from tests.factories import make_agent, orderable, outcomes_in_threads, place, stock_of

pytestmark = [pytest.mark.committed, pytest.mark.mysql_only]


def test_concurrent_retries_of_a_placement_create_one_order():
    agent = make_agent()
    product, _ = orderable(100)
    ids = []
    outcomes = outcomes_in_threads(lambda: ids.append(place(agent, (product, 2), key="same-key").id), 8)
    assert outcomes == ["ok"] * 8 and len(set(ids)) == 1
    assert Order.select().where(Order.buyer_agent == agent.id).count() == 1


def test_concurrent_payment_confirmations_reserve_stock_once():
    agent = make_agent()
    product, warehouse = orderable(100, on_hand=10)
    order = place(agent, (product, 3))
    confirmed = []

    def confirm():
        confirmed.append(service.confirm_payment(order.id, actor="admin:1", method="offline",
                                                 amount_fen=order.total_fen)[1])
    assert outcomes_in_threads(confirm, 8) == ["ok"] * 8
    assert sorted(confirmed) == [False] * 7 + [True]
    assert stock_of(product, warehouse) == (10, 3)
    assert StockMove.select().where(StockMove.kind == "reserve").count() == 1
