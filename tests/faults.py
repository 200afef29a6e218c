"""Fault machinery shared by tests/test_faults.py and bench/faults.py.

A private MariaDB server to kill and restart (never the shared one), the app under
gunicorn in a subprocess, the scheduler in a subprocess, buyers placing and paying
orders over HTTP in threads, and the checks that nothing was half-written.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

import MySQLdb
import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET_KEY = "test-secret"
ORDER_PAID_TEMPLATE = {"official": {"template_id": "TPL-ORDER-PAID",
                                    "fields": {"character_string1": "{order_no}", "amount2": "{amount}"}}}
TEMPLATE_SEND = "/cgi-bin/message/template/send"
RETRY_PAUSE_SECONDS = 0.1


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, seconds, *, step=0.05):
    """True as soon as condition() is, False when `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


class PrivateMariaDB:
    """A mariadbd of our own (temp datadir, own port and socket) that a test may kill and restart; `options` are
    more server options (a binary log, a server id)."""

    def __init__(self, directory, *, options=()):
        self.directory = str(directory)
        self.port = free_port()
        self.options = list(options)
        self.process = None

    @staticmethod
    def available():
        return bool(shutil.which("mariadbd") and shutil.which("mariadb-install-db"))

    def install(self):
        os.makedirs(self.directory, exist_ok=True)
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={self.directory}/data", "--user=root",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def start(self):
        """Start the server and wait until it accepts connections."""
        log = open(os.path.join(self.directory, "mariadbd.log"), "ab")
        self.process = subprocess.Popen(
            ["mariadbd", "--no-defaults", f"--datadir={self.directory}/data", "--user=root",
             f"--port={self.port}", "--bind-address=127.0.0.1", f"--socket={self.directory}/mariadbd.sock",
             f"--pid-file={self.directory}/mariadbd.pid", "--innodb-buffer-pool-size=64M",
             *([] if any(option.startswith("--log-bin") for option in self.options) else ["--skip-log-bin"]),
             *self.options,
             "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
             # No fsync: the faults kill the server process, never the machine, and the operating system
             # keeps what the process wrote; the schema's hundred DDL statements migrate three times faster.
             "--innodb-flush-log-at-trx-commit=2", "--innodb-doublewrite=0", "--innodb-flush-method=nosync"],
            stdout=log, stderr=log)
        log.close()
        if not wait_until(self._answers, 30):
            raise RuntimeError(f"private mariadbd did not start; see {self.directory}/mariadbd.log")
        return self

    def _answers(self):
        try:
            MySQLdb.connect(host="127.0.0.1", port=self.port, user="root", connect_timeout=1).close()
            return True
        except MySQLdb.OperationalError:
            return False

    def kill(self):
        """SIGKILL: the server dies mid-transaction, as on a crash or an OOM kill."""
        self.process.kill()
        self.process.wait()

    def stop(self):
        """SIGTERM: a clean shutdown, as `systemctl restart mariadb` does."""
        self.process.terminate()
        self.process.wait(timeout=60)

    def sql(self, *statements):
        """Run `statements` as root; the first row of the last one."""
        connection = MySQLdb.connect(host="127.0.0.1", port=self.port, user="root", autocommit=True)
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
                return cursor.fetchone()
        finally:
            connection.close()

    def create_database(self, name):
        self.sql(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        return f"mysql://root@127.0.0.1:{self.port}/{name}"

    def close(self):
        if self.process and self.process.poll() is None:
            self.kill()


@contextmanager
def migrated_database(url):
    """The tests' database handle pointed at the database at `url`, migrated, for the block; then back."""
    from app import migrate
    from app.database import db, open_database

    session_database, private = db.primary, open_database(url)
    db.initialize(private)
    try:
        migrate.upgrade()
        db.close()
        yield private
    finally:
        private.close_all()
        db.initialize(session_database)


def app_env(database_url, wechat_url, **extra):
    """The environment of an app subprocess: the given database, the fake WeChat, the tests' secret."""
    from tests.conftest import MP_APPID, MP_SECRET, NOTIFY_TEMPLATES, OA_APPID, OA_SECRET

    templates = {**json.loads(NOTIFY_TEMPLATES), "order_paid": ORDER_PAID_TEMPLATE}
    return {**os.environ, "ENV": "testing", "DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
            "WECHAT_API_BASE": wechat_url, "WECHAT_TIMEOUT_SECONDS": "2", "WECHAT_MP_APPID": MP_APPID,
            "WECHAT_MP_SECRET": MP_SECRET, "WECHAT_OA_APPID": OA_APPID, "WECHAT_OA_SECRET": OA_SECRET,
            "NOTIFY_TEMPLATES": json.dumps(templates), "RATELIMIT_STORAGE_URI": "memory://",
            "FLASK_APP": "wsgi", "PYTHONPATH": ROOT, **extra}


class Gunicorn:
    """`gunicorn wsgi:app` with sync workers in a subprocess."""

    def __init__(self, env, *, workers=2):
        self.env, self.workers, self.port = env, workers, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            # --preload: the master loads the app once, so a worker starts (or replaces a killed one) at once.
            [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "--preload", "--workers", str(self.workers),
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "error", "--timeout", "30",
             "--no-control-socket", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            if not wait_until(self._serving, 60, step=0.2):
                raise RuntimeError("gunicorn did not start")
        except BaseException:  # nor when the run is interrupted (Ctrl-C) is the server left behind
            self.stop()
            raise
        return self

    def _serving(self):
        """The workers have loaded the app (they do so after the master listens)."""
        try:
            return requests.get(self.url + "/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def worker_pids(self):
        """The pids of the master's live children."""
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields_after_name = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields_after_name[1]) == self.process.pid and fields_after_name[0] != "Z":
                pids.append(int(entry))
        return sorted(pids)

    def kill_worker(self):
        """SIGKILL one worker (the master starts a new one); returns its pid."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def start_scheduler(env):
    """`flask scheduler` in a subprocess, with a short lease so that a takeover happens within seconds."""
    env = {**env, "SCHEDULER_LEASE_SECONDS": "4", "SCHEDULER_RENEW_SECONDS": "1"}
    return subprocess.Popen([sys.executable, "-m", "flask", "scheduler"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@dataclass
class World:
    """What traffic needs: one token per buyer, an owner's token, the product they order."""

    buyer_tokens: list
    owner_token: str
    product_id: int


def make_world(buyers):
    """A level, a well-stocked product, `buyers` agents (bound to the official account) and an owner."""
    from app.accounts.models import WechatUser
    from app.tokens import issue_token
    from tests.factories import make_admin, make_agent, make_binding, make_level, orderable

    level = make_level()
    product, _ = orderable(100, on_hand=10**7)
    tokens = []
    for _ in range(buyers):
        user = WechatUser.create(openid=f"fault-buyer-{free_port()}-{time.monotonic_ns()}")
        agent = make_agent(level=level, wechat_user=user)
        make_binding(f"agent:{agent.id}")
        tokens.append(issue_token("wx", user.id, user.token_version))
    owner = make_admin("owner")
    return World(tokens, issue_token("admin", owner.id, owner.token_version), product.id)


@dataclass
class Tally:
    """What the clients saw. Every operation is retried with the same key until it succeeds."""

    sent: int = 0
    succeeded: int = 0
    unavailable: int = 0
    interrupted: int = 0
    recovered: int = 0
    unfinished: int = 0
    slowest_503: float = 0.0
    unexpected: list = field(default_factory=list)
    placed: set = field(default_factory=set)
    paid: set = field(default_factory=set)

    def figures(self):
        return {"requests": self.sent, "succeeded": self.succeeded, "failed_503": self.unavailable,
                "interrupted": self.interrupted, "recovered_after_retry": self.recovered,
                "unfinished": self.unfinished, "unexpected": len(self.unexpected),
                "slowest_503_seconds": round(self.slowest_503, 2),
                "orders_placed": len(self.placed), "orders_paid": len(self.paid)}


class _Failed(Exception):
    pass


class Traffic:
    """Buyers placing and paying orders over HTTP, one thread each, until stopped.

    A step that fails (503, a dropped connection) is retried with the same idempotency
    key, as the mini-program does; after stop() each client finishes its operation.
    """

    def __init__(self, base_url, world, *, finish_seconds=60):
        self.base_url, self.world, self.finish_seconds = base_url, world, finish_seconds
        self.tally = Tally()
        self._run = uuid.uuid4().hex[:8]
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(index, token), daemon=True)
                         for index, token in enumerate(world.buyer_tokens)]

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def stop(self):
        self._stopping.set()
        for thread in self._threads:
            thread.join()

    def wait_for_paid(self, count, seconds=30):
        return wait_until(lambda: len(self.tally.paid) >= count, seconds)

    def _count(self, name, value=1):
        with self._lock:
            setattr(self.tally, name, getattr(self.tally, name) + value)

    def _client(self, index, token):
        buyer = {"Authorization": f"Bearer {token}"}
        owner = {"Authorization": f"Bearer {self.world.owner_token}"}
        number = 0
        while not self._stopping.is_set():
            number += 1
            body = {"idempotency_key": f"{self._run}-{index}-{number}", "consignee": {"address": "科技园路1号"},
                    "items": [{"product_id": self.world.product_id, "quantity": 1 + number % 3}]}
            order_id = self._until_done(lambda: self._post("/api/mp/orders", body, buyer, (200, 201))["id"])
            if order_id is None:
                return
            with self._lock:
                self.tally.placed.add(order_id)
            if self._until_done(lambda: self._pay(order_id, owner)) is None:
                return
            with self._lock:
                self.tally.paid.add(order_id)

    def _pay(self, order_id, owner):
        rows = self._post("/admin/api/orders/batch/pay", {"order_ids": [order_id]}, owner, (200,))
        if rows[0]["outcome"] != "done":
            self._unexpected(200, rows)
        return order_id

    def _until_done(self, step):
        """step() until it succeeds; None when it still fails `finish_seconds` after stop()."""
        failed, give_up_at = False, None
        while True:
            try:
                result = step()
            except _Failed:
                failed = True
                if self._stopping.is_set():
                    give_up_at = give_up_at or time.monotonic() + self.finish_seconds
                    if time.monotonic() > give_up_at:
                        self._count("unfinished")
                        return None
                time.sleep(RETRY_PAUSE_SECONDS)
                continue
            self._count("succeeded")
            if failed:
                self._count("recovered")
            return result

    def _post(self, path, body, headers, ok_statuses):
        self._count("sent")
        began = time.monotonic()
        try:
            response = requests.post(self.base_url + path, json=body, headers=headers, timeout=30)
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            # No answer, or one cut off after its headers (the worker killed between sending them and its body).
            self._count("interrupted")
            raise _Failed from None
        if response.status_code in ok_statuses:
            return response.json()
        if response.status_code == 503 and _one_error_shape(response):
            with self._lock:
                self.tally.unavailable += 1
                self.tally.slowest_503 = max(self.tally.slowest_503, time.monotonic() - began)
            raise _Failed
        self._unexpected(response.status_code, response.text[:300])
        raise _Failed

    def _unexpected(self, status, body):
        with self._lock:
            self.tally.unexpected.append((status, body))
        raise _Failed


def _one_error_shape(response):
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return False
    return set(error) == {"code", "message", "fields"} and response.headers.get("Content-Type", "").startswith(
        "application/json")


def half_written_orders():
    """Orders missing part of what placing or paying one writes, as "order N: what"; empty when all are whole.

    Placing writes the order, its lines and a `place` event; paying marks the lines
    paid, reserves the stock, settles the money and queues the buyer's message.
    """
    from peewee import fn

    from app.finance.models import OrderSettlement
    from app.inventory.models import StockMove
    from app.notify.models import Notification
    from app.orders.models import Order, OrderEvent, OrderLine

    lines = {row.order_id: (int(row.units), int(row.paid_lines), row.lines) for row in OrderLine.select(
        OrderLine.order, fn.SUM(OrderLine.quantity).alias("units"), fn.COUNT(OrderLine.id).alias("lines"),
        fn.COUNT(OrderLine.paid_at).alias("paid_lines")).group_by(OrderLine.order)}
    events = set(OrderEvent.select(OrderEvent.order, OrderEvent.action).tuples())
    reserved = {int(row.reference.split(":")[1]): int(row.units) for row in StockMove.select(
        StockMove.reference, fn.SUM(StockMove.reserved_delta).alias("units")).where(
        StockMove.kind == "reserve", StockMove.reference.startswith("order:")).group_by(StockMove.reference)}
    settled = dict(OrderSettlement.select(OrderSettlement.order_id, OrderSettlement.total_fen).tuples())
    messages = {key for (key,) in Notification.select(Notification.dedupe_key).where(
        Notification.kind == "order_paid").tuples()}
    problems = []
    for order in Order.select(Order.id, Order.units, Order.total_fen, Order.paid_at, Order.status):
        units, paid_lines, count = lines.get(order.id, (0, 0, 0))
        paid = order.paid_at is not None
        wrong = {
            "lines": units != order.units or not count,
            "place event": (order.id, "place") not in events,
            "paid lines": paid_lines != (count if paid else 0),
            "pay event": paid != ((order.id, "pay") in events),
            "reservation": reserved.get(order.id, 0) != (order.units if paid else 0),
            "settlement": settled.get(order.id) != (order.total_fen if paid else None),
            "message": paid != (f"order:{order.id}:paid" in messages),
        }
        problems += [f"order {order.id} ({order.status}): {what}" for what, bad in wrong.items() if bad]
    return problems


def ledger_checks(app):
    """`flask stock check` and `flask finance check`: {command: (exit code, last line)}."""
    runner = app.test_cli_runner()
    outcomes = {}
    for command in (["stock", "check"], ["finance", "check"]):
        result = runner.invoke(args=command)
        outcomes[" ".join(command)] = (result.exit_code, result.output.strip().splitlines()[-1])
    return outcomes


def deliveries_per_order(fake_wechat):
    """How many times WeChat accepted each order's "paid" message, by order number."""
    counts = {}
    for body in fake_wechat.delivered(TEMPLATE_SEND):
        number = body["data"]["character_string1"]["value"]
        counts[number] = counts.get(number, 0) + 1
    return counts
