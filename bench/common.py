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
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", *options, "--bind", f"127.0.0.1:{port}",
                                "--log-level", "warning", target], cwd=ROOT, env={**env, "PYTHONPATH": ROOT})
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


def emit(figures):
    """The bench's last line: its figures as one line of JSON."""
    print(json.dumps(figures, ensure_ascii=False), flush=True)
