"""Settings come from the environment and refuse unsafe production setups."""
import os
import subprocess
import sys

import pytest
from dotenv import dotenv_values
from flask import Flask

from app.config import DEV_SECRET_KEY, ConfigError, Settings, new_secret
from app.http import serve_only_this_machine, trust_proxies

STRONG_KEY = "kq3VbX9w-LJt2RmZ8sYcN4pH_aE6uDfG1oWiT7nB"
PUBLIC = "https://shop.example.com"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        Settings.from_env({"ENV": "production"})


def test_production_starts_with_a_secret_key_and_a_public_https_address():
    assert Settings.from_env({"ENV": "production", "SECRET_KEY": STRONG_KEY, "PUBLIC_BASE_URL": PUBLIC}).is_production


@pytest.mark.parametrize("url", ["http://127.0.0.1:5000", "http://shop.example.com", "https://localhost"])
def test_production_refuses_a_public_address_that_codes_cannot_be_printed_with(url):
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        Settings.from_env({"ENV": "production", "SECRET_KEY": STRONG_KEY, "PUBLIC_BASE_URL": url})


def test_environment_variables_are_read_and_typed(monkeypatch):
    monkeypatch.setenv("MAX_BODY_BYTES", "1234")
    monkeypatch.setenv("WECHAT_OA_TOKEN", "tok")
    settings = Settings.from_env()
    assert settings.MAX_BODY_BYTES == 1234
    assert settings.WECHAT_OA_TOKEN == "tok"


@pytest.mark.parametrize("overrides, message", [
    ({"DATABASE_URL": "mysql://app@db.internal/weishang", "DATABASE_TLS_CA": "/nowhere/ca.pem"}, "names no file"),
    ({"DATABASE_URL": "sqlite:///instance/weishang.db", "DATABASE_TLS_CA": __file__}, "is for MySQL"),
])
def test_a_database_tls_ca_that_cannot_work_is_refused_at_start(overrides, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(overrides)


def test_api_base_must_end_with_a_slash():
    with pytest.raises(ConfigError):
        Settings.from_env({"WECHAT_API_BASE": "http://127.0.0.1:1"})


@pytest.mark.parametrize("key", ["change-me", DEV_SECRET_KEY, "s3cret", "x" * 64, "0123456789" * 4,
                                 "please-change-me-to-a-long-random-string-now"])
def test_production_refuses_a_short_regular_or_placeholder_secret_key(key):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env({"ENV": "production", "SECRET_KEY": key, "PUBLIC_BASE_URL": PUBLIC})


def test_production_refuses_a_weak_code_pin_key():
    with pytest.raises(ConfigError, match="CODE_PIN_KEY"):
        Settings.from_env({"ENV": "production", "SECRET_KEY": STRONG_KEY, "CODE_PIN_KEY": "change-me",
                           "PUBLIC_BASE_URL": PUBLIC})


def test_the_example_production_settings_hold_no_usable_secret_key():
    example = dotenv_values(os.path.join(ROOT, "deploy", "weishang.env.example"))
    overrides = {name: value for name, value in example.items() if name in ("ENV", "SECRET_KEY", "PUBLIC_BASE_URL")}
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Settings.from_env(overrides)


def test_flask_secret_new_prints_a_key_production_accepts(app):
    result = app.test_cli_runner().invoke(args=["secret", "new"])
    assert result.exit_code == 0, result.output
    assert Settings.from_env({"ENV": "production", "SECRET_KEY": result.output.strip(),
                              "PUBLIC_BASE_URL": PUBLIC}).is_production


def test_new_secrets_differ():
    assert new_secret() != new_secret()


def _local_only_app(hops=0):
    bare = Flask(__name__)
    bare.get("/")(lambda: "ok")
    trust_proxies(bare, hops)
    serve_only_this_machine(bare)
    return bare.test_client()


def test_the_development_key_answers_this_machine():
    assert _local_only_app().get("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200


@pytest.mark.parametrize("address", ["203.0.113.5", "192.168.1.20", "::ffff:10.0.0.1"])
def test_the_development_key_refuses_another_machine(address):
    response = _local_only_app().get("/", environ_base={"REMOTE_ADDR": address})
    assert (response.status_code, response.get_json()["error"]["code"]) == (403, "development_key")


@pytest.mark.parametrize("hops", [0, 1])
def test_the_development_key_refuses_the_network_relayed_by_a_local_proxy(hops):
    response = _local_only_app(hops).get("/", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                         headers={"X-Forwarded-For": "203.0.113.5"})
    assert response.status_code == 403


def test_an_app_left_on_the_development_key_refuses_another_machine(tmp_path):
    probe = ("from app import create_app; client = create_app({'DATABASE_URL': 'sqlite:///%s/probe.db'}).test_client();"
             "print(client.get('/healthz', environ_base={'REMOTE_ADDR': '203.0.113.5'}).status_code)" % tmp_path)
    env = {key: value for key, value in os.environ.items() if key not in ("SECRET_KEY", "ENV")}
    result = subprocess.run([sys.executable, "-c", probe], cwd=str(tmp_path), env={**env, "PYTHONPATH": ROOT},
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.split()[-1:] == ["403"], result.stderr


def test_an_ip_database_path_that_names_no_file_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError, match="IP_REGION_DB"):
        Settings.from_env({"IP_REGION_DB": str(tmp_path / "missing.ipdb")})


def test_a_read_replica_needs_mysql_for_it_and_the_primary():
    with pytest.raises(ConfigError, match="DATABASE_REPLICA_URL"):
        Settings.from_env({"DATABASE_URL": "sqlite:///x.db", "DATABASE_REPLICA_URL": "mysql://root@127.0.0.1/x"})


def test_the_replica_lag_bound_must_be_positive():
    with pytest.raises(ConfigError, match="REPLICA_MAX_LAG_SECONDS"):
        Settings.from_env({"REPLICA_MAX_LAG_SECONDS": 0})
