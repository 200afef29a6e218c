"""Load benchmark: a realistic mix for a fixed time against gunicorn (deploy/gunicorn.conf.py) on MariaDB, with
the scheduler draining the outbox to a fake WeChat server, against the floor of GET /healthz on the same server.

    .venv/bin/python bench/load.py [--smoke | --quick] [--seconds N] [--clients N]
        [--url mysql://root@127.0.0.1:3306/weishang_bench_load]

The mix, per client loop: agents browsing (catalogue, orders, an order, team, commission, balance), agents
placing orders, consumers scanning codes (the /v/<code> page and its JSON API, each scan from its own address
through X-Forwarded-For, as behind nginx), staff confirming payment, picking and shipping with codes scanned.
Afterwards `flask stock check` and `flask finance check` run against the database.

The database named in --url is created afresh and dropped at the end. Prints readable figures, then one line of JSON.
"""
import http.client
import json
import logging
import multiprocessing
import os
import random
import runpy
import subprocess
import sys
import time
from collections import Counter, defaultdict
from urllib.parse import urlencode

from peewee import fn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from app import create_app, migrate  # noqa: E402
from app.database import db  # noqa: E402
from bench.common import emit, fresh_database, gunicorn, parse_args, percentile, sized  # noqa: E402
from tests.fake_wechat import FakeWeChat  # noqa: E402

OA_APP, MP_APP = ("wx-bench-oa", "oa-secret"), ("wx-bench-mp", "mp-secret")
TEMPLATES = {kind: {"mini_program": {"template_id": f"tpl-{kind}", "fields": {"character_string1": "{order_no}"}}}
             for kind in ("order_paid", "order_shipped", "commission_credited")}
CODES_PER_CLIENT = 400
QUANTITY = 2
# (weight, action) of one client loop; staff run three requests per order, so orders are placed as often as shipped.
MIX = ((45, "browse"), (10, "order"), (35, "scan"), (10, "staff"))
BROWSE = ("catalogue", "orders", "order", "team", "commissions", "balance")


def seed(clients):
    """Two levels with a level-difference commission, one product, per client an agent under a top agent and codes."""
    from app.accounts.models import AdminUser
    from app.codes.binding import bind_codes_for_shipment
    from app.tokens import issue_token
    from tests.factories import (codes_of, make_admin, make_agent, make_batch, make_level, make_rules,
                                 make_wechat_user, priced_product, stocked)

    general, ordinary = make_level(name="总代理"), make_level(name="普通代理")
    make_rules(level_difference={})
    product = priced_product({general: 8000, ordinary: 10000}, cost_fen=4000)
    stocked(10**8, product=product)
    owner = make_admin("owner", username="bench-owner")
    admin_token = issue_token("admin", owner.id, AdminUser.get_by_id(owner.id).token_version)
    batch = make_batch(CODES_PER_CLIENT * clients, product=product, lot="LOAD")
    all_codes = codes_of(batch)
    plans = []
    for index in range(clients):
        top_user, buyer_user = make_wechat_user(f"bench-top-{index}"), make_wechat_user(f"bench-buyer-{index}")
        top = make_agent(level=general, wechat_user=top_user, name=f"总代{index}")
        buyer = make_agent(level=ordinary, upline=top, wechat_user=buyer_user, name=f"代理{index}")
        mine = all_codes[index * CODES_PER_CLIENT:(index + 1) * CODES_PER_CLIENT]
        already_shipped, to_ship = mine[:CODES_PER_CLIENT // 4], mine[CODES_PER_CLIENT // 4:]
        bind_codes_for_shipment(order_id=10**9 + index, agent_id=buyer.id, province="广东省", dropship=False,
                                expected={product.id: len(already_shipped)}, codes=already_shipped, actor="bench")
        plans.append({"buyer": issue_token("wx", buyer_user.id, buyer_user.token_version),
                      "top": issue_token("wx", top_user.id, top_user.token_version), "admin": admin_token,
                      "top_id": top.id, "product_id": product.id, "scannable": mine, "to_ship": to_ship})
    return plans


def app_env(url, wechat_url):
    return {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-secret", "ENV": "bench", "PYTHONPATH": ROOT,
            "TRUSTED_PROXIES": "1", "WECHAT_API_BASE": wechat_url, "WECHAT_OA_APPID": OA_APP[0],
            "WECHAT_OA_SECRET": OA_APP[1], "WECHAT_MP_APPID": MP_APP[0], "WECHAT_MP_SECRET": MP_APP[1],
            "NOTIFY_TEMPLATES": json.dumps(TEMPLATES), "FLASK_APP": "wsgi"}


def start_scheduler(env):
    return subprocess.Popen([sys.executable, "-m", "flask", "scheduler"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Client:
    """One simulated user session against the server; records (endpoint, status, seconds) per request."""

    def __init__(self, port, plan, rng):
        self.port, self.plan, self.rng = port, plan, rng
        self.records, self.placed, self.my_orders, self.serial = [], [], [], 0

    def request(self, label, method, path, *, token=None, body=None, form=None, forwarded_for=None):
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            headers["Content-Type"], payload = "application/json", json.dumps(body)
        elif form is not None:
            headers["Content-Type"], payload = "application/x-www-form-urlencoded", urlencode(form)
        else:
            payload = None
        if forwarded_for:
            headers["X-Forwarded-For"] = forwarded_for
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        began = time.perf_counter()
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read()
            status = response.status
        except OSError:
            data, status = b"", 0
        finally:
            connection.close()
        self.records.append((label, status, time.perf_counter() - began))
        return status, data

    def ping(self):
        self.request("GET /healthz", "GET", "/healthz")

    def browse(self):
        what = self.rng.choice(BROWSE)
        plan = self.plan
        if what == "catalogue":
            self.request("GET /api/mp/catalogue", "GET", "/api/mp/catalogue", token=plan["buyer"])
        elif what == "orders":
            self.request("GET /api/mp/orders", "GET", "/api/mp/orders", token=plan["buyer"])
        elif what == "order" and self.my_orders:
            self.request("GET /api/mp/orders/<id>", "GET", f"/api/mp/orders/{self.rng.choice(self.my_orders)}",
                         token=plan["buyer"])
        elif what == "team":
            self.request("GET /api/mp/agents/<id>/team", "GET", f"/api/mp/agents/{plan['top_id']}/team",
                         token=plan["top"])
        elif what == "commissions":
            self.request("GET /api/mp/finance/commissions", "GET", "/api/mp/finance/commissions", token=plan["top"])
        else:
            self.request("GET /api/mp/finance/balance", "GET", "/api/mp/finance/balance", token=plan["top"])

    def order(self):
        self.serial += 1
        body = {"idempotency_key": f"load-{self.plan['buyer'][-12:]}-{self.serial}",
                "consignee": {"name": "张三", "phone": "13800000000", "province": "广东省", "city": "深圳市",
                              "address": "科技园路1号"},
                "items": [{"product_id": self.plan["product_id"], "quantity": QUANTITY}]}
        status, data = self.request("POST /api/mp/orders", "POST", "/api/mp/orders", token=self.plan["buyer"],
                                    body=body)
        if status in (200, 201):
            order = json.loads(data)
            self.placed.append((order["id"], order["total"]))
            self.my_orders.append(order["id"])

    def scan(self):
        code = self.rng.choice(self.plan["scannable"])
        address = f"10.{self.rng.randrange(256)}.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}"
        if self.rng.random() < 0.6:
            self.request("GET /v/<code>", "GET", f"/v/{code}", forwarded_for=address)
        else:
            self.request("GET /api/mp/codes/<code>", "GET", f"/api/mp/codes/{code}", forwarded_for=address)

    def staff(self):
        token = self.plan["admin"]
        if not self.placed or len(self.plan["to_ship"]) < QUANTITY:
            self.request("GET /admin/api/orders", "GET", "/admin/api/orders?status=pending_payment", token=token)
            return
        order_id, total = self.placed.pop(0)
        self.request("POST /admin/api/orders/<id>/pay", "POST", f"/admin/api/orders/{order_id}/pay", token=token,
                     form={"amount": total, "payment_ref": f"BANK{order_id}"})
        self.request("POST /admin/api/orders/<id>/pick", "POST", f"/admin/api/orders/{order_id}/pick", token=token)
        codes, self.plan["to_ship"] = self.plan["to_ship"][:QUANTITY], self.plan["to_ship"][QUANTITY:]
        self.request("POST /admin/api/orders/<id>/ship", "POST", f"/admin/api/orders/{order_id}/ship", token=token,
                     body={"carrier": "顺丰", "tracking_no": f"SF{order_id:010d}", "codes": codes})


def _run_client(args):
    port, plan, seconds, kind, index = args
    client = Client(port, plan, random.Random(index))
    weights, actions = zip(*MIX)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        action = "ping" if kind == "floor" else client.rng.choices(actions, weights)[0]
        getattr(client, action)()
    return client.records


def drive(port, plans, seconds, kind):
    """Run one client process per plan for `seconds`; returns every (endpoint, status, seconds) record."""
    jobs = [(port, plan, seconds, kind, index) for index, plan in enumerate(plans)]
    with multiprocessing.Pool(len(jobs)) as pool:
        return [record for records in pool.map(_run_client, jobs) for record in records]


def summarise(records, seconds):
    """Per endpoint: requests, req/s, p50/p95/p99 ms and status counts; plus the totals."""
    by_endpoint = defaultdict(list)
    for label, status, elapsed in records:
        by_endpoint[label].append((status, elapsed))
    endpoints = {}
    for label, rows in sorted(by_endpoint.items()):
        latencies = sorted(elapsed * 1000 for _, elapsed in rows)
        statuses = Counter(status for status, _ in rows)
        endpoints[label] = {"requests": len(rows), "per_second": round(len(rows) / seconds, 1),
                            "p50_ms": round(percentile(latencies, 0.50), 1),
                            "p95_ms": round(percentile(latencies, 0.95), 1),
                            "p99_ms": round(percentile(latencies, 0.99), 1),
                            "statuses": {str(code): count for code, count in sorted(statuses.items())}}
    statuses = Counter(status for _, status, _ in records)
    server_errors = sum(count for code, count in statuses.items() if code >= 500 or code == 0)
    client_errors = sum(count for code, count in statuses.items() if 400 <= code < 500)
    return {"requests": len(records), "per_second": round(len(records) / seconds, 1),
            "server_errors": server_errors, "client_errors": client_errors,
            "error_rate": round((server_errors + client_errors) / max(1, len(records)), 5),
            "endpoints": endpoints}


def flask_check(env, group):
    """Run `flask <group> check`; returns (exit code, its last line)."""
    done = subprocess.run([sys.executable, "-m", "flask", group, "check"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    lines = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode, lines[-1] if lines else ""


def outbox_figures(wait_seconds):
    """Outbox statuses once nothing is due any more (or after `wait_seconds`), and the drain_outbox runs."""
    from app.clock import utcnow
    from app.jobs.models import JobRun
    from app.notify.models import Notification

    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        due = (Notification.select().where(Notification.status.in_(("pending", "sending")),
                                           Notification.next_attempt_at <= utcnow()).count())
        if not due:
            break
        time.sleep(1)
    statuses = {row.status: row.n for row in Notification.select(Notification.status,
                                                                 fn.COUNT(Notification.id).alias("n"))
                .group_by(Notification.status)}
    runs = {row.status: row.n for row in JobRun.select(JobRun.status, fn.COUNT(JobRun.id).alias("n"))
            .where(JobRun.job == "drain_outbox").group_by(JobRun.status)}
    return statuses, runs


def order_figures():
    from app.orders.models import Order

    return {row.status: row.n for row in Order.select(Order.status, fn.COUNT(Order.id).alias("n"))
            .group_by(Order.status)}


def arguments(parser):
    parser.add_argument("--seconds", type=int, default=None,
                        help="seconds of mixed load (default 60, --quick 15, --smoke 2)")
    parser.add_argument("--clients", type=int, default=None, help="concurrent client processes (default 8, --smoke 2)")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: deploy/gunicorn.conf.py)")


def main():
    options = parse_args(__doc__, database="weishang_bench_load", quick="a short run (15 s of load)", extra=arguments)
    logging.disable(logging.INFO)
    with fresh_database(options.url):
        run(options)


def run(options):
    seconds = options.seconds or sized(options, 2, 15, 60)
    floor_seconds = sized(options, 1, 5, 15)
    options.clients = options.clients or sized(options, 2, 8, 8)
    config = runpy.run_path(os.path.join(ROOT, "deploy", "gunicorn.conf.py"))
    workers, threads = options.workers or sized(options, 2, config["workers"], config["workers"]), config["threads"]

    create_app({"DATABASE_URL": options.url, "SECRET_KEY": "bench-secret"})
    db.connect(reuse_if_open=True)
    migrate.upgrade()
    plans = seed(options.clients)
    db.close()

    fake = FakeWeChat("127.0.0.1", 0).start()
    for appid, secret in (OA_APP, MP_APP):
        fake.add_app(appid, secret)
    env = app_env(options.url, fake.url.rstrip("/") + "/")
    scheduler = start_scheduler(env)
    try:
        with gunicorn("wsgi:app", env, "-c", "deploy/gunicorn.conf.py", "--workers", str(workers),
                      "--access-logfile", "/dev/null") as port:
            drive(port, plans, 1, "floor")  # every worker imported and connected
            floor = summarise(drive(port, plans, floor_seconds, "floor"), floor_seconds)
            mixed = summarise(drive(port, plans, seconds, "mix"), seconds)
        db.connect(reuse_if_open=True)
        outbox, drains = outbox_figures(wait_seconds=sized(options, 5, 20, 20))
        orders = order_figures()
        db.close()
        delivered = len(fake.delivered("/cgi-bin/message/subscribe/send"))
    finally:
        scheduler.terminate()
        scheduler.wait()
        fake.stop()
    stock_check, finance_check = flask_check(env, "stock"), flask_check(env, "finance")

    healthz = floor["endpoints"]["GET /healthz"]
    print(f"gunicorn {workers} workers × {threads} threads ({config['worker_class']}), {options.clients} client "
          f"processes, MariaDB at {options.url}")
    print(f"floor GET /healthz ({floor_seconds} s): {floor['per_second']}/s, p50 {healthz['p50_ms']} ms, "
          f"p95 {healthz['p95_ms']} ms, p99 {healthz['p99_ms']} ms, 5xx {floor['server_errors']}")
    print(f"mixed load ({seconds} s): {mixed['requests']} requests, {mixed['per_second']}/s "
          f"({mixed['per_second'] / floor['per_second']:.2f} of the floor), 5xx or no answer {mixed['server_errors']}, "
          f"4xx {mixed['client_errors']}")
    print(f"{'endpoint':36} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  statuses")
    for label, row in mixed["endpoints"].items():
        print(f"{label:36} {row['requests']:>8} {row['per_second']:>7} {row['p50_ms']:>8} {row['p95_ms']:>8} "
              f"{row['p99_ms']:>8}  {row['statuses']}")
    print(f"orders by status afterwards: {orders}")
    print(f"outbox afterwards: {outbox}; drain_outbox runs: {drains}; subscribe messages fake WeChat accepted: "
          f"{delivered}")
    print(f"flask stock check: exit {stock_check[0]}: {stock_check[1]}")
    print(f"flask finance check: exit {finance_check[0]}: {finance_check[1]}")
    emit({"workers": workers, "threads": threads, "clients": options.clients, "seconds": seconds,
          "floor_per_second": floor["per_second"], "floor_p50_ms": healthz["p50_ms"],
          "floor_p99_ms": healthz["p99_ms"], "mixed_per_second": mixed["per_second"],
          "requests": mixed["requests"], "server_errors": mixed["server_errors"],
          "client_errors": mixed["client_errors"], "error_rate": mixed["error_rate"],
          "endpoints": mixed["endpoints"],
          "orders": orders, "outbox": outbox, "drain_outbox_runs": drains, "wechat_delivered": delivered,
          "stock_check_exit": stock_check[0], "finance_check_exit": finance_check[0]})


if __name__ == "__main__":
    main()
