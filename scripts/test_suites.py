"""Run the test suite on SQLite, then on MySQL (`make test`).

MySQL comes from TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306/weishang_test);
its database is created when missing. When the server cannot be reached the MySQL
run is skipped, unless REQUIRE_MYSQL=1, which makes that an error (CI sets it).
First the lint: `ruff check` (ruff.toml) and the import contracts (`lint-imports`, .importlinter).
Extra arguments go to pytest. Then the mini-program's jest suite runs in miniprogram/ (`npm ci`, `npm test`),
its journeys against the real backend started with this Python.
"""
import os
import subprocess
import sys
from urllib.parse import urlparse

import MySQLdb

DEFAULT_MYSQL_URL = "mysql://root@127.0.0.1:3306/weishang_test"


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
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    failed = subprocess.call([os.path.join(bin_dir, "ruff"), "check", "--no-cache", "."], cwd=root)
    return failed or subprocess.call([os.path.join(bin_dir, "lint-imports"), "--no-cache"], cwd=root)


def run_pytest(label, database_url, args):
    print(f"\n===== test suite on {label} =====", flush=True)
    env = dict(os.environ)
    env.pop("TEST_DATABASE_URL", None)
    if database_url:
        env["TEST_DATABASE_URL"] = database_url
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def run_miniprogram():
    print("\n===== mini-program suite (jest) =====", flush=True)
    folder = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "miniprogram")
    env = dict(os.environ, MP_PYTHON=sys.executable)
    installed = subprocess.call(["npm", "ci", "--no-audit", "--no-fund"], cwd=folder, env=env)
    return installed or subprocess.call(["npm", "test"], cwd=folder, env=env)


def main(args):
    failures = 0
    failures += run_lint() != 0
    failures += run_pytest("SQLite", None, args) != 0
    mysql_url = os.environ.get("TEST_MYSQL_URL", DEFAULT_MYSQL_URL)
    if ensure_mysql_database(mysql_url):
        failures += run_pytest("MySQL", mysql_url, args) != 0
    elif os.environ.get("REQUIRE_MYSQL") == "1":
        print("REQUIRE_MYSQL=1 and MySQL is unreachable: failing")
        failures += 1
    else:
        print("MySQL run skipped (set REQUIRE_MYSQL=1 to make this an error)")
    failures += run_miniprogram() != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
