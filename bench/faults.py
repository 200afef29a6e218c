"""Faults under traffic: the faults of tests/test_faults.py, one after another, with more buyers for longer.

    .venv/bin/python bench/faults.py [--smoke | --quick]

A private MariaDB (its own datadir, port and socket under a temp directory; the shared
server is never touched) behind `gunicorn wsgi:app` with 2 workers; buyers place and pay
orders over HTTP, retrying a failed step with the same idempotency key. In turn: MariaDB
killed and restarted, MariaDB stopped cleanly and restarted, web workers SIGKILLed, the
fake WeChat failing, the fake WeChat hanging, the scheduler SIGKILLed mid-send. Then the
outbox is drained and everything is checked: no half-written order, `flask stock check`
and `flask finance check` clean, every paid order's message delivered exactly once.
Prints readable figures, then one line of JSON.
"""
import json
import logging
import os
import sys
import tempfile
import threading
import time
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from app import create_app, migrate  # noqa: E402
from app.clock import utcnow  # noqa: E402
from app.database import db  # noqa: E402
from app.jobs.models import SchedulerLease  # noqa: E402
from app.notify import sender  # noqa: E402
from app.notify import service as notify  # noqa: E402
from app.notify.models import Notification  # noqa: E402
from app.orders.models import Order  # noqa: E402
from bench.common import emit, parse_args, sized  # noqa: E402
from tests.conftest import MP_APPID, MP_SECRET, OA_APPID, OA_SECRET  # noqa: E402
from tests.fake_wechat import FakeWeChat  # noqa: E402
from tests.faults import (TEMPLATE_SEND, Gunicorn, PrivateMariaDB, Traffic, app_env,  # noqa: E402
                          deliveries_per_order, half_written_orders, ledger_checks, make_world,
                          start_scheduler, wait_until)


class Sender:
    """The outbox drained in a thread every half second, as the scheduler would (its pass is the figure)."""

    def __init__(self):
        self.longest_pass = 0.0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stopping.set()
        self._thread.join()

    def _run(self):
        while not self._stopping.wait(0.5):
            began = time.monotonic()
            db.connect(reuse_if_open=True)
            try:
                sender.drain_outbox()
            finally:
                db.close()
            self.longest_pass = max(self.longest_pass, time.monotonic() - began)


def scenario(name, server, world, seconds, fault):
    """Traffic for `seconds`, `fault(traffic)` in the middle of it; the clients' figures and the checks."""
    began = time.monotonic()
    with Traffic(server.url, world) as traffic:
        time.sleep(seconds / 3)
        extra = fault(traffic) or {}
        remaining = seconds - (time.monotonic() - began)
        time.sleep(max(remaining, seconds / 3))
    figures = {**traffic.tally.figures(), **extra, "seconds": round(time.monotonic() - began, 1),
               "half_written_orders": len(half_written_orders())}
    db.close()
    print(f"{name:<16} " + "  ".join(f"{key}={value}" for key, value in figures.items()), flush=True)
    for status, body in traffic.tally.unexpected[:5]:
        print(f"    unexpected answer {status}: {body}", flush=True)
    return figures


def mariadb_restart(mariadb, outage_seconds, *, clean):
    def fault(traffic):
        began = time.monotonic()
        mariadb.stop() if clean else mariadb.kill()
        time.sleep(outage_seconds)
        mariadb.start()
        down = time.monotonic() - began
        paid = len(traffic.tally.paid)
        traffic.wait_for_paid(paid + 1, 60)
        return {"outage_seconds": round(down, 1),
                "first_order_after_restart_seconds": round(time.monotonic() - began - down, 1)}
    return fault


def worker_kills(server, kills):
    def fault(traffic):
        for _ in range(kills):
            server.kill_worker()
            wait_until(lambda: len(server.worker_pids()) == server.workers, 30)
        return {"workers_killed": kills}
    return fault


def wechat_failing(fake, seconds):
    def fault(traffic):
        with Sender():
            fake.http_error_next(TEMPLATE_SEND, 502, times=10**6)
            time.sleep(seconds)
            failed = len(fake.calls(TEMPLATE_SEND)) - len(fake.delivered(TEMPLATE_SEND))
            fake.recover()
        return {"wechat_calls_failed": failed}
    return fault


def wechat_hanging(fake, hangs):
    def fault(traffic):
        fake.hang_next(TEMPLATE_SEND, 60, times=hangs)
        with Sender() as draining:
            wait_until(lambda: Notification.select().where(Notification.status == "unknown").count() >= hangs, 60)
        db.close()
        return {"hangs": hangs, "longest_outbox_pass_seconds": round(draining.longest_pass, 1)}
    return fault


def scheduler_kill(fake, env, started):
    def fault(traffic):
        fake.hang_next(TEMPLATE_SEND, 30, accept=True)
        calls = len(fake.calls(TEMPLATE_SEND))
        schedulers = {process.pid: process for process in (start_scheduler(env) for _ in range(2))}
        started.extend(schedulers.values())
        wait_until(lambda: len(fake.calls(TEMPLATE_SEND)) > calls, 60)
        holder = int(SchedulerLease.get().holder.split(":")[1])
        killed_at = time.monotonic()
        schedulers[holder].kill()
        schedulers[holder].wait()
        delivered = len(fake.delivered(TEMPLATE_SEND))
        wait_until(lambda: len(fake.delivered(TEMPLATE_SEND)) > delivered, 60)
        db.close()
        return {"takeover_seconds": round(time.monotonic() - killed_at, 1)}
    return fault


def drain_everything(fake):
    """Send whatever is still due (hours on, every backoff and claim has lapsed); then what a person does with
    the messages left `unknown`: look in WeChat's records and resend those it never received."""
    later = utcnow() + timedelta(hours=2)
    while sender.drain_outbox(now=later).sent:
        pass
    retried, received = 0, deliveries_per_order(fake)
    for message in Notification.select().where(Notification.status == "unknown"):
        if json.loads(message.data)["order_no"] not in received:
            notify.retry_message(message.id)
            retried += 1
    while sender.drain_outbox(now=later).sent:
        pass
    return retried


def main():
    options = parse_args(__doc__, quick="a small run (a minute, not several)")
    logging.disable(logging.WARNING)
    buyers, seconds, outage = sized(options, (2, 2, 1), (8, 6, 2), (16, 20, 5))
    kills, hangs = sized(options, (1, 1), (2, 2), (5, 4))

    workdir = tempfile.mkdtemp(prefix="weishang-faults-")
    mariadb = PrivateMariaDB(os.path.join(workdir, "mariadb")).install().start()
    fake = FakeWeChat().start()
    fake.add_app(MP_APPID, MP_SECRET)
    fake.add_app(OA_APPID, OA_SECRET)
    env = app_env(mariadb.create_database("weishang"), fake.url)
    os.environ.update(env)
    application = create_app()
    migrate.upgrade()
    world = make_world(buyers)
    db.close()
    server = Gunicorn(env).start()
    schedulers = []
    try:
        print(f"{buyers} buyers placing and paying orders against gunicorn (2 workers) on a private MariaDB "
              f"{mariadb.port}; {seconds} s per fault", flush=True)
        scenarios = {
            "mariadb_kill": scenario("mariadb kill", server, world, seconds,
                                     mariadb_restart(mariadb, outage, clean=False)),
            "mariadb_stop": scenario("mariadb stop", server, world, seconds,
                                     mariadb_restart(mariadb, outage, clean=True)),
            "worker_kill": scenario("worker kill", server, world, seconds, worker_kills(server, kills)),
            "wechat_failing": scenario("wechat failing", server, world, seconds, wechat_failing(fake, seconds / 3)),
            "wechat_hanging": scenario("wechat hanging", server, world, seconds, wechat_hanging(fake, hangs)),
            "scheduler_kill": scenario("scheduler kill", server, world, seconds,
                                       scheduler_kill(fake, {**env, "WECHAT_TIMEOUT_SECONDS": "60"}, schedulers)),
        }
    finally:
        server.stop()
        for process in schedulers:
            if process.poll() is None:
                process.terminate()
                process.wait()
    retried = drain_everything(fake)
    deliveries = deliveries_per_order(fake)
    paid_numbers = [json.loads(m.data)["order_no"]
                    for m in Notification.select().where(Notification.kind == "order_paid")]
    checks = ledger_checks(application)
    totals = {
        "orders": Order.select().count(),
        "orders_half_written": len(half_written_orders()),
        "requests": sum(s["requests"] for s in scenarios.values()),
        "failed_503": sum(s["failed_503"] for s in scenarios.values()),
        "interrupted": sum(s["interrupted"] for s in scenarios.values()),
        "recovered_after_retry": sum(s["recovered_after_retry"] for s in scenarios.values()),
        "unexpected": sum(s["unexpected"] for s in scenarios.values()),
        "paid_messages": len(paid_numbers),
        "messages_delivered_once": sum(deliveries.get(number) == 1 for number in paid_numbers),
        "messages_delivered_twice": sum(count > 1 for count in deliveries.values()),
        "messages_lost": sum(number not in deliveries for number in paid_numbers),
        "messages_retried_by_hand": retried,
        "stock_check_clean": checks["stock check"][0] == 0,
        "finance_check_clean": checks["finance check"][0] == 0,
    }
    print("totals           " + "  ".join(f"{key}={value}" for key, value in totals.items()))
    for command, (_, output) in checks.items():
        print(f"flask {command}: {output}")
    fake.stop()
    mariadb.stop()
    emit({"bench": "faults", "size": options.size, "buyers": buyers, "scenarios": scenarios, "totals": totals})


if __name__ == "__main__":
    main()
