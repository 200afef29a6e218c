"""bench/pay.py's reconciliation section: the daily reconciliation of a 100,000-line trade bill.

90 % of the lines are payments of orders paid by WeChat that day, 10 % refunds WeChat Pay made (`WechatRefund`
succeeded); 1 % of each side disagrees (missing on the bill, missing here, another amount), so discrepancies are
written and told. The fake v3 server serves the bill (gzip, SHA1) as WeChat Pay does; timed:

- reconciled: `app.finance.jobs.reconcile_trade_bill(day)` — ask for the bill, download it, check its hash, parse
  it, read our payments and refunds of the day and those the bill names, compare, keep the discrepancies and queue
  the owners' notice — what the scheduler runs at 10:30;
- floor: the same download and gunzip, `csv.reader` over the text, and one raw SELECT of the day's payments and
  refunds (PyMySQL, no comparison, nothing written).

Target: reconciled < 30 s for 100,000 lines.
"""
import csv
import gzip
import io
import time
from datetime import datetime, timedelta

from bench.common import raw_connection, sized

PAID_SHARE = 0.9


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
    day = (datetime.now() - timedelta(days=1)).date()
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
