"""Codes benchmark: codes generated and stored per second (service against a raw bulk INSERT floor), QR label
images per second on one core (`qrcode` defaults against a fixed version and mask), and scan-page requests per
second under gunicorn (2 workers) with concurrent clients against a trivial endpoint of the same server (`/healthz`).

The scan page is measured in two phases against the same `/healthz` floor, each on 20,000 codes (1,000 with
--smoke), more than a phase scans on this machine, so a scan is its code's first. First the codes of a batch never
shipped: the anomaly path, a code scanned before it left the warehouse (besides the count, 3 writes: the scan, its
`unshipped_scan` flag and an owner notice in the outbox; 5 statements). Then shipped codes, what a consumer scans:
codes bound to orders of one agent placed, paid, picked and shipped with the codes scanned at packing, through the
order service as the warehouse does (besides the count, 1 write: the scan; 3 statements, a code's first scan looking
for no scan before it).

    .venv/bin/python bench/codes.py [--smoke | --quick] [--url mysql://root@127.0.0.1:3306/weishang_bench_codes]

The database named in --url is created afresh and dropped at the end. Prints readable figures, then one line of JSON.
"""
import http.client
import io
import itertools
import logging
import os
import sys
import threading
import time
import uuid

import qrcode

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app, migrate  # noqa: E402
from app.catalog import service as catalog  # noqa: E402
from app.codes import codec, labels  # noqa: E402
from app.codes import service as codes  # noqa: E402
from app.codes.batches import INSERT_CHUNK  # noqa: E402
from app.database import db  # noqa: E402
from app.orders import service as orders  # noqa: E402
from bench.common import (CpuMeter, cpu_figures, emit, fresh_database, gunicorn, parse_args, print_cpu,  # noqa: E402
                          raw_connection, sized)

FLOOR_CHUNK = INSERT_CHUNK
# Units of one shipped order: within an order line's 9,999 and the 10,000 codes one shipment binds.
SHIPPED_ORDER_UNITS = 5_000


def generation(url, product_id, quantity):
    """(service codes/s, raw floor rows/s, code drawing alone codes/s) for `quantity` codes."""
    began = time.perf_counter()
    drawn = codec.new_codes(quantity)
    drawing = quantity / (time.perf_counter() - began)

    began = time.perf_counter()
    batch = codes.create_batch(product_id=product_id, lot="BENCH", quantity=quantity)
    service = quantity / (time.perf_counter() - began)
    assert codes.batch_counts(batch.id)["bound"] == 0

    # The floor: the same rows, already drawn, as literals in multi-row INSERTs of the same size, one transaction.
    connection = raw_connection(url)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE code_floor LIKE code")
        began = time.perf_counter()
        for start in range(0, quantity, FLOOR_CHUNK):
            values = ", ".join(f"('{code}', {batch.id}, {serial}, 0, NULL, NULL, 0, '', '', 0)"
                               for serial, code in enumerate(drawn[start:start + FLOOR_CHUNK], start + 1))
            cursor.execute("INSERT INTO code_floor (code, batch_id, serial, is_box, box_id, pin_hash, pin_failures, "
                           "province, bound_by, scan_count) VALUES " + values)
        connection.commit()
        floor = quantity / (time.perf_counter() - began)
        cursor.execute("DROP TABLE code_floor")
    connection.close()
    return service, floor, drawing


def qr_rates(count):
    """(qrcode.make PNG/s, fixed version and mask PNG/s, fixed SVG/s) on this one core."""
    urls = [labels.scan_url(code) for code in codec.new_codes(count)]
    rates = []
    for render in (lambda url: qrcode.make(url).save(io.BytesIO()), labels.qr_png, labels.qr_svg):
        began = time.perf_counter()
        for url in urls:
            render(url)
        rates.append(count / (time.perf_counter() - began))
    return rates


def shipped_codes(quantity):
    """`quantity` codes bound to shipped orders of one agent, as the warehouse ships them: orders placed, paid,
    picked and shipped with their codes scanned at packing, at most SHIPPED_ORDER_UNITS units an order."""
    from tests.factories import advanced, make_agent, make_level, orderable, place

    agent = make_agent(level=make_level(name="总代理"), name="扫码代理")
    product, _ = orderable(on_hand=quantity, name="玫瑰精华")
    batch = codes.create_batch(product_id=product.id, lot="SHIPPED", quantity=quantity)
    texts = [code for _, code in codes.iter_codes(batch.id)]
    for start in range(0, quantity, SHIPPED_ORDER_UNITS):
        packed = texts[start:start + SHIPPED_ORDER_UNITS]
        order = advanced(place(agent, (product, len(packed))), "pay", "pick")
        orders.ship(order.id, actor="admin:1", carrier="顺丰", tracking_no=f"SF{order.id:010d}", codes_scanned=packed)
    assert codes.batch_counts(batch.id)["bound"] == quantity
    return texts


def server_env(url):
    """The scan page unthrottled: no rate limit, repeat window or clone flag gets in the measurement's way. The
    per-address limit has two windows, as SCAN_RATE_LIMIT has by default (a minute's and an hour's), out of reach."""
    return {**os.environ, "DATABASE_URL": url, "SCAN_RATE_LIMIT": "100000000/minute;1000000000/hour",
            "SCAN_OPENID_RATE_LIMIT": "100000000/minute", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379",
            "RATELIMIT_KEY_PREFIX": f"bench-{uuid.uuid4().hex}", "SCAN_REPEAT_SECONDS": "0",
            "CLONE_FLAG_SCANS": "1000000"}


def page(port, path):
    """The body of one GET `path`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers={"User-Agent": "bench"})
    body = connection.getresponse().read().decode()
    connection.close()
    return body


def http_rate(port, paths, clients, seconds, url=None):
    """Requests per second of `clients` threads fetching `paths` in turn, and the CPU they cost (a CpuMeter, the
    statements counted on the database server of `url`); any non-200 answer fails the run."""
    stop, errors, counts = threading.Event(), [], []
    path_cycle = itertools.cycle(paths)
    lock = threading.Lock()

    def client():
        done = 0
        try:
            while not stop.is_set():
                with lock:
                    path = next(path_cycle)
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", path, headers={"User-Agent": "bench"})
                response = connection.getresponse()
                response.read()
                connection.close()
                if response.status != 200:
                    raise RuntimeError(f"{path} answered {response.status}")
                done += 1
        except Exception as exc:  # reported below: a failing client fails the benchmark
            errors.append(exc)
            stop.set()
        counts.append(done)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    with CpuMeter(url) as meter:
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join()
        meter.units = sum(counts)
    if errors:
        raise errors[0]
    return sum(counts) / (time.perf_counter() - began), meter


def main():
    args = parse_args(__doc__, database="weishang_bench_codes", quick="50,000 codes, 200 QR images, 3 s HTTP phases",
                      extra=lambda parser: parser.add_argument("--clients", type=int, default=16))
    with fresh_database(args.url):
        run(args)


def run(args):
    quantity, images, seconds = sized(args, (2_000, 20, 1), (50_000, 200, 3), (1_000_000, 1000, 10))
    scan_codes = sized(args, 1_000, 20_000, 20_000)
    create_app({"DATABASE_URL": args.url})
    logging.getLogger().setLevel(logging.WARNING)
    migrate.upgrade()
    product = catalog.create_product(name="玫瑰面霜")

    service, floor, drawing = generation(args.url, product.id, quantity)
    print(f"codes for a batch of {quantity:,} on MariaDB (one transaction, multi-row INSERTs of {FLOOR_CHUNK}):")
    print(f"  service codes.create_batch      {service:10,.0f} codes/s")
    print(f"  raw bulk INSERT floor            {floor:10,.0f} rows/s   (service at {service / floor:.0%} of it)")
    print(f"  drawing codes alone (no storage) {drawing:10,.0f} codes/s")

    default_png, fixed_png, fixed_svg = qr_rates(images)
    print(f"QR label images on one core ({images} codes, URL {len(labels.scan_url('X' * 17))} characters):")
    print(f"  qrcode.make (version and mask searched)  {default_png:8,.0f} PNG/s")
    print(f"  fixed version, EC M, mask 0              {fixed_png:8,.0f} PNG/s   ({fixed_png / default_png:.1f}×)")
    print(f"  fixed version, SVG                       {fixed_svg:8,.0f} SVG/s")

    scan_batch = codes.create_batch(product_id=product.id, lot="SCAN", quantity=scan_codes)
    scan_paths = [f"/v/{code}" for _, code in codes.iter_codes(scan_batch.id)]
    shipped_paths = [f"/v/{code}" for code in shipped_codes(scan_codes)]
    db.close()
    with gunicorn("wsgi:app", server_env(args.url), "--workers", "2") as port:
        http_rate(port, ["/healthz"], 2, 1)
        assert "正品验证通过" in page(port, shipped_paths[0]), "a shipped code's page is not the genuine verdict"
        health, health_cpu = http_rate(port, ["/healthz"], args.clients, seconds, args.url)
        scans, _ = http_rate(port, scan_paths, args.clients, seconds)
        shipped_scans, shipped_cpu = http_rate(port, shipped_paths, args.clients, seconds, args.url)
    cpu = cpu_figures(args.url, health_cpu, shipped_cpu, name="shipped_scan")
    print(f"HTTP under gunicorn (2 sync workers), {args.clients} clients, {seconds} s each, clients on the same "
          "2 cores:")
    print(f"  {'floor: GET /healthz (one SELECT 1)':<82} {health:8,.0f} requests/s")
    for label, rate in (("scan page GET /v/<code>, shipped codes (a consumer's scan)", shipped_scans),
                        ("scan page GET /v/<code>, unshipped codes (the anomaly path: flag + owner notice)", scans)):
        print(f"  {label:<82} {rate:8,.0f} requests/s   ({rate / health:.0%} of the floor)")
    print_cpu("shipped code's scan", cpu, name="shipped_scan")

    figures = {"batch": quantity, "codes_per_second": round(service), "raw_insert_floor_per_second": round(floor),
               "drawing_per_second": round(drawing), "qr_default_png_per_second": round(default_png, 1),
               "qr_fixed_png_per_second": round(fixed_png, 1), "qr_fixed_svg_per_second": round(fixed_svg, 1),
               "http_clients": args.clients, "floor_requests_per_second": round(health, 1),
               "scan_requests_per_second": round(scans, 1), "scan_codes": scan_codes,
               "shipped_scan_requests_per_second": round(shipped_scans, 1),
               "shipped_scan_ratio": round(shipped_scans / health, 3), "unshipped_scan_ratio": round(scans / health, 3),
               **cpu}
    emit(figures)


if __name__ == "__main__":
    main()
