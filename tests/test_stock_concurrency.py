"""Under real concurrency (threads with their own connections, real HTTP) stock is never oversold."""
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from app.database import db
from app.errors import Conflict
from app.inventory import service as inventory
from tests.factories import admin_headers, line, make_admin, make_warehouse, stock_of, stocked

pytestmark = pytest.mark.committed


def all_at_once(count, work):
    """Run work(i) for i in range(count) in as many threads, all released at the same moment."""
    start = threading.Barrier(count)

    def run(i):
        start.wait()
        return work(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def in_threads(count, work):
    """all_at_once, each thread on its own database connection."""
    def connected(i):
        db.connect(reuse_if_open=True)
        try:
            return work(i)
        finally:
            db.close()

    return all_at_once(count, connected)


def reserve_one(product, warehouse):
    def work(i):
        try:
            inventory.reserve(reference=f"order:{i}", warehouse_id=warehouse.id, lines=[line(product, 1)])
            return "ok"
        except Conflict as exc:
            return exc.code
    return work


def test_fifty_threads_reserving_twenty_units_get_exactly_twenty(app):
    product, warehouse = stocked(20)
    outcomes = in_threads(50, reserve_one(product, warehouse))
    assert outcomes.count("ok") == 20
    assert outcomes.count("insufficient_stock") == 30
    assert stock_of(product, warehouse) == (20, 20)
    result = app.test_cli_runner().invoke(args=["stock", "check"])
    assert result.exit_code == 0, result.output


def test_multi_product_reservations_in_random_order_never_deadlock_a_caller():
    warehouse = make_warehouse()
    products = [stocked(1000, warehouse=warehouse)[0] for _ in range(6)]

    def work(i):
        rng = random.Random(i)
        for n in range(15):
            chosen = rng.sample(products, rng.randint(2, len(products)))
            inventory.reserve(reference=f"order:{i}:{n}", warehouse_id=warehouse.id,
                              lines=[line(p, rng.randint(1, 3)) for p in chosen])
        return "ok"

    assert in_threads(16, work) == ["ok"] * 16
    assert inventory.check_ledger() == []


def test_concurrent_repeats_of_one_reservation_reserve_once():
    product, warehouse = stocked(20)

    def work(_):
        return inventory.reserve(reference="order:same", warehouse_id=warehouse.id, lines=[line(product, 2)]).repeated

    assert sorted(in_threads(8, work)) == [False] + [True] * 7
    assert stock_of(product, warehouse) == (20, 2)


def test_fifty_http_clients_taking_one_unit_of_twenty_take_exactly_twenty(app, live_server):
    product, warehouse = stocked(20)
    with app.test_client() as client:
        headers = admin_headers(client, make_admin("warehouse"))
    body = {"warehouse_id": warehouse.id, "product_id": product.id, "delta": -1, "reason": "样品"}

    def work(_):
        return requests.post(f"{live_server}/admin/api/stock/adjustments", json=body, headers=headers,
                             timeout=30).status_code

    statuses = all_at_once(50, work)
    assert statuses.count(201) == 20 and statuses.count(409) == 30
    assert stock_of(product, warehouse) == (0, 0)
    assert inventory.check_ledger() == []
