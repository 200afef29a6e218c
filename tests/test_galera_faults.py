"""A Galera node SIGKILLed while buyers place and pay orders through the other nodes, then rejoined.

A private 3-node cluster (tests/galera.py) on loopback; gunicorn's pool spreads its connections over the nodes.
Afterwards every client operation finished, no order is half-written or doubled, the stock and finance checks
are clean and each order's "paid" message goes out once. TEST_GALERA_DIR=DIR keeps the nodes' datadirs and
logs in DIR (to read after a failure).
"""
import os

import pytest

from app.database import db
from app.orders.models import Order
from tests.faults import (Gunicorn, Traffic, app_env, deliveries_per_order, half_written_orders, ledger_checks,
                          make_world, migrated_database, wait_until)
from tests.galera import GaleraCluster
from tests.test_faults import drain_until_empty, paid_message_template  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.mysql_only, pytest.mark.committed]

BUYERS = 6


@pytest.fixture
def cluster(tmp_path):
    if not GaleraCluster.available():
        pytest.skip("needs mariadbd, rsync and the galera-4 provider")
    nodes = GaleraCluster(os.environ.get("TEST_GALERA_DIR") or tmp_path / "galera").start()
    yield nodes
    nodes.stop()


@pytest.fixture
def on_cluster(cluster):
    """The tests' database handle on a migrated database of the cluster (connections over every node); its URL."""
    url = cluster.create_database("weishang")
    with migrated_database(url):
        yield url


def test_a_node_killed_during_traffic_and_rejoined_leaves_every_order_whole_and_each_message_single(
        app, fake_wechat, cluster, on_cluster, paid_message_template):  # noqa: F811
    world = make_world(BUYERS)
    db.close()
    server = Gunicorn(app_env(on_cluster, fake_wechat.url)).start()
    victim = cluster.nodes[1]
    try:
        with Traffic(server.url, world) as traffic:
            assert traffic.wait_for_paid(10)
            victim.kill()
            assert traffic.wait_for_paid(len(traffic.tally.paid) + 20, 60)  # placed and paid on the other two
            assert cluster.size() == 2
            victim.start()  # rejoins by state transfer from a survivor
            assert wait_until(lambda: cluster.size() == 3, 60)
            assert traffic.wait_for_paid(len(traffic.tally.paid) + 10, 60)
    finally:
        server.stop()
    tally = traffic.tally
    assert tally.unexpected == [] and tally.unfinished == 0
    assert tally.placed == tally.paid
    assert Order.select().count() == len(tally.placed)
    assert half_written_orders() == []
    assert {command: code for command, (code, _) in ledger_checks(app).items()} == {"stock check": 0,
                                                                                     "finance check": 0}
    drain_until_empty(None)
    numbers = deliveries_per_order(fake_wechat)
    assert len(numbers) == len(tally.paid) and set(numbers.values()) == {1}
