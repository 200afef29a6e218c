"""Run the test suite on SQLite and on MySQL side by side, then the mini-program's (`make test`).

MySQL comes from TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306/weishang_test);
its database is created when missing. When the server cannot be reached the MySQL
run is skipped, unless REQUIRE_MYSQL=1, which makes that an error (CI sets it).
First the lint: `ruff check` (ruff.toml) and the import contracts (`lint-imports`, .importlinter).
Extra arguments go to both pytest runs. The MySQL run starts first, in the background, its output kept in a file
and printed when it ends; the SQLite run and then the mini-program's jest suite (`npm ci`, `npm test` in
miniprogram/, its journeys against the real backend started with this Python) run in the foreground meanwhile. The
runs share nothing (CONTRIBUTING, Checks): each its own database, upload folder, ports the system picks, rate-limit
keys under a prefix of its own, and pytest's cache in a folder per database. Side by side a fresh clone's `.ci/run`
took 11.5 minutes on the project's 2-core machine (SQLite 7.7 minutes, then jest under one, beside MySQL's 11.2),
where one after the other had taken 29 at the stop before (on a noisier machine of the same size): much of the MySQL
run's time is the server's and its waits, and the SQLite run's is Python's.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlparse

import MySQLdb

DEFAULT_MYSQL_URL = "mysql://root@127.0.0.1:3306/weishang_test"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STOP_SECONDS = 60  # for an interrupted suite's teardown before what still runs is killed


def ensure_mysql_database(url):
    """Create the test database if missing; False when the server is unreachable."""
    parts = urlparse(url)
    try:
        connection = MySQLdb.connect(host=parts.hostname or "127.0.0.1", port=parts.port or 3306,
                                     user=parts.username or "root", password=parts.password or "",
                                     connect_timeout=5)
    except MySQLdb.OperationalError as exc:
        print(f"MySQL unreachable at {parts.hostname}:{parts.port}: {exc}")
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{parts.path.lstrip('/')}` "
                       "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    connection.close()
    return True


def run_lint():
    print("\n===== lint: ruff and import contracts =====", flush=True)
    bin_dir = os.path.dirname(sys.executable)
    failed = subprocess.call([os.path.join(bin_dir, "ruff"), "check", "--no-cache", "."], cwd=ROOT)
    return failed or subprocess.call([os.path.join(bin_dir, "lint-imports"), "--no-cache"], cwd=ROOT)


RUNNING = []  # the suites' processes started and not yet waited for: what an interruption stops


def started(command, **options):
    """`command` started (a suite's process), kept in RUNNING until `finished`."""
    process = subprocess.Popen(command, **options)
    RUNNING.append(process)
    return process


def finished(process):
    """Wait for a suite's process; its exit code."""
    code = process.wait()
    RUNNING.remove(process)
    return code


def started_pytest(label, database_url, args, output=None):
    """pytest with `args` started on `database_url` (SQLite when None), its cache in a folder of `label`'s own, its
    output into `output` (a file) when given."""
    env = dict(os.environ)
    env.pop("TEST_DATABASE_URL", None)
    if database_url:
        env["TEST_DATABASE_URL"] = database_url
    cache = os.path.join(".pytest_cache", label.lower())
    return started([sys.executable, "-m", "pytest", "-o", f"cache_dir={cache}", *args], cwd=ROOT, env=env,
                   stdout=output, stderr=subprocess.STDOUT if output else None)


def run_miniprogram():
    print("\n===== mini-program suite (jest) =====", flush=True)
    folder = os.path.join(ROOT, "miniprogram")
    env = dict(os.environ, MP_PYTHON=sys.executable)
    installed = finished(started(["npm", "ci", "--no-audit", "--no-fund"], cwd=folder, env=env))
    return installed or finished(started(["npm", "test"], cwd=folder, env=env))


def main(args):
    failures = 0
    failures += run_lint() != 0
    mysql_url = os.environ.get("TEST_MYSQL_URL", DEFAULT_MYSQL_URL)
    mysql_run = mysql_output = None
    try:
        if ensure_mysql_database(mysql_url):
            mysql_output = tempfile.NamedTemporaryFile("w+b", prefix="weishang-test-mysql-", suffix=".log")
            mysql_run = started_pytest("MySQL", mysql_url, args, output=mysql_output)
            print(f"\n===== test suite on MySQL: started beside SQLite, its output follows when it ends "
                  f"(meanwhile in {mysql_output.name}) =====", flush=True)
        elif os.environ.get("REQUIRE_MYSQL") == "1":
            print("REQUIRE_MYSQL=1 and MySQL is unreachable: failing")
            failures += 1
        else:
            print("MySQL run skipped (set REQUIRE_MYSQL=1 to make this an error)")
        print("\n===== test suite on SQLite =====", flush=True)
        failures += finished(started_pytest("SQLite", None, args)) != 0
        failures += run_miniprogram() != 0
        if mysql_run is not None:
            failures += finished(mysql_run) != 0
    except (KeyboardInterrupt, SystemExit) as interruption:
        # Ctrl-C reached every suite already (the terminal signals its whole process group); a CI's SIGTERM did not.
        stop_running(signalled=isinstance(interruption, KeyboardInterrupt))
        raise
    finally:
        if mysql_run is not None:
            mysql_run.wait()  # stopped already if we were interrupted; after any other error it ends on its own
            print_output("MySQL", mysql_output)
    return 1 if failures else 0


def stop_running(*, signalled):
    """Let every suite still running stop as Ctrl-C stops it (pytest tears down, stopping the servers its tests
    started; npm passes the signal on to jest), sending SIGINT unless `signalled`; kill what is still running
    STOP_SECONDS later. A second SIGTERM meanwhile does not cut the stopping short."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if not signalled:
        for process in RUNNING:
            process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_SECONDS
    for process in RUNNING:
        try:
            process.wait(timeout=max(0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def print_output(label, output):
    """The output a suite kept in `output`, under its heading; the file is gone afterwards."""
    with output:
        print(f"\n===== test suite on {label} =====", flush=True)
        output.seek(0)
        sys.stdout.buffer.write(output.read())
        sys.stdout.flush()


def stop_on_sigterm():
    """A CI cancel (SIGTERM) unwinds as an interruption does, so the suites are stopped too."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))


if __name__ == "__main__":
    stop_on_sigterm()
    sys.exit(main(sys.argv[1:]))
