"""Orders benchmark: orders placed per second through the HTTP API (16 clients, gunicorn with 2 workers) against
the raw HTTP floor of a trivial endpoint on the same server, and the product/region report over many orders.

    .venv/bin/python bench/orders.py [--smoke | --quick] [--url mysql://root@127.0.0.1:3306/weishang_bench_orders]

The database named in --url is created afresh and dropped at the end. Prints readable figures, then one line of JSON.
"""
import http.client
import json
import logging
import multiprocessing
import os
import statistics
import sys
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app, migrate  # noqa: E402
from app.clock import local_today  # noqa: E402
from app.database import db  # noqa: E402
from bench.common import (CpuMeter, cpu_figures, emit, fresh_database, gunicorn, parse_args, percentile,  # noqa: E402
                          print_cpu, sized, timed)

PROVINCES = (("广东省", "深圳市"), ("广东省", "广州市"), ("浙江省", "杭州市"), ("江苏省", "南京市"), ("上海市", "上海市"),
             ("北京市", "北京市"), ("四川省", "成都市"), ("湖北省", "武汉市"), ("山东省", "青岛市"), ("福建省", "厦门市"))
REPORT_PRODUCTS = 20


def wsgi_app():
    """The app gunicorn serves in the bench: the real app plus a trivial endpoint for the HTTP floor."""
    application = create_app()

    @application.get("/bench/ping")
    def ping():
        return {"ok": True}
    return application


def seed_buyers(clients):
    """A level, a product priced for it with plenty of stock, and one agent (with a token) per client."""
    from app.accounts.models import WechatUser
    from app.tokens import issue_token
    from tests.factories import make_agent, make_level, orderable

    level = make_level(name="总代理")
    product, _ = orderable(100, on_hand=10**8, name="玫瑰面霜")
    tokens = []
    for index in range(clients):
        user = WechatUser.create(openid=f"bench-{index}")
        make_agent(level=level, wechat_user=user, name=f"代理{index}")
        tokens.append(issue_token("wx", user.id, user.token_version))
    return product.id, tokens


def _client(args):
    port, token, product_id, seconds, kind, index = args
    done, failures, latencies = 0, 0, []
    deadline = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    while time.perf_counter() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        began = time.perf_counter()
        if kind == "ping":
            connection.request("GET", "/bench/ping")
        else:
            body = {"idempotency_key": f"{index}-{done + failures}", "consignee": {"address": "科技园路1号"},
                    "items": [{"product_id": product_id, "quantity": 2}]}
            connection.request("POST", "/api/mp/orders", body=json.dumps(body), headers=headers)
        response = connection.getresponse()
        response.read()
        connection.close()
        latencies.append(time.perf_counter() - began)
        if response.status in (200, 201):
            done += 1
        else:
            failures += 1
    return done, failures, latencies


def load(port, tokens, product_id, seconds, kind, url=None):
    """Each client process loops for `seconds`; returns (per second, failures, p50 ms, p95 ms, the CPU it cost:
    a CpuMeter, the statements counted on the database server of `url`)."""
    jobs = [(port, token, product_id, seconds, kind, index) for index, token in enumerate(tokens)]
    with multiprocessing.Pool(len(jobs)) as pool, CpuMeter(url) as meter:
        results = pool.map(_client, jobs)
        meter.units = sum(r[0] + r[1] for r in results)
    done = sum(r[0] for r in results)
    latencies = sorted(latency for r in results for latency in r[2])
    return (done / seconds, sum(r[1] for r in results), 1000 * statistics.median(latencies),
            1000 * percentile(latencies, 0.95), meter)


def bulk_orders(count, level_id, product_ids):
    """`count` paid orders over the last year (two lines each), inserted in SQL from MariaDB's sequence engine."""
    provinces = ", ".join(f"'{p}'" for p, _ in PROVINCES)
    cities = ", ".join(f"'{c}'" for _, c in PROVINCES)
    products, product_list = len(product_ids), ", ".join(str(pid) for pid in product_ids)
    db.execute_sql("SET unique_checks = 0")
    db.execute_sql(f"""
        INSERT INTO sales_order (level_id, placed_by, idempotency_scope, idempotency_key, request_hash, status,
            consignee_name, consignee_phone, province, city, district, address, dropship, remark, units,
            subtotal_fen, level_discount_fen, promotion_discount_fen, promotion_name, shipping_fen, total_fen,
            refunded_fen, refunded_units, payment_method, payment_ref, payment_proof, carrier, tracking_no,
            to_cloud, created_at, paid_at)
        SELECT {level_id}, 'bench', 'bench', seq, '', 'completed', '张三', '13800000000',
            ELT(1 + MOD(seq, 10), {provinces}), ELT(1 + MOD(seq, 10), {cities}), '', '路1号', 0, '', 3,
            30000, 0, 0, '', 0, 30000, IF(MOD(seq, 50) = 0, 10000, 0), IF(MOD(seq, 50) = 0, 1, 0), 'offline', '', '', '', '', 0,
            UTC_TIMESTAMP() - INTERVAL MOD(seq, 525600) MINUTE, UTC_TIMESTAMP() - INTERVAL MOD(seq, 525600) MINUTE
        FROM seq_1_to_{count}""")
    db.execute_sql(f"""
        INSERT INTO order_line (order_id, product_id, product_name, quantity, unit_price_fen, discount_fen, paid_fen,
            unit_cost_fen, refunded_quantity, refunded_fen, paid_at)
        SELECT o.id, ELT(1 + MOD(o.id + k.seq, {products}), {product_list}), '商品', IF(k.seq = 0, 2, 1), 10000, 0,
            IF(k.seq = 0, 20000, 10000), 4000, 0, 0, o.paid_at
        FROM sales_order o JOIN seq_0_to_1 k WHERE o.placed_by = 'bench'""")
    db.execute_sql("SET unique_checks = 1")
    db.execute_sql("ANALYZE TABLE sales_order, order_line")


def report_bench(count):
    from app.agents.models import AgentLevel
    from app.orders import reports, rollup
    from tests.factories import orderable

    products = [orderable(100, on_hand=1, name=f"商品{i}")[0].id for i in range(REPORT_PRODUCTS)]
    began = time.perf_counter()
    bulk_orders(count, AgentLevel.select().first().id, products)
    inserted = time.perf_counter() - began
    began = time.perf_counter()
    rollup.rebuild()
    rebuilt = time.perf_counter() - began
    since = local_today() - timedelta(days=366)
    by_product, by_region = reports.by_product(since=since), reports.by_region(since=since)
    assert sum(row.units for row in by_product) > 0 and len(by_region) == len(PROVINCES)
    product_s, region_s, floor_s = (timed(work, 3)[0] / 1000 for work in (
        lambda: reports.by_product(since=since), lambda: reports.by_region(since=since),
        lambda: db.execute_sql("SELECT SUM(total_fen) FROM sales_order").fetchone()))
    return {"report_orders": count, "insert_seconds": round(inserted, 1), "daily_figures_rebuild_seconds": round(rebuilt, 1), "by_product_seconds": round(product_s, 3),
            "by_region_seconds": round(region_s, 3), "product_and_region_seconds": round(product_s + region_s, 3),
            "full_scan_floor_seconds": round(floor_s, 3)}


def main():
    options = parse_args(__doc__, database="weishang_bench_orders", quick="a small run (seconds, not minutes)")
    logging.disable(logging.INFO)
    with fresh_database(options.url):
        run(options)


def run(options):
    clients, seconds = sized(options, (4, 1), (16, 3), (16, 15))
    report_orders = sized(options, 1_000, 20_000, 1_000_000)

    create_app({"DATABASE_URL": options.url, "SECRET_KEY": "bench-secret"})
    db.connect(reuse_if_open=True)
    migrate.upgrade()
    product_id, tokens = seed_buyers(clients)
    db.close()

    env = {**os.environ, "DATABASE_URL": options.url, "SECRET_KEY": "bench-secret", "ENV": "bench"}
    with gunicorn("bench.orders:wsgi_app()", env, "--workers", "2") as port:
        load(port, tokens, product_id, 1, "ping")  # warm both workers
        floor = load(port, tokens, product_id, seconds, "ping", options.url)
        placed = load(port, tokens, product_id, seconds, "order", options.url)
    cpu = cpu_figures(options.url, floor[4], placed[4], name="order")

    db.connect(reuse_if_open=True)
    report = report_bench(report_orders)
    figures = {"clients": clients, "seconds": seconds, "orders_per_second": round(placed[0], 1),
               "order_failures": placed[1], "order_p50_ms": round(placed[2], 1), "order_p95_ms": round(placed[3], 1),
               "http_floor_per_second": round(floor[0], 1), "http_floor_p50_ms": round(floor[2], 1),
               "orders_to_floor_ratio": round(placed[0] / floor[0], 3), **cpu, **report}
    print(f"HTTP floor (trivial endpoint, gunicorn 2 workers, {clients} clients): {figures['http_floor_per_second']}/s,"
          f" p50 {figures['http_floor_p50_ms']} ms")
    print(f"orders placed through POST /api/mp/orders: {figures['orders_per_second']}/s, p50 "
          f"{figures['order_p50_ms']} ms, p95 {figures['order_p95_ms']} ms, failures {placed[1]} "
          f"(ratio to floor {figures['orders_to_floor_ratio']})")
    print_cpu("order", cpu, name="order")
    print(f"report over {report_orders:,} orders: by product {report['by_product_seconds']} s, by province/city "
          f"{report['by_region_seconds']} s (full-scan floor {report['full_scan_floor_seconds']} s; "
          f"bulk insert {report['insert_seconds']} s)")
    emit(figures)


if __name__ == "__main__":
    main()
