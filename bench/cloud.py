"""Cloud-stock and authorization benchmark: 转货 per second from one upline's hot product against the raw floor,
and the certificate image (授权书 PNG) drawn per second on one core.

    .venv/bin/python bench/cloud.py [--smoke | --quick] [--clients 16] [--url mysql://root@127.0.0.1:3306/weishang_bench_cloud]

转货 (cloud stock): every client is a downline of the same upline buying one unit at a time from the upline's cloud
stock of one product (the hot row), paying from its goods balance. The raw floor is what any ledgered decrement of
that row costs: one INSERT of a move and the guarded UPDATE, one transaction, straight mysqlclient (the app's own
driver, so that the ratio compares like with like). Target: the service at least 0.5 of the floor.

Certificates: one process, one thread — one core — drawing certificates of agents with distinct names, regions and
numbers (no image is drawn twice), against the raw floor of any PNG of the same size: the cached background copied
and written at the same compression, with no text and no QR. Then the same served through the service as the
mini-program asks for it (the agent and its current certificate read from MariaDB, then drawn). Target: at least
50 images per second.

The database named in --url is created afresh and dropped at the end. Prints readable figures, then one line of JSON.
"""
import io
import itertools
import logging
import os
import sys
import time

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app, migrate, reference  # noqa: E402
from app.agents import service as agents  # noqa: E402
from app.agents.models import AgentLevel  # noqa: E402
from app.authorization import drawing  # noqa: E402
from app.authorization import service as authorization  # noqa: E402
from app.authorization.certificates import ALPHABET, RANDOM_LENGTH, Certificate  # noqa: E402
from app.catalog import service as catalog  # noqa: E402
from app.cloud import service as cloud  # noqa: E402
from app.config import get_settings  # noqa: E402
from app.database import db  # noqa: E402
from app.finance import service as finance  # noqa: E402
from app.inventory import service as inventory  # noqa: E402
from app.inventory.schemas import StockLine  # noqa: E402
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
    """cloud.transfer_from_upline, one unit per call, each client a downline of its own; each call reads the
    reference data's versions once, as the mini-program request that asks for a 转货 does (app/reference.py)."""
    clients = itertools.count()

    def make(client):
        db.connect(reuse_if_open=True)
        downline = downlines[next(clients) % len(downlines)]
        counter = itertools.count()

        def op():
            with reference.scope():
                cloud.transfer_from_upline(downline=downline, product_id=product_id, quantity=1,
                                           idempotency_key=f"bench:{client}:{next(counter)}")

        return op, db.close
    return make


def setup_transfers(clients):
    """An upline holding HOT_UNITS of a product in cloud stock and `clients` downlines with goods money."""
    rank = (AgentLevel.select(AgentLevel.rank).order_by(AgentLevel.rank.desc()).scalar() or 0) + 1
    top = AgentLevel.create(name="总代理", rank=rank)
    low = AgentLevel.create(name="普通代理", rank=rank + 1)
    product = catalog.create_product(name="玫瑰面霜", cost_fen=1000, retail_fen=30000)
    prices = {top.id: 6000, low.id: 9000}
    for level in agents.active_levels():  # a product is orderable only once every active level has a price
        catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=prices.get(level.id, 9000))
    warehouse = inventory.create_warehouse(name="华南仓", provinces=["广东省"])
    inventory.receive(warehouse_id=warehouse.id, lines=[{"product_id": product.id, "quantity": HOT_UNITS}])
    upline = agents.create_agent(actor_id=None, name="上级", phone="13600000000", level_id=top.id,
                                 province="广东省", city="深圳市")
    # The upline's cloud units, as a paid cloud order stores them (an order holds at most 9,999 units).
    lines = [StockLine(product.id, HOT_UNITS)]
    with db.atomic():
        inventory.hold_for_cloud(reference="bench:seed", warehouse_id=warehouse.id, lines=lines)
        cloud.add_purchase(agent_id=upline.id, warehouse_id=warehouse.id, lines=lines, reference="bench:seed")
    downlines = []
    for n in range(clients):
        downline = agents.create_agent(actor_id=None, name=f"下级{n}", phone=f"137{n:08d}", level_id=low.id,
                                       province="广东省", city="深圳市", upline_id=upline.id)
        with db.atomic():
            finance.credit_goods(agent_id=downline.id, amount_fen=MONEY_FEN, reason="topup", reference=f"bench:{n}")
        downlines.append(agents.get_agent(downline.id))
    return upline, product, warehouse, downlines


CERTIFICATE_TARGET_PER_SECOND = 50
CITIES = (("广东省", "深圳市"), ("浙江省", "杭州市"), ("四川省", "成都市"), ("北京市", "北京市"),
          ("新疆维吾尔自治区", "乌鲁木齐市"))


def _rate(seconds, op):
    """(calls per wall second, calls per CPU second of this process) of `op(i)` over `seconds` (at least 3 calls).
    The CPU figure is the one core's worth whatever else the machine runs; the wall figure includes waits."""
    done, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while done < 3 or time.perf_counter() - start < seconds:
        op(done)
        done += 1
    return done / (time.perf_counter() - start), done / max(time.process_time() - cpu_start, 1e-9)


def _sample(index):
    province, city = CITIES[index % len(CITIES)]
    digits = "".join(ALPHABET[(index >> (5 * place)) % 32] for place in range(RANDOM_LENGTH))
    return Certificate(id=index, number=f"SQ2026{digits}",
                       agent_id=index, agent_name=f"代理{index}号", level_name="区域代理", province=province, city=city,
                       term_start=None, term_end=None, issued_at=None, current=True)


def certificate_figures(seconds, agent_ids):
    """Certificate images per second: the raw PNG floor, drawn (one core), and served through the service."""
    brand = get_settings().BRAND_NAME
    background = drawing._background(brand, "")

    palette = drawing._palette(brand, "")

    def floor(_index):
        buffer = io.BytesIO()
        background.copy().quantize(palette=palette, dither=Image.Dither.NONE).save(buffer, format="PNG",
                                                                                   compress_level=1)

    drawing.certificate_png(_sample(0), brand=brand)  # fonts, background and palette, once per process
    floor_wall, floor_cpu = _rate(seconds, floor)
    drawn_wall, drawn_cpu = _rate(seconds, lambda index: drawing.certificate_png(_sample(index), brand=brand))
    served_wall, _ = _rate(seconds, lambda index: authorization.certificate_png(
        agent_id=agent_ids[index % len(agent_ids)]))
    return {"floor_per_cpu_second": round(floor_cpu), "drawn_per_cpu_second": round(drawn_cpu),
            "floor_per_second": round(floor_wall), "drawn_per_second": round(drawn_wall),
            "served_per_second": round(served_wall), "png_bytes": len(drawing.certificate_png(_sample(1), brand=brand)),
            "drawn_to_floor_ratio": round(drawn_cpu / floor_cpu, 2), "target_per_second": CERTIFICATE_TARGET_PER_SECOND,
            "load_average": round(os.getloadavg()[0], 1)}


def setup_agents(count):
    """`count` active agents, each with its certificate issued."""
    level = AgentLevel.create(name="区域代理", rank=1)
    ids = []
    for n in range(count):
        province, city = CITIES[n % len(CITIES)]
        agent = agents.create_agent(actor_id=None, name=f"代理{n}", phone=f"139{n:08d}", level_id=level.id,
                                    province=province, city=city)
        authorization.certificate_for_agent(agent_id=agent.id)
        ids.append(agent.id)
    return ids


def transfer_figures(args, rounds, seconds, upline, product, warehouse, downlines):
    """转货 per second through the service against the raw floor, phases interleaved."""
    print(f"转货 from one upline's hot product, {args.clients} concurrent downlines, {rounds} rounds of {seconds} s "
          "per phase (phases interleaved; medians shown)")
    phases = [("raw: move + guarded UPDATE", "raw", raw_worker(args.url, upline.id, product.id, warehouse.id)),
              ("service: transfer_from_upline", "service", service_worker(downlines, product.id))]
    figures = {"clients": args.clients, "rounds": rounds, "seconds_per_phase": seconds,
               **run_phases(args.url, phases, clients=args.clients, rounds=rounds, seconds=seconds, unit="转货/s")}
    figures["transfer_to_raw_ratio"] = round(figures["service"]["per_second"] / figures["raw"]["per_second"], 2)
    print(f"  转货 / raw floor = {figures['transfer_to_raw_ratio']:.2f} (target >= 0.5)")
    return figures


def main():
    args = parse_args(__doc__, database="weishang_bench_cloud", quick="short phases",
                      extra=lambda parser: parser.add_argument("--clients", type=int, default=16))
    with fresh_database(args.url):
        run(args)


def run(args):
    rounds, transfer_seconds = sized(args, (1, 1), (2, 2), (3, 6))
    seconds = sized(args, 0.3, 2, 5)
    app = create_app({"DATABASE_URL": args.url, "BRAND_NAME": "玫瑰之约", "DB_MAX_CONNECTIONS": args.clients + 8})
    logging.getLogger().setLevel(logging.WARNING)
    migrate.upgrade()
    figures = {"seconds_per_phase": seconds}
    with app.app_context():
        agent_ids = setup_agents(sized(args, 5, 50, 200))
        figures["certificate"] = certificate_figures(seconds, agent_ids)
        upline, product, warehouse, downlines = setup_transfers(args.clients)
    db.close()
    certificate = figures["certificate"]
    print(f"授权书 PNG (750×1060, {certificate['png_bytes'] // 1024} KB), one thread, {seconds} s per phase, "
          f"load average {certificate['load_average']} (per CPU second: one core's worth; per second: wall clock)")
    print(f"  raw floor: background copied and written  {certificate['floor_per_cpu_second']:6d} /CPU-s "
          f"{certificate['floor_per_second']:6d} /s")
    print(f"  drawn: drawing.certificate_png             {certificate['drawn_per_cpu_second']:6d} /CPU-s "
          f"{certificate['drawn_per_second']:6d} /s   ({certificate['drawn_to_floor_ratio']:.2f} of the floor's cost "
          f"rate; target >= {CERTIFICATE_TARGET_PER_SECOND} per CPU second)")
    print(f"  served: authorization.certificate_png                  {certificate['served_per_second']:6d} /s   "
          "(agent and current certificate read from MariaDB, then drawn)")
    figures["transfer"] = transfer_figures(args, rounds, transfer_seconds, upline, product, warehouse, downlines)
    emit(figures)


if __name__ == "__main__":
    main()
