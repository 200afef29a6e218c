"""A first visit: `/` says where to go, the site has an icon, `make run` (scripts/run_dev.py) ends with the
console's address and the demo owner's sign-in and runs the scheduler's jobs in-process, and a forgotten
password is reset with `flask users set-password`."""
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest

from app.accounts import service as accounts
from app.accounts.models import LoginFailure
from app.config import ConfigError, Settings
from app.errors import Unauthenticated
from tests.factories import DEFAULT_PASSWORD, make_admin

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STRONG_KEY = "Zq8vN3xL7pR2tY6wB9mK4cH1dF5gJ0sA"


def test_the_front_page_links_the_console_the_scan_page_and_the_api(client):
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert all(f'href="{path}"' in page for path in ("/admin/", "/v/", "/api/openapi.json"))
    assert "管理后台" in page and "防伪查询" in page


def test_the_site_has_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_console_pages_name_the_icon(client):
    assert '<link rel="icon" href="/favicon.ico">' in client.get("/admin/login").get_data(as_text=True)


def test_production_refuses_the_in_process_scheduler():
    with pytest.raises(ConfigError, match="SCHEDULER_IN_PROCESS"):
        Settings.from_env({"ENV": "production", "SECRET_KEY": STRONG_KEY, "PUBLIC_BASE_URL": "https://shop.example.com",
                           "SCHEDULER_IN_PROCESS": True})


def test_set_password_lets_the_account_sign_in_with_the_new_password(app):
    user = make_admin("owner")
    result = app.test_cli_runner().invoke(args=["users", "set-password", user.username, "--password", "brand-new-pass"])
    assert result.exit_code == 0, result.output
    accounts.login_admin(username=user.username, password="brand-new-pass", ip="127.0.0.1")


def test_set_password_forgets_the_failed_sign_ins_that_locked_the_account_out(app):
    user = make_admin("owner")
    LoginFailure.create(username=user.username, ip="10.0.0.1", pending=False)
    app.test_cli_runner().invoke(args=["users", "set-password", user.username, "--password", "brand-new-pass"])
    assert not LoginFailure.select().where(LoginFailure.username == user.username).exists()


def test_set_password_ends_the_accounts_sessions(app):
    user = make_admin("owner")
    _, signed = accounts.login_admin(username=user.username, password=DEFAULT_PASSWORD, ip="127.0.0.1")
    app.test_cli_runner().invoke(args=["users", "set-password", user.username, "--password", "brand-new-pass"])
    with pytest.raises(Unauthenticated):
        accounts.admin_from_token(signed.token)


def test_set_password_refuses_an_unknown_username(app):
    result = app.test_cli_runner().invoke(args=["users", "set-password", "nobody-here", "--password", "brand-new-pass"])
    assert result.exit_code != 0
    assert "没有这个用户名" in result.output


def test_set_password_refuses_a_short_password(app):
    user = make_admin("owner")
    result = app.test_cli_runner().invoke(args=["users", "set-password", user.username, "--password", "short"])
    assert result.exit_code != 0
    assert "密码至少8位" in result.output


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def make_run(tmp_path):
    """`make run`'s steps in a directory of its own: migrate and seed a SQLite database, then start the server
    with the scheduler in-process; yields (its address, the lines it printed before serving, the database path)."""
    database = tmp_path / "demo.db"
    env = {**os.environ, "ENV": "development", "DATABASE_URL": f"sqlite:///{database}", "PYTHONPATH": ROOT,
           "FLASK_APP": "wsgi", "UPLOAD_DIR": str(tmp_path / "uploads"), "WECHAT_OA_APPID": "", "WECHAT_OA_SECRET": "",
           "SCHEDULER_IN_PROCESS": "1", "TASK_WORKER_THREAD": "1", "PORT": str(_free_port()),
           "RATELIMIT_STORAGE_URI": "memory://"}
    env.pop("SECRET_KEY", None)
    for step in (["db", "upgrade"], ["seed"]):
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *step], cwd=tmp_path, env=env, check=True,
                       capture_output=True, timeout=120)
    server = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", "run_dev.py")], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines = []
        while not lines or "Ctrl+C" not in lines[-1]:
            line = server.stdout.readline()
            assert line, f"the server stopped: {lines}"
            lines.append(line.rstrip("\n"))
        yield f"http://127.0.0.1:{env['PORT']}", lines, database
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.committed
def test_make_run_ends_with_the_console_address_and_the_demo_sign_in(make_run):
    base, lines, _ = make_run
    account = next(line for line in lines[-5:] if "/admin/" in line)
    password = re.search(r"sign in as owner / (\S+)", account).group(1)
    with urllib.request.urlopen(base + "/admin/login") as response:
        assert response.status == 200
    assert len(password) >= 8


@pytest.mark.committed
def test_make_run_runs_the_scheduler_jobs_in_its_own_process(make_run):
    _, _, database = make_run
    deadline = time.monotonic() + 30
    ran = []
    while time.monotonic() < deadline and not ran:
        with sqlite3.connect(database) as connection:
            ran = connection.execute("SELECT job FROM job_run WHERE job = 'drain_outbox'").fetchall()
        time.sleep(0.5)
    assert ran
