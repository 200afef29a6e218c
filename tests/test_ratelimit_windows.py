"""A limit of several windows (SCAN_RATE_LIMIT's "60/minute;600/hour"): every window checked and counted, as
flask-limiter counts them: smallest window first, and a look-up refused by one window counts in none after it."""
import socket

import pytest
import redis
from limits import parse
from limits.storage import storage_from_string

from app.ratelimit import FixedWindowOwnHits, limiter
from tests.factories import codes_of, make_batch, overridden_settings, scan_client, wechat_login


def _count(app, limit, *identifiers):
    """The look-ups `limit` ("2/minute") has counted in its current window for `identifiers` (key, scope)."""
    return limiter.storage.get(parse(limit).key_for(app.config["RATELIMIT_KEY_PREFIX"], *identifiers))


def _address(client):
    return client.environ_base["REMOTE_ADDR"]


def _scans(client, code, times, **options):
    return [client.get(f"/v/{code}", **options).status_code for _ in range(times)]


def test_the_61st_look_up_in_a_minute_is_refused(app):
    client, code = scan_client(app), codes_of(make_batch(1))[0]
    with overridden_settings(SCAN_RATE_LIMIT="60/minute;600/hour"):
        statuses = _scans(client, code, 61)
    assert statuses == [200] * 60 + [429]


def test_a_look_up_beyond_the_longer_window_is_refused_though_the_shorter_has_room(app):
    client, code = scan_client(app), codes_of(make_batch(1))[0]
    with overridden_settings(SCAN_RATE_LIMIT="1000/minute;5/hour"):
        pages = [client.get(f"/v/{code}") for _ in range(6)]
    assert [page.status_code for page in pages] == [200] * 5 + [429]
    assert pages[-1].headers["X-RateLimit-Limit"] == "5"  # the refused answer speaks of the window that refused it
    assert "查询过于频繁" in pages[-1].get_data(as_text=True)


def test_each_window_counts_a_look_up_once(app):
    client, code = scan_client(app), codes_of(make_batch(1))[0]
    with overridden_settings(SCAN_RATE_LIMIT="60/minute;600/hour"):
        _scans(client, code, 3)
    assert _count(app, "60/minute", _address(client), "code_lookup_ip") == 3
    assert _count(app, "600/hour", _address(client), "code_lookup_ip") == 3


def test_a_look_up_refused_by_the_shorter_window_is_not_counted_in_the_longer(app):
    client, code = scan_client(app), codes_of(make_batch(1))[0]
    with overridden_settings(SCAN_RATE_LIMIT="2/minute;10/hour"):
        statuses = _scans(client, code, 4)
    assert statuses == [200, 200, 429, 429]
    assert _count(app, "2/minute", _address(client), "code_lookup_ip") == 4
    assert _count(app, "10/hour", _address(client), "code_lookup_ip") == 2


def test_a_look_up_refused_by_the_longer_window_is_counted_in_both(app):
    client, code = scan_client(app), codes_of(make_batch(1))[0]
    with overridden_settings(SCAN_RATE_LIMIT="10/minute;2/hour"):
        statuses = _scans(client, code, 3)
    assert statuses == [200, 200, 429]
    assert _count(app, "10/minute", _address(client), "code_lookup_ip") == 3
    assert _count(app, "2/hour", _address(client), "code_lookup_ip") == 3


def test_the_answer_tells_the_shortest_window_while_none_refuses(app):
    client, code = scan_client(app), codes_of(make_batch(1))[0]
    with overridden_settings(SCAN_RATE_LIMIT="3/minute;100/hour"):
        pages = [client.get(f"/v/{code}") for _ in range(2)]
    assert [(page.headers["X-RateLimit-Limit"], page.headers["X-RateLimit-Remaining"]) for page in pages] == [
        ("3", "2"), ("3", "1")]


def test_the_windows_of_openid_and_address_count_in_order_of_length_until_one_refuses(app, fake_wechat):
    client, code = scan_client(app), codes_of(make_batch(1))[0]
    headers, _ = wechat_login(client, fake_wechat, openid="openid-windows")
    with overridden_settings(SCAN_RATE_LIMIT="100/minute;100/hour", SCAN_OPENID_RATE_LIMIT="1/minute;100/hour"):
        statuses = [client.get(f"/api/mp/codes/{code}", headers=headers).status_code for _ in range(2)]
    assert statuses == [200, 429]
    address = _address(client)
    # The minutes first, the openid's before the address's, then the hours: the second look-up, refused by the
    # openid's minute, counted in no window after it.
    assert _count(app, "1/minute", "openid-windows", "code_lookup_openid") == 2
    assert _count(app, "100/minute", address, "code_lookup_ip") == 1
    assert _count(app, "100/hour", address, "code_lookup_ip") == 1
    assert _count(app, "100/hour", "openid-windows", "code_lookup_openid") == 1


def test_a_look_up_is_one_round_trip_to_the_limits_storage(app, monkeypatch):
    client, code = scan_client(app), codes_of(make_batch(1))[0]
    commands = []
    original = redis.connection.AbstractConnection.send_packed_command

    def counting(self, command, *args, **options):  # every command sent, through redis-py's client or not
        commands.append(command)
        return original(self, command, *args, **options)

    with overridden_settings(SCAN_RATE_LIMIT="60/minute;600/hour"):
        client.get(f"/v/{code}")
        monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
        page = client.get(f"/v/{code}")
    assert page.status_code == 200
    assert len(commands) == 1


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def limits_storage_down():
    """The rate limits kept in a Redis that does not answer (nothing listens on its port)."""
    dead = storage_from_string(f"redis://127.0.0.1:{_free_port()}")
    saved = limiter._storage, limiter._limiter
    limiter._storage, limiter._limiter = dead, FixedWindowOwnHits(dead)
    try:
        yield
    finally:
        limiter._storage, limiter._limiter = saved


def test_a_look_up_while_the_limits_storage_is_down_fails_as_a_server_error(app, limits_storage_down):
    client, code = scan_client(app), codes_of(make_batch(1))[0]
    page = client.get(f"/v/{code}")
    answer = client.get(f"/api/mp/codes/{code}")
    assert page.status_code == 500
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (500, "internal_error")


def test_a_look_up_is_counted_when_the_limits_storage_has_not_the_script(app, monkeypatch):
    client, code = scan_client(app), codes_of(make_batch(1))[0]
    script = limiter.limiter._in_order_script
    monkeypatch.setattr(script, "sha", "0" * 40)  # as after a restart of Redis: the server knows no such script
    with overridden_settings(SCAN_RATE_LIMIT="60/minute;600/hour"):
        statuses = _scans(client, code, 2)
    assert statuses == [200, 200]
    assert _count(app, "60/minute", _address(client), "code_lookup_ip") == 2


def test_a_look_up_is_counted_after_the_limits_storage_dropped_the_connection(app):
    client, code = scan_client(app), codes_of(make_batch(1))[0]
    redis_client = limiter.storage.get_connection()
    with overridden_settings(SCAN_RATE_LIMIT="60/minute;600/hour"):
        _scans(client, code, 1)
        redis_client.client_kill_filter(_id=redis_client.client_id())  # the pooled connection, closed by the server
        statuses = _scans(client, code, 1)
    assert statuses == [200]
    assert _count(app, "60/minute", _address(client), "code_lookup_ip") == 2


def _failing_once(method, exc):
    """`method` of redis-py's connections, raising `exc` the first time (a network fault) and then as it is."""
    failures = [exc]

    def once(self, *args, **kwargs):
        if failures:
            raise failures.pop()
        return method(self, *args, **kwargs)
    return once


def test_a_look_up_whose_command_could_not_be_sent_is_counted_once(app, monkeypatch):
    client, code = scan_client(app), codes_of(make_batch(1))[0]
    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", _failing_once(
        redis.connection.Connection.send_packed_command, redis.exceptions.ConnectionError("lost before sending")))
    with overridden_settings(SCAN_RATE_LIMIT="60/minute;600/hour"):
        statuses = _scans(client, code, 1)
    assert statuses == [200]
    assert _count(app, "60/minute", _address(client), "code_lookup_ip") == 1


def test_a_look_up_whose_answer_was_lost_is_an_error_never_counted_twice(app, monkeypatch):
    client, code = scan_client(app), codes_of(make_batch(1))[0]
    read = redis.connection.Connection.read_response

    def lost_after_the_answer(self, *args, **kwargs):
        read(self, *args, **kwargs)  # the script ran: its answer arrived, and the connection broke at once
        monkeypatch.setattr(redis.connection.Connection, "read_response", read)
        raise redis.exceptions.ConnectionError("lost after the answer")

    monkeypatch.setattr(redis.connection.Connection, "read_response", lost_after_the_answer)
    with overridden_settings(SCAN_RATE_LIMIT="60/minute;600/hour"):
        statuses = _scans(client, code, 1)
    assert statuses == [500]
    assert _count(app, "60/minute", _address(client), "code_lookup_ip") == 1
