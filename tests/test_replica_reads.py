"""Reports on a read replica: a private primary and replica (GTID replication) started here, on loopback ports.

A report reads the replica (proved by stopping replication: the report shows the replica's older figures and
says how old they are), falls back to the primary past REPLICA_MAX_LAG_SECONDS, stays on the primary inside a
use case's transaction, and keeps answering when the replica is killed.
"""
import re
import threading

import pytest
import requests

from app import migrate
from app.database import db, forget_replica_state, init_replica, is_mysql, open_database
from app.orders import reports
from app.tokens import issue_token
from tests.browser import DESKTOP, PHONE, browser, screenshot  # noqa: F401  (browser is a fixture)
from tests.conftest import _empty_every_table
from tests.factories import advanced, console_login, make_admin, make_agent, orderable, place
from tests.faults import PrivateMariaDB, free_port, wait_until
from tests.replicas import ReplicaPair
from tests.test_console_browser import sign_in  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.mysql_only, pytest.mark.committed]

REPORT = "/admin/api/order-reports/product"
MAX_LAG = 30


@pytest.fixture(scope="module")
def pair(app, tmp_path_factory):
    if not is_mysql():
        pytest.skip("needs MySQL")
    if not PrivateMariaDB.available():
        pytest.skip("needs the mariadbd and mariadb-install-db binaries to run private servers")
    servers = ReplicaPair(tmp_path_factory.mktemp("replica-pair")).start()
    primary_url, replica_url = servers.create_database("weishang")
    session_database, primary = db.primary, open_database(primary_url)
    db.initialize(primary)
    migrate.upgrade()
    db.close()
    db.initialize(session_database)
    servers.urls = (primary, replica_url)
    yield servers
    primary.close_all()
    servers.close()


@pytest.fixture
def on_pair(pair):
    """The app's database is the pair's primary and its reports may read the replica; emptied afterwards."""
    primary, replica_url = pair.urls
    session_database = db.primary
    db.initialize(primary)
    init_replica(replica_url, max_lag_seconds=MAX_LAG)
    yield pair
    init_replica(None, max_lag_seconds=MAX_LAG)
    if pair.replica.process.poll() is not None:
        pair.replica.start()
    pair.start_replication()
    _empty_every_table()
    db.initialize(session_database)


@pytest.fixture
def owner_headers(on_pair):
    owner = make_admin("owner")
    return {"Authorization": "Bearer " + issue_token("admin", owner.id, owner.token_version)}


def units_sold(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return sum(row["units"] for row in response.get_json())


def sold(units):
    """A paid order of `units` (committed on the primary)."""
    agent = make_agent()
    product, _ = orderable(100)
    advanced(place(agent, (product, units)), "pay")


def replica_frozen_behind(pair, seconds):
    """Replication stopped with the replica's heartbeat `seconds` old, as when it stopped that long ago."""
    pair.primary.sql(f"UPDATE weishang.replica_heartbeat SET beat_at = UTC_TIMESTAMP() - INTERVAL {seconds} SECOND")
    assert pair.caught_up()
    pair.stop_replication()
    forget_replica_state()


def test_a_report_reads_a_replica_that_keeps_up_and_says_its_data_is_current(client, on_pair, owner_headers):
    sold(2)
    assert on_pair.caught_up()
    response = client.get(REPORT, headers=owner_headers)
    assert units_sold(response) == 2
    assert response.headers["X-Data-Age"] == "0"


def test_a_report_on_a_lagging_replica_shows_the_replicas_figures_and_how_old_they_are(
        client, on_pair, owner_headers):
    sold(2)
    client.get(REPORT, headers=owner_headers)  # the first lag check stamps the heartbeat
    replica_frozen_behind(on_pair, 10)
    sold(3)
    response = client.get(REPORT, headers=owner_headers)
    assert units_sold(response) == 2
    assert 10 <= int(response.headers["X-Data-Age"]) < MAX_LAG


def test_a_report_falls_back_to_the_primary_when_the_replica_lags_past_the_bound(client, on_pair, owner_headers):
    sold(2)
    client.get(REPORT, headers=owner_headers)
    replica_frozen_behind(on_pair, MAX_LAG + 5)
    sold(3)
    response = client.get(REPORT, headers=owner_headers)
    assert units_sold(response) == 5
    assert "X-Data-Age" not in response.headers


def test_the_console_dashboard_tells_the_owner_how_old_a_lagging_replicas_figures_are(app, on_pair):
    sold(2)
    client = app.test_client()
    console_login(client, make_admin("owner"))
    client.get("/admin/")
    replica_frozen_behind(on_pair, 12)
    sold(1)
    page = client.get("/admin/").get_data(as_text=True)
    notice = re.search(r"报表数据来自只读副本，约 (\d+) 秒前", page)
    assert notice and 12 <= int(notice.group(1)) < MAX_LAG


def test_a_report_inside_a_use_cases_transaction_reads_the_primary(client, on_pair, owner_headers):
    sold(2)
    client.get(REPORT, headers=owner_headers)
    replica_frozen_behind(on_pair, 5)
    sold(3)
    with db.atomic():
        assert sum(row.units for row in reports.by_product()) == 5
    assert sum(row.units for row in reports.by_product()) == 2


def test_an_unreachable_replica_leaves_reports_on_the_primary(client, on_pair, owner_headers):
    init_replica(f"mysql://root@127.0.0.1:{free_port()}/weishang", max_lag_seconds=MAX_LAG)
    sold(2)
    response = client.get(REPORT, headers=owner_headers)
    assert units_sold(response) == 2
    assert "X-Data-Age" not in response.headers


def test_killing_the_replica_during_report_traffic_fails_no_request(live_server, on_pair, owner_headers):
    sold(2)
    assert on_pair.caught_up()
    statuses, stop = [], threading.Event()

    def reader():
        with requests.Session() as session:
            while not stop.is_set():
                response = session.get(live_server + REPORT, headers=owner_headers, timeout=30)
                statuses.append((response.status_code, response.json()[0]["units"] if response.ok else None))
    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    assert wait_until(lambda: len(statuses) >= 20, 30)
    on_pair.replica.kill()
    seen = len(statuses)
    assert wait_until(lambda: len(statuses) >= seen + 40, 60)
    stop.set()
    for thread in threads:
        thread.join()
    assert set(statuses) == {(200, 2)}


def test_the_lagging_replicas_notice_reads_well_on_a_laptop_and_a_phone(sign_in, on_pair):
    sold(2)
    page = sign_in("owner", DESKTOP)
    replica_frozen_behind(on_pair, 12)
    sold(1)
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        forget_replica_state()
        page.set_viewport_size(viewport)
        page.reload()
        assert "报表数据来自只读副本" in page.inner_text(".flash.stale")
        screenshot(page, f"console-replica-lag-{name}")
