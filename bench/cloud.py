"""Cloud-stock benchmark: 转货 per second from one upline's hot product, the service against the raw floor.

    .venv/bin/python bench/cloud.py [--smoke | --quick] [--url mysql://root@127.0.0.1:3306/weishang_bench_cloud]

Every client is a downline of the same upline buying one unit at a time from the upline's cloud stock of one
product (the hot row), paying from its goods balance. The raw floor is what any ledgered decrement of that row
costs: one INSERT of a move and the guarded UPDATE, one transaction, straight PyMySQL. The database named in --url
is created afresh and dropped at the end. Prints readable figures, then one line of JSON.
"""
import itertools
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app, migrate  # noqa: E402
from app.agents import service as agents  # noqa: E402
from app.agents.models import AgentLevel  # noqa: E402
from app.catalog import service as catalog  # noqa: E402
from app.cloud import service as cloud  # noqa: E402
from app.database import db  # noqa: E402
from app.finance import service as finance  # noqa: E402
from app.inventory import service as inventory  # noqa: E402
from bench.common import emit, fresh_database, parse_args, raw_connection, sized  # noqa: E402
from bench.stock import run_phases  # noqa: E402

HOT_UNITS = 10**8
MONEY_FEN = 10**12


def raw_worker(url, upline_id, product_id, warehouse_id):
    """One move INSERT and the guarded UPDATE of the upline's row per transaction."""
    def make(client):
        connection = raw_connection(url)
        cursor = connection.cursor()
        counter = itertools.count()
        insert = ("INSERT INTO cloud_move (agent_id, product_id, warehouse_id, delta, reason, reference, actor, "
                  "created_at) VALUES (%s, %s, %s, -1, 'transfer_out', %s, '', UTC_TIMESTAMP())")
        update = ("UPDATE cloud_stock SET units = units - 1 WHERE agent_id = %s AND product_id = %s "
                  "AND warehouse_id = %s AND units >= 1")

        def op():
            cursor.execute(insert, (upline_id, product_id, warehouse_id, f"raw:{client}:{next(counter)}"))
            assert cursor.execute(update, (upline_id, product_id, warehouse_id)) == 1
            connection.commit()

        return op, connection.close
    return make


def service_worker(downlines, product_id):
    """cloud.transfer_from_upline, one unit per call, each client a downline of its own."""
    clients = itertools.count()

    def make(client):
        db.connect(reuse_if_open=True)
        downline = downlines[next(clients) % len(downlines)]
        counter = itertools.count()

        def op():
            cloud.transfer_from_upline(downline=downline, product_id=product_id, quantity=1,
                                       idempotency_key=f"bench:{client}:{next(counter)}")

        return op, db.close
    return make


def setup(clients):
    top = AgentLevel.create(name="总代理", rank=1)
    low = AgentLevel.create(name="普通代理", rank=2)
    product = catalog.create_product(name="玫瑰面霜", cost_fen=1000, retail_fen=30000)
    for level, fen in ((top, 6000), (low, 9000)):
        catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=fen)
    warehouse = inventory.create_warehouse(name="华南仓", provinces=["广东省"])
    inventory.receive(warehouse_id=warehouse.id, lines=[{"product_id": product.id, "quantity": HOT_UNITS}])
    upline = agents.create_agent(actor_id=None, name="上级", phone="13800000000", level_id=top.id,
                                 province="广东省", city="深圳市")
    # The upline's cloud units, as a paid cloud order stores them (an order holds at most 9,999 units).
    lines = [{"product_id": product.id, "quantity": HOT_UNITS}]
    with db.atomic():
        inventory.hold_for_cloud(reference="bench:seed", warehouse_id=warehouse.id, lines=lines)
        cloud.add_purchase(agent_id=upline.id, warehouse_id=warehouse.id, lines=lines, reference="bench:seed")
    downlines = []
    for n in range(clients):
        downline = agents.create_agent(actor_id=None, name=f"下级{n}", phone=f"139{n:08d}", level_id=low.id,
                                       province="广东省", city="深圳市", upline_id=upline.id)
        with db.atomic():
            finance.credit_goods(agent_id=downline.id, amount_fen=MONEY_FEN, reason="topup", reference=f"bench:{n}")
        downlines.append(agents.get_agent(downline.id))
    return upline, product, warehouse, downlines


def main():
    args = parse_args(__doc__, database="weishang_bench_cloud", quick="short phases",
                      extra=lambda parser: parser.add_argument("--clients", type=int, default=16))
    with fresh_database(args.url):
        run(args)


def run(args):
    rounds, seconds = sized(args, (1, 1), (2, 2), (3, 6))
    app = create_app({"DATABASE_URL": args.url, "DB_MAX_CONNECTIONS": args.clients + 8})
    logging.getLogger().setLevel(logging.WARNING)
    migrate.upgrade()
    with app.app_context():
        upline, product, warehouse, downlines = setup(args.clients)
    db.close()
    print(f"转货 from one upline's hot product, {args.clients} concurrent downlines, {rounds} rounds of {seconds} s "
          "per phase (phases interleaved; medians shown)")
    figures = {"clients": args.clients, "rounds": rounds, "seconds_per_phase": seconds}
    phases = [("raw: move + guarded UPDATE", "raw", raw_worker(args.url, upline.id, product.id, warehouse.id)),
              ("service: transfer_from_upline", "service", service_worker(downlines, product.id))]
    figures.update(run_phases(args.url, phases, clients=args.clients, rounds=rounds, seconds=seconds, unit="转货/s"))
    figures["transfer_to_raw_ratio"] = round(figures["service"]["per_second"] / figures["raw"]["per_second"], 2)
    print(f"  转货 / raw floor = {figures['transfer_to_raw_ratio']:.2f} (target >= 0.5)")
    emit(figures)


if __name__ == "__main__":
    main()
