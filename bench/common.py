"""What every benchmark shares: its size and arguments, a database of its own, the timers, a gunicorn to load,
and the closing line of JSON.

Each bench runs at one of three sizes: `--smoke` (seconds: CI runs every bench so, to keep them working, and
checks only that the JSON line is there), `--quick` (a short but telling run) or, without either, the full run
whose figures docs/ quotes (docs/benchmarks.md lists every bench and where).
"""
import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from urllib.parse import urlparse

import MySQLdb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZES = ("smoke", "quick", "full")


def parse_args(doc, *, database=None, quick="a short run", smoke="seconds, to check the bench still works",
               extra=None):
    """The bench's arguments: --smoke/--quick (`options.size`), --url of its MariaDB database when it has one
    (default: BENCH_DATABASE_URL, else `database` on the local server), and whatever `extra(parser)` adds."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--smoke", action="store_true", help=smoke)
    size.add_argument("--quick", action="store_true", help=quick)
    if database:
        parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL",
                                                            f"mysql://root@127.0.0.1:3306/{database}"))
    if extra:
        extra(parser)
    options = parser.parse_args()
    options.size = "smoke" if options.smoke else "quick" if options.quick else "full"
    return options


def sized(options, smoke, quick, full):
    """The value for the run's size."""
    return {"smoke": smoke, "quick": quick, "full": full}[options.size]


def depth_sizes(total, *, roots, depth):
    """How many agents at each of `depth` levels of a network: `roots` at the top, growing geometrically so that
    they add up to `total`."""
    low, high = 1.0, 10.0
    for _ in range(60):
        ratio = (low + high) / 2
        low, high = (ratio, high) if sum(roots * ratio ** d for d in range(depth)) < total else (low, ratio)
    sizes = [round(roots * ratio ** d) for d in range(depth)]
    sizes[-1] += total - sum(sizes)
    return sizes


def insert_closure(database, ranges):
    """Write agent_closure for agents bulk-inserted depth by depth (`ranges`: each depth's first and last id,
    every agent's upline one depth above), with one INSERT … SELECT a depth."""
    database.execute_sql("INSERT INTO agent_closure (ancestor_id, descendant_id, depth) SELECT id, id, 0 FROM agent")
    for first, last in ranges[1:]:
        database.execute_sql("INSERT INTO agent_closure (ancestor_id, descendant_id, depth) "
                             "SELECT c.ancestor_id, a.id, c.depth + 1 FROM agent a "
                             "JOIN agent_closure c ON c.descendant_id = a.upline_id WHERE a.id BETWEEN %s AND %s",
                             (first, last))


def raw_connection(url, *, use_database=True, **kwargs):
    """A plain connection of the app's driver (mysqlclient) to the server of `url` (to its database unless
    `use_database` is false): the raw floors send their statements through the same C client as the app."""
    parts = urlparse(url)
    database = {"database": parts.path.lstrip("/")} if use_database else {}
    return MySQLdb.connect(host=parts.hostname or "127.0.0.1", port=parts.port or 3306,
                           user=parts.username or "root", password=parts.password or "", charset="utf8mb4",
                           **database, **kwargs)


def _server_statement(url, statement):
    connection = raw_connection(url, use_database=False)
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


@contextmanager
def fresh_database(url):
    """The bench's database dropped and created empty, and dropped again when the bench ends (however it ends),
    so that a million benchmark rows do not stay behind on the server."""
    name = urlparse(url).path.lstrip("/")
    _server_statement(url, f"DROP DATABASE IF EXISTS `{name}`")
    _server_statement(url, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    try:
        yield url
    finally:
        from app.database import db

        if hasattr(db.obj, "close_all"):  # pooled connections idle in the pool would hold the drop up
            db.close_all()
        _server_statement(url, f"DROP DATABASE IF EXISTS `{name}`")


def timed(work, repeats):
    """Median and worst milliseconds of `work()` over `repeats` runs, after one warm-up run."""
    work()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 1), round(max(samples), 1)


def percentile(values, fraction):
    """The value below which `fraction` of `values` lie (the nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(target, env, *options):
    """`gunicorn target` (with `options`) on a free local port, from the project's root; yields the port once a
    worker answers GET /healthz, and stops the server afterwards."""
    port = free_port()
    # No control socket: every gunicorn master binds the same one (~/.gunicorn/gunicorn.ctl) by default.
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", *options, "--bind", f"127.0.0.1:{port}",
                                "--log-level", "warning", "--no-control-socket", target], cwd=ROOT,
                               env={**env, "PYTHONPATH": ROOT})
    try:
        for _ in range(200):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                ready = connection.getresponse().status == 200
                connection.close()
                if ready:
                    break
            except OSError:
                if process.poll() is not None:
                    raise SystemExit(f"gunicorn exited with {process.returncode}") from None
                time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=60)


def _busy_seconds():
    """CPU seconds every core has spent busy since boot (user, nice, system, irq, softirq): not idle, I/O wait or
    time the hypervisor stole."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq = map(int, stat.readline().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _process_seconds(pid):
    """CPU seconds process `pid` has spent since it started."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """The CPU a phase cost, per unit of work: the whole machine's (every process: server, database, clients) and,
    given the database's `url`, the database server's share in microseconds and the statements it was sent, once
    the `with` block has ended (None where /proc or the server's process is not there to read: a server on another
    machine). Throughput on a saturated machine is cores ÷ CPU per unit, so these say what a rate cannot: where the
    time of a request goes. Every process counts: read them on a quiet machine."""

    def __init__(self, url=None):
        self.machine_us = self.database_us = self.statements = None
        self.units = 0
        self._connection = raw_connection(url, use_database=False) if url else None
        self._server_pid = self._read_server_pid()

    def _read_server_pid(self):
        """The pid of the server the URL names, from its own pid file (not the first of several mariadbd)."""
        if self._connection is None:
            return None
        try:
            with open(self._ask("SELECT @@pid_file")) as pid_file:
                return int(pid_file.read().strip())
        except (OSError, ValueError):
            return None

    def _ask(self, statement):
        with self._connection.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchone()[-1]

    def _reading(self):
        try:
            database = _process_seconds(self._server_pid) if self._server_pid else None
        except OSError:
            database = None
        questions = int(self._ask("SHOW GLOBAL STATUS LIKE 'Questions'")) if self._connection else None
        return _busy_seconds(), database, questions

    def __enter__(self):
        try:
            self._began = self._reading()
        except OSError:
            self._began = None
        return self

    def __exit__(self, *exc):
        try:
            if self._began is None or not self.units:
                return
            machine, database, questions = self._reading()
            self.machine_us = round((machine - self._began[0]) / self.units * 1e6)
            if database is not None and self._began[1] is not None:
                self.database_us = round((database - self._began[1]) / self.units * 1e6)
            if questions is not None:
                # Less the closing reading's own SHOW, counted by the server before it answers.
                self.statements = round((questions - self._began[2] - 1) / self.units, 1)
        finally:
            if self._connection is not None:
                self._connection.close()


def round_trip_us(url, count=2000):
    """Microseconds of this process's CPU per `SELECT 1` sent by the raw driver: what every statement costs the
    client however little the application does around it."""
    connection = raw_connection(url)
    try:
        with connection.cursor() as cursor:
            started = time.process_time()
            for _ in range(count):
                cursor.execute("SELECT 1")
                cursor.fetchall()
            return round((time.process_time() - started) / count * 1e6, 1)
    finally:
        connection.close()


def cpu_bound(floor, use_case, *, round_trip=None):
    """The most `use_case`'s rate could be of `floor`'s on a saturated machine if the application added no work
    beyond the floor's but the database server's for the use case's statements (and, given the client's
    `round_trip` µs, the driver's for each statement more than the floor's): floor CPU ÷ (floor CPU + the
    extra). None unless the meters read."""
    if None in (floor.machine_us, floor.database_us, use_case.database_us):
        return None
    extra = use_case.database_us - floor.database_us
    if round_trip is not None:
        if None in (floor.statements, use_case.statements):
            return None
        extra += (use_case.statements - floor.statements) * round_trip
    return round(floor.machine_us / (floor.machine_us + extra), 3)


def cpu_figures(url, floor, use_case, *, name):
    """The JSON figures of a floor's and a use case's CpuMeters (the use case's keys begin with `name`), with the
    driver's round trip measured now on the server of `url` and both `cpu_bound`s."""
    round_trip = round_trip_us(url)
    return {"floor_cpu_us": floor.machine_us, "floor_database_cpu_us": floor.database_us,
            "floor_statements": floor.statements, f"{name}_cpu_us": use_case.machine_us,
            f"{name}_database_cpu_us": use_case.database_us, f"{name}_statements": use_case.statements,
            "driver_round_trip_cpu_us": round_trip, f"{name}_ratio_bound": cpu_bound(floor, use_case),
            f"{name}_ratio_bound_with_driver": cpu_bound(floor, use_case, round_trip=round_trip)}


def print_cpu(unit, figures, *, name):
    """The report's lines of `cpu_figures(…, name=name)`: CPU per `unit`, the database's share, the bounds."""
    floor_us, use_case_us = figures["floor_cpu_us"], figures[f"{name}_cpu_us"]
    if floor_us is None or use_case_us is None:
        return
    floor_database, use_case_database = figures["floor_database_cpu_us"], figures[f"{name}_database_cpu_us"]
    floor_statements, use_case_statements = figures["floor_statements"], figures[f"{name}_statements"]
    database = (f"; the database server's share {floor_database:,} and {use_case_database:,} µs"
                if floor_database is not None and use_case_database is not None else "")
    statements = (f"; statements sent {floor_statements} and {use_case_statements}"
                  if floor_statements is not None and use_case_statements is not None else "")
    print(f"  CPU per {unit} (both cores, every process): floor {floor_us:,} µs, use case {use_case_us:,} µs"
          f"{database}{statements}")
    if figures[f"{name}_ratio_bound"] is not None:
        print(f"  with no application work beyond the floor's but the database server's for its statements, the "
              f"use case could reach at most {figures[f'{name}_ratio_bound']:.2f} of the floor here")
    if figures[f"{name}_ratio_bound_with_driver"] is not None:
        print(f"  and with the driver's own CPU for each statement sent, at most "
              f"{figures[f'{name}_ratio_bound_with_driver']:.2f}")


def emit(figures):
    """The bench's last line: its figures as one line of JSON."""
    print(json.dumps(figures, ensure_ascii=False), flush=True)
