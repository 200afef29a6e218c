"""Benchmark of parcel tracking: subscriptions, 快递100 pushes and the customer's page.

    .venv/bin/python bench/tracking.py [--smoke | --quick] [--url mysql://root@127.0.0.1:3306/weishang_bench_tracking]

Ships orders, then subscribes their parcels at the fake 快递100 (tests/fake_kuaidi100.py) with the job
(subscriptions per second, one HTTP call each). Serves the app with gunicorn (2 workers × 4 threads) and
posts signed pushes from 8 client threads — every parcel's trace growing line by line, the last push 签收, which
receives the order — then opens every order's tracking page: pushes and pages per second with latency
percentiles, next to the raw floor of a trivial endpoint and of /healthz (one SELECT 1) in the same run. Ends
with one line of JSON.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.bot import bench_app as _bench_app  # noqa: E402,F401  (gunicorn loads bench.tracking:bench_app())
from bench.bot import figures, load  # noqa: E402
from bench.common import emit, fresh_database, gunicorn, parse_args, sized  # noqa: E402
from tests.fake_kuaidi100 import FakeKuaidi100, md5_upper  # noqa: E402

CLIENT_THREADS = 8
TRACE = ["快件已揽收", "快件已发往杭州转运中心", "快件已到达杭州转运中心", "快件已到达西湖营业部", "快递员正在派件"]


def bench_app():
    """The app with the floor endpoint (gunicorn loads this)."""
    return _bench_app()


def environment(database_url, fake):
    return {**os.environ, "DATABASE_URL": database_url, "ENV": "testing", "DB_MAX_CONNECTIONS": "8",
            "KUAIDI100_CUSTOMER": fake.customer, "KUAIDI100_KEY": fake.key, "KUAIDI100_API_BASE": fake.url,
            "TRACKING_RATE_LIMIT": "1000000/minute"}


def ship_orders(count):
    """`count` agents' orders shipped to customers; returns their ids."""
    from app import create_app, migrate
    from app.agents import service as agents
    from app.catalog import service as catalog
    from app.inventory import service as inventory
    from app.orders import placement, service
    from tests.factories import CUSTOMER, make_agent, make_product, make_warehouse

    create_app()
    migrate.upgrade()
    agent = make_agent()
    product = make_product(cost_fen=4000, retail_fen=30000)
    for level in agents.active_levels():
        catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=10000)
    warehouse = make_warehouse(provinces=("浙江省",))
    inventory.receive(warehouse_id=warehouse.id, lines=[{"product_id": product.id, "quantity": count * 2}],
                      reference="bench", actor="bench")
    ids = []
    for number in range(count):
        order = placement.place_order(placed_by=f"agent:{agent.id}", idempotency_key=f"bench-{number}",
                                         buyer_agent=agent, items=[{"product_id": product.id, "quantity": 1}],
                                         consignee=CUSTOMER)
        service.confirm_payment(order.id, actor="bench", method="offline", amount_fen=order.total_fen)
        service.pick(order.id, actor="bench")
        service.ship(order.id, actor="bench", carrier="zhongtong", tracking_no=f"ZT{number:010d}")
        ids.append(order.id)
    return ids


def pushes(fake, order_ids):
    """Every parcel's pushes: the trace growing a line a push, the last one 签收; (method, path, query, form)."""
    from app.orders.models import Parcel

    calls = []
    for parcel in Parcel.select().where(Parcel.order.in_(order_ids)):
        lines = []
        for step, text in enumerate(TRACE + ["已签收，签收人：本人"]):
            lines.insert(0, (f"2026-12-0{1 + step // 3} {8 + step:02d}:00:00", text, "杭州市"))
            state = "3" if step == len(TRACE) else "0"
            param = fake.push_body("zhongtong", parcel.tracking_no, state=state, lines=list(lines))
            calls.append(("POST", f"/tracking/kuaidi100/{parcel.callback_token}", None,
                          {"param": param, "sign": md5_upper(param + parcel.salt)}))
    return calls


def main():
    args = parse_args(__doc__, database="weishang_bench_tracking", quick="a small run (seconds)")
    with fresh_database(args.url):
        run(args)


def run(args):
    count = sized(args, 20, 150, 1000)
    with FakeKuaidi100() as fake:
        env = environment(args.url, fake)
        os.environ.update(env)
        order_ids = ship_orders(count)
        from app.orders import jobs, tracking
        from app.orders.models import Order

        started = time.perf_counter()
        subscribed = jobs.subscribe_parcels()
        while subscribed < count:
            subscribed += jobs.subscribe_parcels()
        subscribe_rate = count / (time.perf_counter() - started)
        print(f"tracking benchmark: {count} shipped orders, {CLIENT_THREADS} client threads, gunicorn 2×4, MariaDB")
        print(f"{'subscriptions (job)':28} {subscribe_rate:8.0f}/s")
        calls = pushes(fake, order_ids)
        pages = [("GET", "/t/" + tracking.current_link(order_id).token, None, None) for order_id in order_ids]
        with gunicorn("bench.tracking:bench_app()", env, "--workers", "2", "--threads", "4",
                      "--worker-class", "gthread") as port:
            base = f"http://127.0.0.1:{port}"
            floor = figures("floor: trivial endpoint", *load(base, [("GET", "/bench/floor", None, None)] * len(calls)))
            health = figures("floor: /healthz (SELECT 1)", *load(base, [("GET", "/healthz", None, None)] * len(calls)))
            pushed = figures("快递100 pushes", *load(base, calls))
            page = figures("tracking pages /t/<token>", *load(base, pages * 3))
        received = Order.select().where(Order.id.in_(order_ids), Order.status == "received").count()
        print(f"{'orders received by 签收':28} {received} of {count}")
        if received != count:
            raise SystemExit("not every signed-for parcel received its order")
    emit({"bench": "tracking", "orders": count, "pushes": len(calls), "subscriptions_per_second": round(subscribe_rate),
          "floor": floor, "healthz": health, "push": pushed, "page": page, "received": received})


if __name__ == "__main__":
    main()
