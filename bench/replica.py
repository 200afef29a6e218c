"""Replica benchmark: order placement over HTTP on the primary while the owner's reports run over many orders, with
the reports on the primary itself (one server) and then on a read replica (DATABASE_REPLICA_URL), against the
orders placed with no report running (the floor). A private primary and replica (GTID replication) are started on
loopback ports for the run and removed afterwards.

    .venv/bin/python bench/replica.py [--smoke | --quick]

Both servers share this machine's cores, so the replica takes the reports' reads off the primary but not their
CPU off the machine: on separate machines the gain is larger. Prints readable figures, then one line of JSON.
"""
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app, migrate  # noqa: E402
from app.clock import local_today  # noqa: E402
from app.database import close_unless_in_transaction, data_age, db, init_replica, reset_data_age  # noqa: E402
from bench.common import emit, gunicorn, parse_args, sized  # noqa: E402
from bench.orders import bulk_orders, load, seed_buyers  # noqa: E402
from tests.replicas import ReplicaPair  # noqa: E402

REPORT_PRODUCTS = 20


def reports_once(since):
    """The owner's heavy page: the funnel (from the orders themselves), by product and by region."""
    from app.orders import reports

    began = time.perf_counter()
    reports.funnel(since=since)
    reports.by_product(since=since)
    reports.by_region(since=since)
    return time.perf_counter() - began


class ReportLoop:
    """Reports run back to back in a thread while the orders load runs; their times and the replica's ages."""

    def __init__(self, since):
        self.since, self.times, self.ages = since, [], []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            reset_data_age()
            db.connect(reuse_if_open=True)
            try:
                self.times.append(reports_once(self.since))
            finally:
                close_unless_in_transaction()
            if data_age() is not None:
                self.ages.append(data_age())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join()


def placed_during(port, tokens, product_id, seconds, since, *, replica_url=None):
    """Orders/s (and failures) over `seconds` with no reports (since None) or reports looping meanwhile."""
    if since is None:
        return load(port, tokens, product_id, seconds, "order"), None
    init_replica(replica_url, max_lag_seconds=60)
    try:
        with ReportLoop(since) as reports:
            placed = load(port, tokens, product_id, seconds, "order")
    finally:
        init_replica(None, max_lag_seconds=60)
    return placed, reports


def main():
    options = parse_args(__doc__, quick="100,000 orders, 5 s per phase")
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory(prefix="weishang-bench-replica-") as directory:
        pair = ReplicaPair(directory).start()
        try:
            run(options, pair)
        finally:
            pair.close()


def run(options, pair):
    clients, seconds = sized(options, (4, 2), (8, 5), (16, 15))
    report_orders = sized(options, 2_000, 100_000, 1_000_000)
    primary_url, replica_url = pair.create_database("weishang_bench_replica")

    create_app({"DATABASE_URL": primary_url, "SECRET_KEY": "bench-secret"})
    db.connect(reuse_if_open=True)
    migrate.upgrade()
    product_id, tokens = seed_buyers(clients)
    from app.agents.models import AgentLevel
    from app.orders import rollup
    from tests.factories import orderable

    products = [orderable(100, on_hand=1, name=f"商品{i}")[0].id for i in range(REPORT_PRODUCTS)]
    began = time.perf_counter()
    bulk_orders(report_orders, AgentLevel.select().first().id, products)
    rollup.rebuild()
    seeded = time.perf_counter() - began
    db.close()
    began = time.perf_counter()
    assert pair.caught_up(seconds=1800), "the replica did not catch up within 30 minutes"
    caught_up = time.perf_counter() - began
    since = local_today() - timedelta(days=366)

    env = {**os.environ, "DATABASE_URL": primary_url, "SECRET_KEY": "bench-secret", "ENV": "bench"}
    with gunicorn("bench.orders:wsgi_app()", env, "--workers", "2") as port:
        load(port, tokens, product_id, 1, "order")  # warm both workers
        floor, _ = placed_during(port, tokens, product_id, seconds, None)
        alone, on_primary = placed_during(port, tokens, product_id, seconds, since)
        spread, on_replica = placed_during(port, tokens, product_id, seconds, since, replica_url=replica_url)

    def median(values):
        return round(statistics.median(values), 3) if values else None
    figures = {
        "report_orders": report_orders, "clients": clients, "seconds_per_phase": seconds,
        "seed_seconds": round(seeded, 1), "replica_catch_up_seconds": round(caught_up, 1),
        "orders_per_second_no_reports": round(floor[0], 1),
        "orders_per_second_reports_on_primary": round(alone[0], 1),
        "orders_per_second_reports_on_replica": round(spread[0], 1),
        "order_failures": floor[1] + alone[1] + spread[1],
        "order_p95_ms_reports_on_primary": round(alone[3], 1), "order_p95_ms_reports_on_replica": round(spread[3], 1),
        "report_seconds_on_primary": median(on_primary.times), "report_seconds_on_replica": median(on_replica.times),
        "reports_run_on_primary": len(on_primary.times), "reports_run_on_replica": len(on_replica.times),
        "replica_reads": len(on_replica.ages), "replica_max_age_seconds": max(on_replica.ages, default=None),
    }
    print(f"{report_orders:,} orders seeded in {figures['seed_seconds']} s; the replica caught up "
          f"{figures['replica_catch_up_seconds']} s later")
    print(f"orders placed, {clients} clients over HTTP, {seconds} s each: no reports "
          f"{figures['orders_per_second_no_reports']}/s; reports on the primary "
          f"{figures['orders_per_second_reports_on_primary']}/s (p95 {figures['order_p95_ms_reports_on_primary']} ms);"
          f" reports on the replica {figures['orders_per_second_reports_on_replica']}/s "
          f"(p95 {figures['order_p95_ms_reports_on_replica']} ms); failures {figures['order_failures']}")
    print(f"funnel + by product + by region: {figures['report_seconds_on_primary']} s on the primary "
          f"({figures['reports_run_on_primary']} runs), {figures['report_seconds_on_replica']} s on the replica "
          f"({figures['reports_run_on_replica']} runs, {figures['replica_reads']} read there, oldest data "
          f"{figures['replica_max_age_seconds']} s)")
    emit(figures)


if __name__ == "__main__":
    main()
