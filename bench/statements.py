"""SQL statements per hot use case: place an order, confirm its payment, refund, cancel and ship it, a consumer's scan,
an agent's order list, a 转货, a WeChat Pay APIv3 payment notification.

Counts, not times: they do not depend on the machine, so tests/test_statement_budgets.py holds them under their
budgets. The world is the tests' own (tests/factories.py) on a MariaDB database of the bench's own; each use case
is counted on its second run, after a first one has warmed what a process caches.
"""
import os
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from app import create_app, migrate  # noqa: E402
from bench.common import emit, fresh_database, parse_args  # noqa: E402
from tests.fake_wechat import FakeWeChat  # noqa: E402
from tests.fake_wechat_pay_v3 import FakeWeChatPayV3  # noqa: E402
from tests.statements import BUDGETS, TARGETS, per_use_case  # noqa: E402

MP_APPID, MP_SECRET, PAY_MCH_ID = "wx-bench-mp", "bench-mp-secret", "1900009191"


def main():
    options = parse_args(__doc__, database="weishang_bench_statements",
                         quick="the same counts (they do not depend on the run's size)",
                         smoke="the same counts")
    with (fresh_database(options.url) as url, FakeWeChat() as fake, FakeWeChatPayV3() as fake_pay,
          tempfile.TemporaryDirectory() as folder):
        fake.add_app(MP_APPID, MP_SECRET)
        fake_pay.merchant_settings = fake_pay.merchant_with_files(PAY_MCH_ID, appid=MP_APPID, folder=folder)
        application = create_app({"DATABASE_URL": url, "ENV": "testing", "SECRET_KEY": uuid.uuid4().hex * 2,
                                  "WECHAT_API_BASE": fake.url, "WECHAT_MP_APPID": MP_APPID,
                                  "WECHAT_MP_SECRET": MP_SECRET})
        with application.app_context():
            migrate.upgrade()
            counts = {name: len(statements) for name, statements in per_use_case(application, fake, fake_pay).items()}
    print(f"{'use case':<24} {'statements':>10} {'budget':>7} {'target':>7}")
    for name, count in counts.items():
        print(f"{name:<24} {count:>10} {BUDGETS[name]:>7} {TARGETS.get(name, '-'):>7}")
    emit({"statements": counts, "budgets": BUDGETS, "targets": TARGETS})


if __name__ == "__main__":
    main()
