"""Faults during traffic: buyers keep placing and paying orders over HTTP while the database restarts,
WeChat fails or hangs, a web worker or the scheduler is killed. Requests fail with 503 in the one error
shape and succeed again; no order is half-written or doubled; no message is lost or sent twice.

bench/faults.py runs the same faults under heavier traffic and reports the figures.
"""
import json
import time
from datetime import timedelta

import pytest

from app.clock import utcnow
from app.database import db
from app.jobs.models import JobRun, SchedulerLease
from app.notify import sender
from app.notify import service as notify
from app.notify.models import Notification
from app.orders.models import Order
from tests.conftest import NOTIFY_TEMPLATES
from tests.factories import settings_changed
from tests.faults import (ORDER_PAID_TEMPLATE, TEMPLATE_SEND, Gunicorn, PrivateMariaDB, Traffic, app_env,
                          deliveries_per_order, half_written_orders, ledger_checks, make_world, migrated_database,
                          start_scheduler, wait_until)

pytestmark = pytest.mark.committed

BUYERS = 6
HANG_SECONDS = 20
CLEAN = {"stock check": 0, "finance check": 0}


def exit_codes(app):
    return {command: code for command, (code, _) in ledger_checks(app).items()}


def assert_whole(app, traffic, *, servers_killed=False):
    """Every client operation finished, nothing unexpected, one order per placement, nothing half-written; unless a
    server was killed (the web worker, the database), no answer was lost or cut off on the way either."""
    tally = traffic.tally
    assert tally.unexpected == [] and tally.unfinished == 0
    assert servers_killed or tally.interrupted == 0
    assert tally.placed == tally.paid
    assert Order.select().count() == len(tally.placed)
    assert half_written_orders() == []
    assert exit_codes(app) == CLEAN


def buyers_world():
    made = make_world(BUYERS)
    db.close()
    return made


@pytest.fixture
def world():
    return buyers_world()


@pytest.fixture
def processes():
    """Start subprocesses through this; any still running at the end are killed."""
    started = []
    yield lambda process: started.append(process) or process
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture
def private_mariadb(tmp_path):
    if not PrivateMariaDB.available():
        pytest.skip("needs the mariadbd and mariadb-install-db binaries to run a private server")
    server = PrivateMariaDB(tmp_path / "mariadb").install().start()
    yield server
    server.close()


@pytest.fixture
def on_private_mariadb(private_mariadb):
    """The tests' database handle pointed at a migrated database on the private server; its URL."""
    url = private_mariadb.create_database("weishang")
    with migrated_database(url):
        yield url


@pytest.fixture
def paid_message_template():
    with settings_changed(NOTIFY_TEMPLATES=json.dumps({**json.loads(NOTIFY_TEMPLATES),
                                                       "order_paid": ORDER_PAID_TEMPLATE})):
        yield


def lease_holder_pid():
    return int(SchedulerLease.get().holder.split(":")[1])


def paid_order_numbers():
    return {json.loads(message.data)["order_no"]
            for message in Notification.select().where(Notification.kind == "order_paid")}


def drain_until_empty(now):
    while sender.drain_outbox(now=now).sent:
        pass


@pytest.mark.mysql_only
def test_a_mariadb_crash_during_traffic_answers_503_then_recovers_with_no_half_written_order(
        app, fake_wechat, private_mariadb, on_private_mariadb):
    world = buyers_world()
    server = Gunicorn(app_env(on_private_mariadb, fake_wechat.url)).start()
    try:
        with Traffic(server.url, world) as traffic:
            assert traffic.wait_for_paid(5)
            private_mariadb.kill()
            assert wait_until(lambda: traffic.tally.unavailable >= 10, 15)
            private_mariadb.start()
            assert traffic.wait_for_paid(len(traffic.tally.paid) + 5)
    finally:
        server.stop()
    assert traffic.tally.recovered >= 1
    assert_whole(app, traffic, servers_killed=True)


def test_killing_a_web_worker_mid_request_leaves_no_half_written_order_and_a_retry_makes_one_order(
        app, database_url, fake_wechat, world):
    server = Gunicorn(app_env(database_url, fake_wechat.url)).start()
    try:
        with Traffic(server.url, world) as traffic:
            assert traffic.wait_for_paid(5)
            for _ in range(10):  # a kill that lands between two requests cuts none off: kill until one is
                server.kill_worker()
                if wait_until(lambda: traffic.tally.interrupted, 1):
                    break
            assert traffic.tally.interrupted >= 1
            assert wait_until(lambda: len(server.worker_pids()) == server.workers, 30)
            assert traffic.wait_for_paid(len(traffic.tally.paid) + 5)
    finally:
        server.stop()
    assert traffic.tally.recovered >= 1
    assert_whole(app, traffic, servers_killed=True)


def test_wechat_failing_during_traffic_keeps_every_message_and_sends_each_once_after_recovery(
        app, live_server, fake_wechat, world, paid_message_template):
    fake_wechat.http_error_next(TEMPLATE_SEND, 502, times=10_000)
    with Traffic(live_server, world) as traffic:
        assert traffic.wait_for_paid(10)
        drain_until_empty(utcnow())
    assert fake_wechat.calls(TEMPLATE_SEND) and not fake_wechat.delivered(TEMPLATE_SEND)
    fake_wechat.recover()

    drain_until_empty(utcnow() + timedelta(hours=2))

    assert deliveries_per_order(fake_wechat) == dict.fromkeys(paid_order_numbers(), 1)
    assert Notification.select().where(Notification.status != "sent").count() == 0
    assert_whole(app, traffic)


def test_a_hanging_wechat_times_out_and_a_message_retried_by_hand_goes_out_once(
        app, live_server, fake_wechat, world, paid_message_template):
    fake_wechat.hang_next(TEMPLATE_SEND, HANG_SECONDS)
    with Traffic(live_server, world) as traffic:
        assert traffic.wait_for_paid(10)
        began = time.monotonic()
        report = sender.drain_outbox()
        elapsed = time.monotonic() - began
    assert report.unknown == 1 and elapsed < HANG_SECONDS  # the hang was cut short by the client's timeout

    for message in Notification.select().where(Notification.status == "unknown"):
        notify.retry_message(message.id)
    drain_until_empty(utcnow())

    assert deliveries_per_order(fake_wechat) == dict.fromkeys(paid_order_numbers(), 1)
    assert_whole(app, traffic)


def test_a_scheduler_killed_mid_job_hands_over_and_no_message_is_lost_or_doubled(
        app, database_url, live_server, fake_wechat, world, processes):
    # WeChat takes the first message and answers late; the scheduler waits for it and is killed mid-send.
    fake_wechat.hang_next(TEMPLATE_SEND, 30, accept=True)
    env = app_env(database_url, fake_wechat.url, WECHAT_TIMEOUT_SECONDS="60")
    schedulers = {process.pid: process for process in (processes(start_scheduler(env)) for _ in range(2))}
    assert wait_until(lambda: SchedulerLease.select().exists(), 30)
    with Traffic(live_server, world) as traffic:
        assert wait_until(lambda: fake_wechat.calls(TEMPLATE_SEND), 30)
        killed = schedulers.pop(lease_holder_pid())
        killed.kill()
        killed.wait()
        assert traffic.wait_for_paid(len(traffic.tally.paid) + 5)
    assert wait_until(lambda: Notification.select().where(Notification.status == "sent").count()
                      == len(traffic.tally.paid) - 1, 30)
    survivor = schedulers.popitem()[1]
    survivor.terminate()
    survivor.wait()
    in_flight = Notification.get(Notification.status != "sent")
    assert in_flight.status == "sending"

    sender.drain_outbox(now=utcnow() + timedelta(seconds=sender.SENDING_CLAIM_SECONDS + 1))

    assert Notification.get_by_id(in_flight.id).status == "unknown"
    assert deliveries_per_order(fake_wechat) == dict.fromkeys(paid_order_numbers(), 1)
    holders = {int(run.holder.split(":")[1]) for run in JobRun.select().where(JobRun.job == "drain_outbox")}
    assert holders == {killed.pid, survivor.pid}
    assert_whole(app, traffic)
