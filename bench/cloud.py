"""Cloud-stock and authorization benchmark: the certificate image (授权书 PNG) drawn per second on one core.

    .venv/bin/python bench/cloud.py [--smoke | --quick] [--url mysql://root@127.0.0.1:3306/weishang_bench_cloud]

Certificates (this part): one process, one thread — one core — drawing certificates of agents with distinct
names, regions and numbers (no image is drawn twice), against the raw floor of any PNG of the same size: the
cached background copied and written at the same compression, with no text and no QR. Then the same served
through the service as the mini-program asks for it (the agent and its current certificate read from MariaDB,
then drawn). Target: at least 50 images per second.

The 转货 part (cloud stock: transfers from one upline's hot product against the raw guarded UPDATE floor) is the
cloud-stock branch's, and joins `run` below as its own phase. The database named in --url is created afresh and
dropped at the end. Prints readable figures, then one line of JSON.
"""
import io
import logging
import os
import sys
import time

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app, migrate  # noqa: E402
from app.agents import service as agents  # noqa: E402
from app.agents.models import AgentLevel  # noqa: E402
from app.authorization import drawing  # noqa: E402
from app.authorization import service as authorization  # noqa: E402
from app.authorization.certificates import ALPHABET, RANDOM_LENGTH, Certificate  # noqa: E402
from app.config import get_settings  # noqa: E402
from app.database import db  # noqa: E402
from bench.common import emit, fresh_database, parse_args, sized  # noqa: E402

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


def main():
    args = parse_args(__doc__, database="weishang_bench_cloud", quick="short phases")
    with fresh_database(args.url):
        run(args)


def run(args):
    seconds = sized(args, 0.3, 2, 5)
    app = create_app({"DATABASE_URL": args.url, "BRAND_NAME": "玫瑰之约"})
    logging.getLogger().setLevel(logging.WARNING)
    migrate.upgrade()
    figures = {"seconds_per_phase": seconds}
    with app.app_context():
        agent_ids = setup_agents(sized(args, 5, 50, 200))
        figures["certificate"] = certificate_figures(seconds, agent_ids)
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
    emit(figures)


if __name__ == "__main__":
    main()
