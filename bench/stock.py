"""Stock benchmark: reservations per second on one hot product, service layer against the raw floor,
and `flask stock check` over a large ledger.

    .venv/bin/python bench/stock.py [--smoke | --quick] [--url mysql://root@127.0.0.1:3306/weishang_bench_stock]

The database named in --url is created afresh and dropped at the end. Prints readable figures, then one line of JSON.
"""
import itertools
import logging
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app, migrate  # noqa: E402
from app.database import db  # noqa: E402
from app.inventory import service as inventory  # noqa: E402
from app.catalog import service as catalog  # noqa: E402
from bench.common import emit, fresh_database, parse_args, percentile, raw_connection, sized  # noqa: E402

HOT_STOCK = 10**9
RUN_IDS = itertools.count()
LEDGER_PRODUCTS = 1000


def run_clients(clients, seconds, make_worker):
    """Run `clients` threads for `seconds`; each calls its worker's op() in a loop. Returns (ops, latencies)."""
    stop, start = threading.Event(), threading.Barrier(clients + 1)
    results, errors = [], []

    def client(index):
        op, close = make_worker(f"{next(RUN_IDS)}:{index}")
        latencies = []
        start.wait()
        try:
            while not stop.is_set():
                began = time.perf_counter()
                op()
                latencies.append(time.perf_counter() - began)
        except Exception as exc:  # reported below: a failing client must fail the benchmark
            errors.append(exc)
            stop.set()
        close()
        results.append(latencies)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise errors[0]
    latencies = sorted(x for r in results for x in r)
    return len(latencies) / elapsed, latencies


def run_phases(url, phases, *, clients, rounds, seconds, unit):
    """Run each (label, key, make_worker) phase `rounds` times, interleaved so that other load on the machine hits
    them alike; print and answer {key: median rate, p50, p99, deadlocks, each round's rate}."""
    runs = {key: [] for _, key, _ in phases}
    for _ in range(rounds):
        for _, key, make_worker in phases:
            before = deadlocks(url)
            rate, latencies = run_clients(clients, seconds, make_worker)
            runs[key].append((rate, 1000 * percentile(latencies, 0.5), 1000 * percentile(latencies, 0.99),
                              deadlocks(url) - before))
    figures = {}
    for label, key, _ in phases:
        rate, p50, p99 = (statistics.median(run[i] for run in runs[key]) for i in range(3))
        figures[key] = {"per_second": round(rate), "p50_ms": round(p50, 2), "p99_ms": round(p99, 2),
                        "deadlocks": sum(run[3] for run in runs[key]),
                        "rounds_per_second": [round(run[0]) for run in runs[key]]}
        print(f"  {label:30} {rate:8.0f} {unit}   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   "
              f"deadlocks {figures[key]['deadlocks']}   (rounds: {figures[key]['rounds_per_second']})")
    return figures


def raw_worker(url, warehouse_id, product_id, hot_update_last, *, begin=False):
    """One guarded UPDATE and one INSERT of a move per transaction, straight mysqlclient (the app's driver). The
    connection runs with autocommit off, so its transaction starts with its first statement; with `begin` it is opened by BEGIN first,
    as every transaction of the app is (its connections autocommit outside transactions): one round trip more."""
    def make(client):
        connection = raw_connection(url)
        cursor = connection.cursor()
        counter = itertools.count()
        update = ("UPDATE stock SET reserved = reserved + 1 WHERE warehouse_id = %s AND product_id = %s "
                  "AND on_hand - reserved >= 1")
        insert = ("INSERT INTO stock_move (warehouse_id, product_id, kind, on_hand_delta, reserved_delta, reference, "
                  "reason, province, actor, created_at) VALUES (%s, %s, 'reserve', 0, 1, %s, '', '', '', UTC_TIMESTAMP())")

        def op():
            reference = f"raw:{client}:{next(counter)}"
            if begin:
                connection.begin()
            if hot_update_last:
                cursor.execute(insert, (warehouse_id, product_id, reference))
                matched = cursor.execute(update, (warehouse_id, product_id))
            else:
                matched = cursor.execute(update, (warehouse_id, product_id))
                cursor.execute(insert, (warehouse_id, product_id, reference))
            assert matched == 1
            connection.commit()

        return op, connection.close
    return make


def service_worker(warehouse_id, product_id):
    """inventory.reserve, one unit per call, each thread on its own pooled connection."""
    def make(client):
        db.connect(reuse_if_open=True)
        counter = itertools.count()

        def op():
            inventory.reserve(reference=f"bench:{client}:{next(counter)}", warehouse_id=warehouse_id,
                              lines=[{"product_id": product_id, "quantity": 1}])

        return op, db.close
    return make


def deadlocks(url):
    connection = raw_connection(url)
    with connection.cursor() as cursor:
        cursor.execute("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'")
        row = cursor.fetchone()
    connection.close()
    return int(row[1]) if row else 0


def fill_ledger(url, moves, pairs):
    """Insert `moves` receive moves spread over (warehouse, product) `pairs`, and their stock rows."""
    connection = raw_connection(url)
    cursor = connection.cursor()
    batch = 10_000
    for start in range(0, moves, batch):
        rows = [pairs[i % len(pairs)] for i in range(start, min(moves, start + batch))]
        values = ",".join(f"({w},{p},'receive',1,0,NULL,'','','bench',UTC_TIMESTAMP())" for w, p in rows)
        cursor.execute("INSERT INTO stock_move (warehouse_id, product_id, kind, on_hand_delta, reserved_delta, "
                       "reference, reason, province, actor, created_at) VALUES " + values)
        connection.commit()
    cursor.execute("INSERT INTO stock (warehouse_id, product_id, on_hand, reserved) "
                   "SELECT warehouse_id, product_id, SUM(on_hand_delta), SUM(reserved_delta) FROM stock_move "
                   "GROUP BY warehouse_id, product_id "
                   "ON DUPLICATE KEY UPDATE on_hand = VALUES(on_hand), reserved = VALUES(reserved)")
    connection.commit()
    cursor.execute("SELECT COUNT(*) FROM stock_move")
    total = cursor.fetchone()[0]
    connection.close()
    return total


def main():
    args = parse_args(__doc__, database="weishang_bench_stock", quick="short phases and a 100,000-move ledger",
                      extra=lambda parser: parser.add_argument("--clients", type=int, default=32))
    with fresh_database(args.url):
        run(args)


def run(args):
    rounds, seconds = sized(args, (1, 1), (2, 2), (3, 8))
    ledger_moves = sized(args, 10_000, 100_000, 1_000_000)
    ledger_products = sized(args, 100, LEDGER_PRODUCTS, LEDGER_PRODUCTS)
    app = create_app({"DATABASE_URL": args.url, "DB_MAX_CONNECTIONS": args.clients + 8})
    logging.getLogger().setLevel(logging.WARNING)
    migrate.upgrade()
    product = catalog.create_product(name="玫瑰面霜")
    warehouse = inventory.create_warehouse(name="华南仓", provinces=["广东省"])
    inventory.receive(warehouse_id=warehouse.id, lines=[{"product_id": product.id, "quantity": HOT_STOCK}])
    db.close()

    print(f"one hot product, {args.clients} concurrent clients, {rounds} rounds of {seconds} s per phase "
          "(phases interleaved so that other load on the machine hits them alike; medians shown)")
    figures = {"clients": args.clients, "rounds": rounds, "seconds_per_phase": seconds}
    phases = [
        ("raw: UPDATE then INSERT", "raw_update_first", raw_worker(args.url, warehouse.id, product.id, False)),
        ("raw: INSERT then UPDATE", "raw_update_last", raw_worker(args.url, warehouse.id, product.id, True)),
        ("raw: BEGIN, INSERT, UPDATE", "raw_with_begin", raw_worker(args.url, warehouse.id, product.id, True,
                                                                     begin=True)),
        ("service: inventory.reserve", "service", service_worker(warehouse.id, product.id)),
    ]
    figures.update(run_phases(args.url, phases, clients=args.clients, rounds=rounds, seconds=seconds,
                              unit="reservations/s"))
    floor = max(figures["raw_update_first"]["per_second"], figures["raw_update_last"]["per_second"])
    figures["service_to_raw_ratio"] = round(figures["service"]["per_second"] / floor, 2)
    print(f"  service / best raw floor = {figures['service_to_raw_ratio']:.2f} (target >= 0.6, issue 15)")
    # Not a floor of the target: the same round trips as the service's, to show what is left is the BEGIN.
    figures["service_to_raw_with_begin_ratio"] = round(
        figures["service"]["per_second"] / figures["raw_with_begin"]["per_second"], 2)
    print(f"  service / raw with BEGIN (the same four round trips) = {figures['service_to_raw_with_begin_ratio']:.2f}")

    with app.app_context():
        pairs = [(warehouse.id, product.id)] + [(warehouse.id, catalog.create_product(name=f"商品{n}").id)
                                                for n in range(ledger_products - 1)]
        db.close()
        began = time.perf_counter()
        total = fill_ledger(args.url, ledger_moves, pairs)
        fill_seconds = time.perf_counter() - began
        began = time.perf_counter()
        result = app.test_cli_runner().invoke(args=["stock", "check"])
        check_seconds = time.perf_counter() - began
    figures["check"] = {"moves": total, "stock_rows": len(pairs), "seconds": round(check_seconds, 2),
                        "exit_code": result.exit_code, "fill_seconds": round(fill_seconds, 1)}
    print(f"flask stock check over {total:,} moves in {len(pairs)} stock rows: {check_seconds:.2f} s "
          f"(exit {result.exit_code}; target < 10 s)")
    emit(figures)


if __name__ == "__main__":
    main()
