"""Console benchmark: the dashboard's server time over a brand with 10,000 agents and 1,000,000 orders (MariaDB).

    .venv/bin/python bench/console.py [--smoke | --quick] [--url mysql://root@127.0.0.1:3306/weishang_bench_console]

The database named in --url is created afresh (and dropped at the end) and filled: the agent network by bulk insert
(bench/agents.py), 1,000,000 paid orders over the last year with two lines each
(bench/orders.py), a few stock rows under their threshold and pending applications.
Then the owner's dashboard `GET /admin/` is rendered through the Flask test client
(signed in through the login form) several times; the figures are its median and
worst, each section's share (`app.dashboard.figures` per section), and as the floor
the same client rendering a page with no figures (`GET /admin/password`). Ends with
one line of JSON.
"""
import logging
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app, dashboard, migrate  # noqa: E402
from app.database import db  # noqa: E402
from bench.agents import build_network  # noqa: E402
from bench.common import emit, fresh_database, parse_args, sized, timed  # noqa: E402
from bench.orders import bulk_orders  # noqa: E402

PRODUCTS = 20
RUNS = 7
PASSWORD = "bench-password-1"


def seed(agents, orders):
    """The brand: agents, priced and stocked products (some under threshold), orders, pending applications."""
    from app.accounts import service as accounts
    from app.agents.models import Agent, AgentLevel
    from app.orders import rollup
    from tests.factories import make_application, orderable

    build_network(agents, random.Random(7))
    products = [orderable(100, on_hand=5 if i < 3 else 1000, name=f"商品{i}", low_stock_threshold=10)[0].id
                for i in range(PRODUCTS)]
    bulk_orders(orders, AgentLevel.select().order_by(AgentLevel.rank.desc()).first().id, products)
    rollup.rebuild()  # the bulk insert bypasses the daily figures the dashboard's charts read
    for inviter in Agent.select().order_by(Agent.id).limit(5):
        make_application(inviter)
    accounts.create_admin_user(username="bench-owner", password=PASSWORD, role="owner")


def signed_in_client(app):
    """A test client signed in as the owner through the login form."""
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/admin/login", data={"username": "bench-owner", "password": PASSWORD,
                                                 "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def render(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response


def main():
    options = parse_args(__doc__, database="weishang_bench_console", quick="2,000 agents and 20,000 orders")
    logging.disable(logging.INFO)
    with fresh_database(options.url):
        run(options)


def run(options):
    agents, orders = sized(options, (200, 1_000), (2_000, 20_000), (10_000, 1_000_000))
    runs = sized(options, 2, RUNS, RUNS)
    app = create_app({"DATABASE_URL": options.url, "SECRET_KEY": "bench-secret"})
    db.connect(reuse_if_open=True)
    migrate.upgrade()
    began = time.perf_counter()
    seed(agents, orders)
    seeded_s = time.perf_counter() - began
    db.close()

    client = signed_in_client(app)
    page = render(client, "/admin/").get_data(as_text=True)
    assert "近30天销售额" in page and page.count("<svg") == 3, "the dashboard lacks its sales chart or a bar chart"
    dashboard_ms = timed(lambda: render(client, "/admin/"), runs)
    floor_ms = timed(lambda: render(client, "/admin/password"), runs)
    db.connect(reuse_if_open=True)
    sections_ms = {section: timed(lambda section=section: dashboard.figures(sections={section}), 3)[0]
                   for section in dashboard.SECTIONS}
    db.close()

    figures = {"agents": agents, "orders": orders, "seed_seconds": round(seeded_s, 1), "runs": runs,
               "dashboard_median_ms": dashboard_ms[0], "dashboard_worst_ms": dashboard_ms[1],
               "floor_page_median_ms": floor_ms[0], "sections_ms": sections_ms}
    print(f"seeded {agents:,} agents and {orders:,} orders in {figures['seed_seconds']} s")
    print(f"dashboard GET /admin/ over {runs} runs: median {figures['dashboard_median_ms']} ms, worst "
          f"{figures['dashboard_worst_ms']} ms (floor: a page with no figures, median "
          f"{figures['floor_page_median_ms']} ms)")
    print("per section (median ms): " + ", ".join(f"{name} {ms}" for name, ms in sections_ms.items()))
    emit(figures)


if __name__ == "__main__":
    main()
