"""Goods-balance benchmark: debits per second of one hot balance and 转货-style payments into one hot upline,
service layer (finance.debit_goods / credit_goods) against the raw guarded-UPDATE floor, and `flask finance check`
over a large goods ledger.

    .venv/bin/python bench/goods.py [--smoke | --quick] [--url mysql://root@127.0.0.1:3306/weishang_bench_goods]

The database named in --url is created afresh and dropped at the end. Prints readable figures, then one line of JSON.
"""
import itertools
import logging
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app, migrate  # noqa: E402
from app.agents import service as agents  # noqa: E402
from app.database import db  # noqa: E402
from app.finance import service as finance  # noqa: E402
from bench.common import emit, fresh_database, parse_args, raw_connection, sized  # noqa: E402
from bench.stock import run_phases  # noqa: E402

HOT_BALANCE = 10**12  # fen: never runs out during a run
BUYER_BALANCE = 10**10
INSERT_ENTRY = ("INSERT INTO goods_entry (`key`, agent_id, reason, reference, amount_fen, held_fen, memo, actor, "
                "created_at) VALUES (%s, %s, %s, %s, %s, 0, '', 'bench', UTC_TIMESTAMP())")
DEBIT = "UPDATE goods_balance SET balance_fen = balance_fen - 1 WHERE agent_id = %s AND balance_fen - 1 >= 0"
CREDIT = "UPDATE goods_balance SET balance_fen = balance_fen + 1 WHERE agent_id = %s"


def raw_debit_worker(url, agent_id):
    """One entry INSERT and the guarded UPDATE of the hot balance per transaction, straight mysqlclient (the app's
    driver)."""
    def make(client):
        connection = raw_connection(url)
        cursor, counter = connection.cursor(), itertools.count()

        def op():
            reference = f"raw:{client}:{next(counter)}"
            cursor.execute(INSERT_ENTRY, (f"out:order:{reference}", agent_id, "out:order", reference, -1))
            assert cursor.execute(DEBIT, (agent_id,)) == 1
            connection.commit()
        return op, connection.close
    return make


def service_debit_worker(agent_id):
    """finance.debit_goods in its own transaction, 1 fen per call, each thread on its own pooled connection."""
    def make(client):
        db.connect(reuse_if_open=True)
        counter = itertools.count()

        def op():
            with db.atomic():
                finance.debit_goods(agent_id=agent_id, amount_fen=1, reason="order",
                                    reference=f"bench:{client}:{next(counter)}")
        return op, db.close
    return make


def raw_transfer_worker(url, buyers, upline_id):
    """A 转货's money, raw: the buyer's entry and guarded debit, the upline's entry and credit (hot row last)."""
    def make(client):
        connection = raw_connection(url)
        cursor, counter = connection.cursor(), itertools.count()
        buyer = buyers[int(client.split(":")[1]) % len(buyers)]

        def op():
            reference = f"raw:{client}:{next(counter)}"
            cursor.execute(INSERT_ENTRY, (f"out:transfer:{reference}", buyer, "out:transfer", reference, -1))
            assert cursor.execute(DEBIT, (buyer,)) == 1
            cursor.execute(INSERT_ENTRY, (f"in:transfer:{reference}", upline_id, "in:transfer", reference, 1))
            cursor.execute(CREDIT, (upline_id,))
            connection.commit()
        return op, connection.close
    return make


def service_transfer_worker(buyers, upline_id):
    """debit_goods of the buyer then credit_goods of the hot upline, in one transaction, as the cloud stock's 转货."""
    def make(client):
        db.connect(reuse_if_open=True)
        counter = itertools.count()
        buyer = buyers[int(client.split(":")[1]) % len(buyers)]

        def op():
            reference = f"bench:{client}:{next(counter)}"
            with db.atomic():
                finance.debit_goods(agent_id=buyer, amount_fen=1, reason="transfer", reference=reference)
                finance.credit_goods(agent_id=upline_id, amount_fen=1, reason="transfer", reference=reference)
        return op, db.close
    return make


def fill_ledger(url, entries, agent_ids):
    """`entries` credit entries spread over `agent_ids`, and their balance rows set to match."""
    connection = raw_connection(url)
    cursor, batch = connection.cursor(), 10_000
    for start in range(0, entries, batch):
        values = ",".join(f"('in:adjustment:fill:{i}',{agent_ids[i % len(agent_ids)]},'in:adjustment','fill:{i}',"
                          f"100,0,'','bench',UTC_TIMESTAMP())" for i in range(start, min(entries, start + batch)))
        cursor.execute("INSERT INTO goods_entry (`key`, agent_id, reason, reference, amount_fen, held_fen, memo, "
                       "actor, created_at) VALUES " + values)
        connection.commit()
    cursor.execute("INSERT INTO goods_balance (agent_id, balance_fen, held_fen) SELECT agent_id, SUM(amount_fen), "
                   "SUM(held_fen) FROM goods_entry GROUP BY agent_id ON DUPLICATE KEY UPDATE "
                   "balance_fen = VALUES(balance_fen), held_fen = VALUES(held_fen)")
    connection.commit()
    cursor.execute("SELECT COUNT(*) FROM goods_entry")
    total = cursor.fetchone()[0]
    connection.close()
    return total


def main():
    args = parse_args(__doc__, database="weishang_bench_goods", quick="short phases and a 100,000-entry ledger",
                      extra=lambda parser: parser.add_argument("--clients", type=int, default=16))
    with fresh_database(args.url):
        run(args)


def run(args):
    rounds, seconds = sized(args, (1, 1), (2, 2), (3, 6))
    ledger_entries = sized(args, 10_000, 100_000, 1_000_000)
    app = create_app({"DATABASE_URL": args.url, "DB_MAX_CONNECTIONS": args.clients + 8})
    logging.getLogger().setLevel(logging.WARNING)
    migrate.upgrade()
    level = agents.create_level(name="总代理", rank=1)
    make = lambda name, upline=None: agents.create_agent(  # noqa: E731
        actor_id=None, name=name, phone="13800000000", level_id=level.id, upline_id=upline, province="广东省",
        city="深圳市")
    hot, upline = make("热门代理"), make("上级")
    buyers = [make(f"下级{n}", upline.id).id for n in range(args.clients)]
    with db.atomic():
        finance.credit_goods(agent_id=hot.id, amount_fen=HOT_BALANCE, reason="adjustment", reference="bench:hot")
        for buyer in buyers:
            finance.credit_goods(agent_id=buyer, amount_fen=BUYER_BALANCE, reason="adjustment",
                                 reference=f"bench:buyer:{buyer}")
        finance.credit_goods(agent_id=upline.id, amount_fen=1, reason="adjustment", reference="bench:upline")
    db.close()

    print(f"{args.clients} concurrent clients, {rounds} rounds of {seconds} s per phase (phases interleaved; medians)")
    figures = {"clients": args.clients, "rounds": rounds, "seconds_per_phase": seconds}
    phases = [
        ("raw: debit one hot balance", "raw_debit", raw_debit_worker(args.url, hot.id)),
        ("service: finance.debit_goods", "service_debit", service_debit_worker(hot.id)),
        ("raw: 转货 into one upline", "raw_transfer", raw_transfer_worker(args.url, buyers, upline.id)),
        ("service: debit + credit_goods", "service_transfer", service_transfer_worker(buyers, upline.id)),
    ]
    figures.update(run_phases(args.url, phases, clients=args.clients, rounds=rounds, seconds=seconds, unit="/s"))
    for kind in ("debit", "transfer"):
        figures[f"{kind}_service_to_raw_ratio"] = round(
            figures[f"service_{kind}"]["per_second"] / max(1, figures[f"raw_{kind}"]["per_second"]), 2)
        print(f"  {kind}: service / raw floor = {figures[f'{kind}_service_to_raw_ratio']:.2f} (target >= 0.5)")

    with app.app_context():
        checked_before = finance.check_ledger()
        figures["ledger_clean_after_load"] = not [d for d in checked_before if d.what.startswith("goods")]
        began = time.perf_counter()
        total = fill_ledger(args.url, ledger_entries, [make(f"代理{n}").id for n in range(sized(args, 50, 500, 1000))])
        db.close()
        fill_seconds = time.perf_counter() - began
        began = time.perf_counter()
        result = app.test_cli_runner().invoke(args=["finance", "check"])
        check_seconds = time.perf_counter() - began
    figures["check"] = {"entries": total, "seconds": round(check_seconds, 2), "exit_code": result.exit_code,
                        "fill_seconds": round(fill_seconds, 1)}
    print(f"goods ledger clean after the load: {figures['ledger_clean_after_load']}; flask finance check over "
          f"{total:,} goods entries: {check_seconds:.2f} s (exit {result.exit_code})")
    emit(figures)


if __name__ == "__main__":
    main()
