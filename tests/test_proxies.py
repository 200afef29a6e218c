"""Behind nginx: the client's address comes from the one trusted hop, and a forgotten setting is said out loud."""
import logging
import uuid

from flask import Flask

from app.codes.models import CodeScan
from app.config import Settings
from app.http import trust_proxies
from app.ratelimit import warn_if_counted_per_process
from tests.factories import codes_of, make_batch, overridden_settings


def consumer_address():
    return f"198.51.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"


def test_a_scan_behind_nginx_records_the_consumers_address(behind_nginx):
    code, address = codes_of(make_batch(1))[0], consumer_address()
    behind_nginx.get(f"/api/mp/codes/{code}", headers={"X-Forwarded-For": address})
    assert CodeScan.get().ip == address


def test_an_address_the_client_forged_is_ignored(behind_nginx):
    code, address = codes_of(make_batch(1))[0], consumer_address()
    behind_nginx.get(f"/api/mp/codes/{code}", headers={"X-Forwarded-For": f"10.9.9.9, {address}"})
    assert CodeScan.get().ip == address


def test_consumers_behind_nginx_have_rate_limits_of_their_own(behind_nginx):
    code, first, second = codes_of(make_batch(1))[0], consumer_address(), consumer_address()
    with overridden_settings(SCAN_RATE_LIMIT="2/minute"):
        statuses = [behind_nginx.get(f"/api/mp/codes/{code}", headers={"X-Forwarded-For": first}).status_code
                    for _ in range(3)]
        other = behind_nginx.get(f"/api/mp/codes/{code}", headers={"X-Forwarded-For": second}).status_code
    assert statuses == [200, 200, 429]
    assert other == 200


def test_a_forwarded_request_without_trusted_proxies_is_logged_once(caplog):
    bare = Flask(__name__)
    bare.get("/")(lambda: "ok")
    trust_proxies(bare, 0)
    with caplog.at_level(logging.WARNING, logger="app.http"):
        for _ in range(2):
            bare.test_client().get("/", headers={"X-Forwarded-For": "203.0.113.5"})
    assert len([record for record in caplog.records if "TRUSTED_PROXIES" in record.message]) == 1


def test_production_with_per_process_rate_limits_is_logged(caplog):
    settings = Settings(ENV="production", SECRET_KEY="s", PUBLIC_BASE_URL="https://shop.example.com")
    with caplog.at_level(logging.WARNING, logger="app.ratelimit"):
        warn_if_counted_per_process(settings)
    assert "memory://" in caplog.text
