"""WeChat Pay APIv3 at scale on MariaDB: notifications handled per second, and the daily reconciliation.

    python bench/pay.py [--smoke | --quick] [--url mysql://root@127.0.0.1:3306/weishang_bench_pay]

Sections (each a function returning its figures):

1. notifications: 2,000 unpaid orders (400 with --quick) of 200 agents, each with its
   payment started (`WechatPayment`); one TRANSACTION.SUCCESS notification per order,
   signed and encrypted with the fake v3 server's keys (tests/fake_wechat_pay_v3.py),
   POSTed by 4 client processes to the app under gunicorn (2 workers):
   - floor: `POST /bench/verify`, a bench-only endpoint that verifies the signature and
     decrypts the resource (`V3Client.parse_notification`) and answers 204;
   - handled: `POST /api/pay/wechat/v3/notify` (verify, decrypt, confirm the order:
     settlement, stock reservation, purchase, message), each notification once;
   - repeated: the same notifications again (already confirmed: verify, decrypt, a lookup).
   Target: handled / floor ≥ 0.3. Also the bare verify+decrypt rate in one process.
   `--threads N` serves all three with threaded workers (gthread, N threads each), as
   deploy/gunicorn.conf.py does (4); the default is sync workers, as the target was set.

2. reconciliation: a 100,000-line trade bill (20,000 with --quick): 90 % payments of orders
   paid by WeChat that day, 10 % refunds WeChat Pay made (`WechatRefund` succeeded), 1 % of
   the payments disagreeing (missing on the bill, missing here, another amount); the fake
   serves the bill gzipped with its SHA1 as WeChat Pay does:
   - reconciled: `app.finance.jobs.reconcile_trade_bill(day)` — ask for the bill, download,
     check, parse, read our side, compare, keep the discrepancies, queue the owners' notice;
   - floor: the same download and gunzip, `csv.reader` over the text, one raw SELECT of our
     side (nothing compared, nothing written).
   Target: reconciled < 30 s. Also the same day reconciled again (nothing new).

Ends with one line of JSON.
"""
import csv
import gzip
import http.client
import io
import logging
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app, migrate  # noqa: E402
from app.database import db  # noqa: E402
from bench.common import (CpuMeter, cpu_figures, emit, fresh_database, gunicorn, parse_args, print_cpu,  # noqa: E402
                          raw_connection, sized)

MCH_ID, APPID, SERIAL = "1900009191", "wx-bench-mp", "5157F09EFDC096DE15EBE81A47057A72"
CLIENTS = 4  # --clients changes it
ORDERS_PER_AGENT = 10
NOTIFY = "/api/pay/wechat/v3/notify"


def wsgi_app():
    """The app gunicorn serves in the bench: the real app plus the verify+decrypt floor endpoint."""
    from flask import request

    from app.wechat_pay import v3_client

    application = create_app()

    @application.post("/bench/verify")
    def verify():
        v3_client().parse_notification(request.headers, request.get_data())
        return "", 204
    return application


def merchant_settings(fake, folder):
    """APIv3 settings of a merchant whose key pair is made now and registered with the fake."""
    from tests.fake_wechat_pay_v3 import new_key_pair

    private_pem, public_pem = new_key_pair()
    fake.add_merchant(MCH_ID, serial=SERIAL, public_key_pem=public_pem, appid=APPID)
    Path(folder, "apiclient_key.pem").write_text(private_pem)
    Path(folder, "pub_key.pem").write_text(fake.public_key_pem)
    return {"WECHAT_MP_APPID": APPID, "WECHAT_PAY_API_VERSION": "v3", "WECHAT_PAY_MCH_ID": MCH_ID,
            "WECHAT_PAY_API_BASE": fake.url, "WECHAT_PAY_PRIVATE_KEY_FILE": str(Path(folder, "apiclient_key.pem")),
            "WECHAT_PAY_CERT_SERIAL": SERIAL, "WECHAT_PAY_APIV3_KEY": fake.apiv3_key,
            "WECHAT_PAY_PUBLIC_KEY_FILE": str(Path(folder, "pub_key.pem")),
            "WECHAT_PAY_PUBLIC_KEY_ID": fake.public_key_id}


def started_orders(count):
    """`count` unpaid orders of count/10 agents over four products, each with its WeChat payment started; their
    (order number, total in fen)."""
    from app.clock import utcnow
    from app.orders import service
    from app.orders.models import WechatPayment
    from tests.factories import make_agent, make_level, orderable, place

    level = make_level(name="总代理")
    agents = [make_agent(level=level, name=f"代理{index}") for index in range(max(1, count // ORDERS_PER_AGENT))]
    products = [orderable(100, on_hand=10**8, name=f"商品{index}")[0] for index in range(4)]
    orders = [place(agents[index % len(agents)], (products[index % len(products)], 2)) for index in range(count)]
    now = utcnow()
    WechatPayment.insert_many([{"order": order.id, "out_trade_no": service.order_no(order),
                                "amount_fen": order.total_fen, "payer_openid": "o-bench", "expires_at": now,
                                "created_at": now} for order in orders]).execute()
    return [(service.order_no(order), order.total_fen) for order in orders]


def signed(fake, orders):
    """One signed, encrypted TRANSACTION.SUCCESS notification per order: (headers, body)."""
    return [fake.notification("TRANSACTION.SUCCESS", {
        "mchid": MCH_ID, "appid": APPID, "out_trade_no": number, "transaction_id": f"4200{index:020d}",
        "trade_type": "JSAPI", "trade_state": "SUCCESS", "payer": {"openid": "o-bench"},
        "amount": {"total": total, "payer_total": total, "currency": "CNY"}}) for index, (number, total) in
        enumerate(orders)]


def _post_all(args):
    port, path, notifications = args
    statuses = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for headers, body in notifications:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        statuses.append(response.status)
    connection.close()
    return statuses


def post_rate(port, path, notifications):
    """Notifications per second POSTed to `path` by CLIENTS processes (each its share, one connection); the
    statuses seen; the CPU they cost (a CpuMeter)."""
    clients = OPTIONS["clients"]
    shares = [(port, path, notifications[index::clients]) for index in range(clients)]
    with multiprocessing.Pool(clients) as pool:
        with CpuMeter(OPTIONS["url"]) as meter:
            started = time.perf_counter()
            results = pool.map(_post_all, shares)
            seconds = time.perf_counter() - started
            meter.units = len(notifications)
    return len(notifications) / seconds, {status for statuses in results for status in statuses}, meter


def bench_notifications(options, fake, env):
    """Notifications per second over HTTP: the verify+decrypt floor, handled (with the confirmation), repeats."""
    from app.wechat_pay import v3_client

    count = sized(options, 40, 400, 2000)
    orders = started_orders(count)
    db.close()
    client = v3_client()
    bare = signed(fake, orders)
    started = time.perf_counter()
    for headers, body in bare:
        client.parse_notification(headers, body)
    in_process = len(bare) / (time.perf_counter() - started)
    threads = OPTIONS["threads"]
    served = ("--worker-class", "gthread", "--threads", str(threads)) if threads > 1 else ()
    with gunicorn("bench.pay:wsgi_app()", env, "--workers", "2", *served) as port:
        post_rate(port, "/bench/verify", signed(fake, orders[:OPTIONS["clients"] * 2]))  # warm both workers
        floor, floor_statuses, floor_cpu = post_rate(port, "/bench/verify", signed(fake, orders))
        handled, handled_statuses, handled_cpu = post_rate(port, NOTIFY, signed(fake, orders))
        repeated, repeated_statuses, _ = post_rate(port, NOTIFY, signed(fake, orders))
    assert floor_statuses == handled_statuses == repeated_statuses == {204}, (floor_statuses, handled_statuses,
                                                                             repeated_statuses)
    figures = {"notifications": count, "clients": OPTIONS["clients"], "threads_per_worker": threads,
               "verify_decrypt_in_process_per_second": round(in_process, 1),
               "verify_decrypt_http_floor_per_second": round(floor, 1),
               "notifications_handled_per_second": round(handled, 1),
               "repeated_notifications_per_second": round(repeated, 1),
               "handled_to_floor_ratio": round(handled / floor, 3),
               **cpu_figures(options.url, floor_cpu, handled_cpu, name="handled")}
    print(f"verify + decrypt in one process: {figures['verify_decrypt_in_process_per_second']}/s")
    print(f"HTTP floor (verify + decrypt, gunicorn 2 workers × {threads} threads, {OPTIONS['clients']} clients): "
          f"{figures['verify_decrypt_http_floor_per_second']}/s over {count} notifications")
    print(f"handled at {NOTIFY} (verify, decrypt, confirm the order): {figures['notifications_handled_per_second']}/s "
          f"(ratio to floor {figures['handled_to_floor_ratio']}, target >= 0.3)")
    print(f"repeats (already confirmed): {figures['repeated_notifications_per_second']}/s")
    print_cpu("notification", figures, name="handled")
    return figures


PAID_SHARE = 0.9
BEIJING = ZoneInfo("Asia/Shanghai")


def _day_rows(day, count):
    """Bulk rows of `count` orders paid by WeChat at the start of `day` (Beijing), and their refunds' share."""
    from app.clock import utc_start_of_local_day

    start = utc_start_of_local_day(day) + timedelta(hours=1)
    return [{"placed_by": "bench", "idempotency_scope": "bench", "idempotency_key": f"rec-{index}",
             "request_hash": "", "status": "paid", "consignee_name": "对账", "consignee_phone": "13800000000",
             "province": "广东省", "address": "科技园", "units": 1, "subtotal_fen": 10000 + index % 500,
             "total_fen": 10000 + index % 500, "payment_method": "wechat", "created_at": start,
             "paid_at": start + timedelta(seconds=index % 80000)} for index in range(count)]


def seeded(day, lines):
    """Our side of the day in the database (bulk INSERTs) and the bill WeChat Pay would write for it, with 1 % of
    each side disagreeing: (bill text, discrepancies planted)."""
    from app.database import bulk_insert, db
    from app.orders import service
    from app.orders.models import Order, WechatRefund
    from tests.fake_wechat_pay_v3 import trade_bill_csv

    payments = int(lines * PAID_SHARE)
    refunds = lines - payments
    with db.atomic():
        bulk_insert(Order, _day_rows(day, payments))
    orders = list(Order.select(Order.id, Order.created_at, Order.total_fen, Order.paid_at)
                  .where(Order.placed_by == "bench").order_by(Order.id))
    numbers = [(service.order_no(order), order.total_fen, order) for order in orders]
    with db.atomic():
        bulk_insert(WechatRefund, [{"order": order.id, "out_refund_no": f"{number}R{index:08d}", "amount_fen": 500,
                                    "whole_order": False, "goods_back": False, "reason": "对账", "actor": "bench",
                                    "status": "succeeded", "created_at": order.paid_at, "settled_at": order.paid_at}
                                   for index, (number, _, order) in enumerate(numbers[:refunds])])
    off = max(1, lines // 100) // 3
    billed = [(number, fen) for number, fen, _ in numbers[off:]]  # the first `off` payments missing on the bill
    billed[:off] = [(number, fen + 1) for number, fen in billed[:off]]  # the next `off` for another amount
    billed += [(f"{day:%y%m%d}{9 * 10**8 + index:06d}", 100) for index in range(off)]  # not ours
    refunded = [(number, f"{number}R{index:08d}", 500) for index, (number, _, _) in enumerate(numbers[:refunds])]
    text = trade_bill_csv(payments=billed, refunds=refunded, day=day.isoformat())
    return text, 3 * off


def bench_reconciliation(options, fake, env):
    """Seconds to reconcile a day's trade bill of 100,000 lines, against the download+parse+SELECT floor."""
    from app.database import db
    from app.finance.jobs import reconcile_trade_bill
    from app.wechat_pay import v3_client

    lines = sized(options, 2_000, 20_000, 100_000)
    day = (datetime.now(BEIJING) - timedelta(days=1)).date()  # yesterday's bill, as the job reconciles
    bill, planted = seeded(day, lines)
    fake.put_trade_bill(day, bill)
    db.close()

    started = time.perf_counter()
    answer = v3_client().get("/v3/bill/tradebill", params={"bill_date": day.isoformat(), "tar_type": "GZIP"})
    text = gzip.decompress(v3_client().download(answer["download_url"])).decode("utf-8")
    rows = sum(1 for _ in csv.reader(io.StringIO(text)))
    connection = raw_connection(env["DATABASE_URL"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, created_at, total_fen FROM sales_order WHERE payment_method = 'wechat'")
        ours = len(cursor.fetchall())
        cursor.execute("SELECT out_refund_no, amount_fen FROM wechat_refund WHERE status = 'succeeded'")
        ours += len(cursor.fetchall())
    connection.close()
    floor = time.perf_counter() - started

    db.connect(reuse_if_open=True)
    started = time.perf_counter()
    run = reconcile_trade_bill(day)
    reconciled = time.perf_counter() - started
    assert run.bill_rows >= lines and run.discrepancies == planted, (run.bill_rows, run.discrepancies, planted)
    again_started = time.perf_counter()
    reconcile_trade_bill(day)  # the same day again: nothing new is written or told
    again = time.perf_counter() - again_started
    db.close()
    figures = {"bill_lines": run.bill_rows, "discrepancies": run.discrepancies,
               "reconcile_seconds": round(reconciled, 2), "reconcile_again_seconds": round(again, 2),
               "reconcile_floor_seconds": round(floor, 2), "reconcile_to_floor_ratio": round(reconciled / floor, 1),
               "floor_rows": rows, "floor_our_rows": ours}
    print(f"reconciliation of a {run.bill_rows:,}-line trade bill ({run.discrepancies} discrepancies): "
          f"{figures['reconcile_seconds']} s (target < 30 s); the same day again {figures['reconcile_again_seconds']} s")
    print(f"floor (download, gunzip, csv.reader, one raw SELECT of our side): {figures['reconcile_floor_seconds']} s "
          f"(reconciled / floor {figures['reconcile_to_floor_ratio']})")
    return figures


SECTIONS = [bench_notifications, bench_reconciliation]
OPTIONS = {"clients": CLIENTS, "threads": 1}


def _extra_arguments(parser):
    parser.add_argument("--clients", type=int, default=CLIENTS, help=f"client processes (default {CLIENTS})")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per gunicorn worker (gthread); default 1: sync workers")


def main():
    options = parse_args(__doc__, database="weishang_bench_pay", quick="a small run (seconds)",
                         extra=_extra_arguments)
    OPTIONS["clients"] = max(1, options.clients)
    OPTIONS["threads"] = max(1, options.threads)
    OPTIONS["url"] = options.url
    logging.disable(logging.WARNING)
    from tests.fake_wechat_pay_v3 import FakeWeChatPayV3

    with fresh_database(options.url), FakeWeChatPayV3() as fake, tempfile.TemporaryDirectory() as folder:
        settings = {"DATABASE_URL": options.url, "SECRET_KEY": "bench-secret", **merchant_settings(fake, folder)}
        create_app(settings)
        db.connect(reuse_if_open=True)
        migrate.upgrade()
        env = {**os.environ, **settings, "ENV": "bench"}
        figures = {}
        for section in SECTIONS:
            db.connect(reuse_if_open=True)
            figures.update(section(options, fake, env))
        db.close()
    emit(figures)


if __name__ == "__main__":
    main()
