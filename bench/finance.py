"""Settlement and the profit report at scale on MariaDB.

    python bench/finance.py [--smoke | --quick] [--url mysql://root@127.0.0.1:3306/weishang_bench_finance]

Builds a network of 10,000 agents (1,000 with --quick) eight levels deep in four
agent levels, 20 products priced at every level, and a rule version paying the
level difference, a two-generation same-level bonus and a 3-month referral bonus
through three tiers. Then:

1. settles 100,000 paid orders (10,000 with --quick) through
   `finance.settle_paid_orders` in batches of 500 — the figures, commission lines,
   journal entries, postings, balances and notifications — spread over `--workers`
   processes (default: one per core), as concurrent payment callbacks or catch-up
   jobs settle; 10,000 more (2,000) in one process, for the rate of one; and, for
   the per-order path payment callbacks take, `settle_paid_order` one order per
   transaction on 2,000 more; the floor writes the same rows again with plain
   multi-row INSERTs into copies of the tables, one connection (no engine, no lookups);
2. loads 1,000,000 settlements over twelve months (100,000 with --quick) with
   refunds, team bonuses and expenses, and times the monthly profit report for the
   year and the report of one month; the floor is one bare GROUP BY over the
   settlements of the same range.

Ends with one line of JSON.
"""
import multiprocessing
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app, migrate  # noqa: E402
from app.agents.models import Agent, AgentLevel  # noqa: E402
from app.catalog.models import LevelPrice, Product  # noqa: E402
from app.clock import local_today, utcnow  # noqa: E402
from app.database import db  # noqa: E402
from app.finance import service as finance  # noqa: E402
from app.finance.inputs import PaidOrder, SoldLine  # noqa: E402
from app.finance.models import CommissionLine, Expense, OrderSettlement, SettlementRefund  # noqa: E402
from bench.common import depth_sizes, emit, fresh_database, insert_closure, parse_args, sized, timed  # noqa: E402

DEPTH = 8
ROOTS = 10
PRODUCTS = 20
LEVEL_PRICES = (5000, 6000, 8000, 10000)
SETTLE_BATCH = 500
SINGLE_ORDERS = 2000
BULK = 5000
RULES = {"level_difference": {"enabled": True}, "same_level": {"enabled": True, "rates_bp": [300, 100]},
         "referral": {"enabled": True, "kind": "percent", "rate_bp": 200, "scope": "months", "months": 3},
         "team": {"enabled": True, "tiers": [{"from_fen": 1_000_000, "rate_bp": 100},
                                             {"from_fen": 5_000_000, "rate_bp": 300}]}}
WRITTEN_TABLES = ("order_settlement", "commission_line", "journal_entry", "posting", "notification")


def build_network(total, rng):
    """Levels, agents depth by depth (a level drawn by depth), closure rows, products and their level prices."""
    levels = [AgentLevel.create(name=name, rank=rank) for rank, name in
              enumerate(("联创", "总代理", "区域代理", "普通代理"), start=1)]
    now = utcnow()
    rows, ranges, previous = [], [], None
    for depth, size in enumerate(depth_sizes(total, roots=ROOTS, depth=DEPTH)):
        first = len(rows) + 1
        for agent_id in range(first, first + size):
            level = levels[min(3, max(0, depth // 2 + rng.choice((-1, 0, 0, 1))))]
            rows.append((agent_id, f"代理{agent_id}", "138%08d" % agent_id, rng.randint(*previous) if previous else None,
                         level.id, "active", f"B{agent_id:07d}", now - timedelta(days=rng.randint(1, 200))))
        previous = (first, first + size - 1)
        ranges.append(previous)
    columns = [Agent.id, Agent.name, Agent.phone, Agent.upline, Agent.level, Agent.status, Agent.invite_code,
               Agent.joined_at]
    with db.atomic():
        for start in range(0, len(rows), BULK):
            Agent.insert_many(rows[start:start + BULK], fields=columns).execute()
        insert_closure(db, ranges)
        products = [Product.create(name=f"商品{i}", cost_fen=2000 + 100 * i) for i in range(PRODUCTS)]
        LevelPrice.insert_many([{"product": p.id, "level": level.id, "price_fen": price + 100 * i}
                                for i, p in enumerate(products)
                                for level, price in zip(levels, LEVEL_PRICES)]).execute()
    db.execute_sql("ANALYZE TABLE agent, agent_closure, agent_level, level_price")  # fresh statistics after a bulk load
    agent_levels = {agent_id: level_id for agent_id, _, _, _, level_id, *_ in rows}
    prices = {(p.id, level.id): price + 100 * i
              for i, p in enumerate(products) for level, price in zip(levels, LEVEL_PRICES)}
    return agent_levels, products, prices


def paid_orders(count, first_id, agent_levels, products, prices, rng):
    """`count` PaidOrder facts of random buyers over the last 50 days, 1-3 lines each."""
    buyers = list(agent_levels)
    now = utcnow()
    orders = []
    for order_id in range(first_id, first_id + count):
        buyer = rng.choice(buyers)
        lines = []
        for product in rng.sample(products, rng.randint(1, 3)):
            quantity, price = rng.randint(1, 5), prices[(product.id, agent_levels[buyer])]
            lines.append(SoldLine(product_id=product.id, quantity=quantity, unit_price_fen=price,
                                  discount_fen=price * quantity * rng.choice((0, 0, 5)) // 100,
                                  unit_cost_fen=product.cost_fen))
        subtotal = sum(line.unit_price_fen * line.quantity for line in lines)
        discount = sum(line.discount_fen for line in lines)
        shipping = rng.choice((0, 1000))
        orders.append(PaidOrder(order_id=order_id, order_no=f"WS{order_id:09d}", buyer_agent_id=buyer,
                                paid_at=now - timedelta(minutes=rng.randint(0, 50 * 24 * 60)), lines=tuple(lines),
                                subtotal_fen=subtotal, discount_fen=discount, shipping_fen=shipping,
                                total_fen=subtotal - discount + shipping))
    return orders


def settle_in_batches(orders):
    started = time.perf_counter()
    for start in range(0, len(orders), SETTLE_BATCH):
        finance.settle_paid_orders(orders[start:start + SETTLE_BATCH])
    return time.perf_counter() - started


def _settle_worker(url, batches):
    create_app({"DATABASE_URL": url, "ENV": "bench"})
    db.connect(reuse_if_open=True)
    for batch in batches:
        finance.settle_paid_orders(batch)
    db.close()


def settle_in_workers(orders, workers, url):
    """Settle `orders` in batches dealt round-robin to `workers` processes, each with its own connection."""
    batches = [orders[start:start + SETTLE_BATCH] for start in range(0, len(orders), SETTLE_BATCH)]
    db.close()
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_settle_worker, args=(url, batches[index::workers]))
                 for index in range(workers)]
    started = time.perf_counter()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - started
    if any(process.exitcode for process in processes):
        sys.exit("a settling worker failed")
    db.connect(reuse_if_open=True)
    return elapsed


def settle_one_by_one(orders):
    started = time.perf_counter()
    for order in orders:
        finance.settle_paid_order(order)
    return time.perf_counter() - started


def rows_written():
    return sum(db.execute_sql(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in WRITTEN_TABLES)


def floor_rewrite():
    """The floor: the rows settlement wrote, written again into empty copies with plain multi-row INSERTs."""
    copies = {}
    for table in WRITTEN_TABLES:
        db.execute_sql(f"DROP TABLE IF EXISTS floor_{table}")
        db.execute_sql(f"CREATE TABLE floor_{table} LIKE {table}")
        cursor = db.execute_sql(f"SELECT * FROM {table}")
        copies[table] = (len(cursor.description), cursor.fetchall())
    rows = sum(len(data) for _, data in copies.values())
    started = time.perf_counter()
    for table, (width, data) in copies.items():
        placeholders = "(" + ", ".join(["%s"] * width) + ")"
        for start in range(0, len(data), SETTLE_BATCH):
            with db.atomic():
                db.cursor().executemany(f"INSERT INTO floor_{table} VALUES {placeholders}",
                                        data[start:start + SETTLE_BATCH])
    elapsed = time.perf_counter() - started
    for table in WRITTEN_TABLES:
        db.execute_sql(f"DROP TABLE floor_{table}")
    return elapsed, rows


def month_start(months_back):
    first = local_today().replace(day=1)
    for _ in range(months_back):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def load_year(count, agent_ids, rng, first_order_id):
    """`count` settlements over the last twelve months, 5% of them partly refunded, team bonuses, expenses."""
    first_day = month_start(11)
    span = (local_today() - first_day).days
    settlements, refunds = [], []
    for order_id in range(first_order_id, first_order_id + count):
        day = first_day + timedelta(days=rng.randint(0, span))
        subtotal = rng.randint(5, 50) * 1000
        discount, shipping = subtotal * rng.choice((0, 5)) // 100, rng.choice((0, 1000))
        cost, commission = subtotal * 35 // 100, subtotal * 20 // 100
        settlements.append((order_id, f"WS{order_id:09d}", rng.choice(agent_ids),
                            datetime.combine(day, datetime.min.time()), day, day.year * 100 + day.month,
                            subtotal, discount, shipping, subtotal - discount + shipping, cost, commission, "[]"))
        if rng.random() < 0.05:
            later = min(day + timedelta(days=rng.randint(0, 10)), local_today())
            refunds.append((f"bench:{order_id}", order_id, datetime.combine(later, datetime.min.time()), later,
                            later.year * 100 + later.month, subtotal // 2, 0, cost // 2, commission // 2))
    columns = [OrderSettlement.order_id, OrderSettlement.order_no, OrderSettlement.buyer_agent,
               OrderSettlement.paid_at, OrderSettlement.paid_on, OrderSettlement.period,
               OrderSettlement.subtotal_fen, OrderSettlement.discount_fen, OrderSettlement.shipping_fen,
               OrderSettlement.total_fen, OrderSettlement.cost_fen, OrderSettlement.commission_fen,
               OrderSettlement.lines]
    refund_columns = [SettlementRefund.refund_id, SettlementRefund.order, SettlementRefund.refunded_at,
                      SettlementRefund.refunded_on, SettlementRefund.period, SettlementRefund.goods_fen,
                      SettlementRefund.shipping_fen, SettlementRefund.cost_fen,
                      SettlementRefund.commission_reversed_fen]
    for start in range(0, len(settlements), BULK):
        with db.atomic():
            OrderSettlement.insert_many(settlements[start:start + BULK], fields=columns).execute()
    for start in range(0, len(refunds), BULK):
        with db.atomic():
            SettlementRefund.insert_many(refunds[start:start + BULK], fields=refund_columns).execute()
    with db.atomic():
        for months_back in range(12):
            first = month_start(months_back)
            period = first.year * 100 + first.month
            CommissionLine.insert_many([
                {"key": f"bench-team:{period}:{agent_id}", "period": period, "agent": agent_id, "rule": "team",
                 "depth": 0, "amount_fen": rng.randint(100, 10000) * 100, "status": "available",
                 "explanation": "团队奖"} for agent_id in agent_ids[:200]]).execute()
            Expense.insert_many([{"category": category, "spent_on": first, "period": period,
                                  "amount_fen": rng.randint(1000, 50000) * 100}
                                 for category in ("shipping", "marketing", "salaries", "rent", "other")
                                 for _ in range(30)]).execute()
    db.execute_sql("ANALYZE TABLE order_settlement, settlement_refund, commission_line, expense")
    return len(refunds)


def floor_groupby(first, last):
    """The floor: one bare aggregate of the settlements of the range (one column), grouped by month."""
    return db.execute_sql("SELECT period, SUM(subtotal_fen) FROM order_settlement WHERE period BETWEEN %s AND %s "
                          "GROUP BY period", (first.year * 100 + first.month, last.year * 100 + last.month)).fetchall()


def main():
    args = parse_args(__doc__, database="weishang_bench_finance",
                      quick="1,000 agents, 10,000 orders, 100,000 settlements",
                      extra=lambda parser: parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                                                               help="settling processes"))
    with fresh_database(args.url):
        run(args)


def run(args):
    agents_total, orders_total, year_total = sized(args, (100, 1_000, 2_000), (1_000, 10_000, 100_000),
                                                   (10_000, 100_000, 1_000_000))
    single_total = sized(args, SINGLE_ORDERS // 40, SINGLE_ORDERS // 4, SINGLE_ORDERS)
    repeats = sized(args, 2, 7, 7)
    sequential_total = orders_total // 10
    create_app({"DATABASE_URL": args.url, "ENV": "bench"})
    db.connect(reuse_if_open=True)
    migrate.upgrade()
    rng = random.Random(11)
    agent_levels, products, prices = build_network(agents_total, rng)
    finance.create_version(rules=RULES, effective_from=local_today())
    # in force for the orders of the last 50 days too (the service refuses a start in the past)
    db.execute_sql("UPDATE commission_rule_version SET effective_from = %s", (local_today() - timedelta(days=400),))

    orders = paid_orders(orders_total, 1, agent_levels, products, prices, rng)
    batch_s = settle_in_workers(orders, args.workers, args.url)
    lines = CommissionLine.select().count()
    batch_rows = rows_written()
    sequential = paid_orders(sequential_total, orders_total + 1, agent_levels, products, prices, rng)
    sequential_s = settle_in_batches(sequential)
    singles = paid_orders(single_total, orders_total + sequential_total + 1, agent_levels, products, prices, rng)
    single_s = settle_one_by_one(singles)
    again = orders[:SETTLE_BATCH * 4]
    again_s = settle_in_batches(again)
    floor_s, floor_rows = floor_rewrite()
    started = time.perf_counter()
    differences = finance.check_ledger()
    check_s = time.perf_counter() - started
    assert not differences, differences[:5]

    refunds = load_year(year_total, list(agent_levels), rng, orders_total + sequential_total + single_total + 1)
    settlements = OrderSettlement.select().count()
    first, last = month_start(11), local_today()
    this_month = month_start(0)
    period = lambda day: day.year * 100 + day.month  # noqa: E731
    year_ms = timed(lambda: finance.monthly_report(first=period(first), last=period(last)), repeats)
    month_ms = timed(lambda: finance.profit_report(start=this_month, end=last), repeats)
    floor_ms = timed(lambda: floor_groupby(first, last), repeats)

    figures = {
        "agents": agents_total, "orders_settled": orders_total, "commission_lines": lines,
        "settle_workers": args.workers, "settle_batched_s": round(batch_s, 1),
        "settle_batched_per_s": round(orders_total / batch_s), "settle_one_process_per_s": round(sequential_total / sequential_s),
        "settle_one_process_100k_estimate_s": round(100_000 * sequential_s / sequential_total, 1),
        "settle_single_orders": single_total, "settle_single_per_s": round(single_total / single_s),
        "settle_single_100k_estimate_s": round(100_000 * single_s / single_total, 1),
        "settle_again_noop_per_s": round(len(again) / again_s),
        "settle_rows_per_s": round(batch_rows / batch_s), "floor_rows": floor_rows,
        "floor_rewrite_s": round(floor_s, 1), "floor_rows_per_s": round(floor_rows / floor_s),
        "ratio_to_floor": round((batch_rows / batch_s) / (floor_rows / floor_s), 2), "check_s": round(check_s, 1),
        "report_settlements": settlements, "report_refunds": refunds,
        "monthly_report_year_ms": year_ms[0], "monthly_report_year_worst_ms": year_ms[1],
        "profit_report_month_ms": month_ms[0], "report_floor_groupby_ms": floor_ms[0],
    }
    print(f"network        {agents_total:>9,} agents, {DEPTH} deep, {PRODUCTS} products priced at 4 levels")
    print(f"settled        {orders_total:>9,} orders in batches of {SETTLE_BATCH} over {args.workers} processes: "
          f"{batch_s:.1f} s ({figures['settle_batched_per_s']:,}/s), {lines:,} commission lines")
    print(f"  in one process ({sequential_total:,} orders): {figures['settle_one_process_per_s']:,}/s "
          f"→ 100,000 would take {figures['settle_one_process_100k_estimate_s']} s")
    print(f"  one order per transaction ({single_total:,} orders): {figures['settle_single_per_s']:,}/s "
          f"→ 100,000 would take {figures['settle_single_100k_estimate_s']} s")
    print(f"  settling {len(again):,} of them again (no-op): {figures['settle_again_noop_per_s']:,}/s")
    print(f"  floor: the {floor_rows:,} rows written again by plain INSERTs: {floor_s:.1f} s "
          f"({figures['floor_rows_per_s']:,} rows/s; settling wrote {figures['settle_rows_per_s']:,} rows/s, "
          f"{figures['ratio_to_floor']}× the floor's rate)")
    print(f"  flask finance check over the ledger: {check_s:.1f} s, no differences")
    print(f"reports over   {settlements:>9,} settlements ({refunds:,} refunds), median / worst of {repeats} runs:")
    print(f"  monthly profit report, 12 months:  {year_ms[0]} / {year_ms[1]} ms")
    print(f"  profit report of this month:       {month_ms[0]} / {month_ms[1]} ms")
    print(f"  floor, one bare GROUP BY month:    {floor_ms[0]} / {floor_ms[1]} ms")
    emit(figures)
    db.close()


if __name__ == "__main__":
    main()
