"""Request rate limits (flask-limiter) kept in storage every web process shares.

`RATELIMIT_STORAGE_URI` is `memory://` for development and a Redis URL in
production, where several gunicorn workers and machines must count together.
"""
import dataclasses
import functools
import logging
import time
import weakref

from flask import current_app, g, has_app_context, request
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit, RouteLimit
from flask.wrappers import Response
from limits.limits import safe_string
from limits.storage import RedisClusterStorage, RedisStorage
from limits.strategies import STRATEGIES, FixedWindowRateLimiter, WindowStats
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.agents import service as agents
from app.config import get_settings
from app.http import client_ip

log = logging.getLogger(__name__)

# limits' fixed-window increment (incr_expire.lua), answering the window's seconds left with the count.
_HIT_WITH_TIME_LEFT = """
local amount = tonumber(ARGV[2])
local current = redis.call("incrby", KEYS[1], amount)
if tonumber(current) == amount then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""


# Several windows hit in one round trip, in the order given, until one refuses: what flask-limiter does with one
# round trip a window (KEYS: the windows' keys; ARGV: expiry, cost and amount of each, in turn). Answers each hit
# window's count and seconds left; a window after the refusing one is neither counted nor answered.
_HIT_IN_ORDER = """
local answers = {}
for i, key in ipairs(KEYS) do
    local cost = tonumber(ARGV[3 * i - 1])
    local current = redis.call("incrby", key, cost)
    if current == cost then
        redis.call("expire", key, ARGV[3 * i - 2])
    end
    answers[2 * i - 1] = current
    answers[2 * i] = redis.call("ttl", key)
    if current > tonumber(ARGV[3 * i]) then
        break
    end
end
return answers
"""


class FixedWindowOwnHits(FixedWindowRateLimiter):
    """limits' fixed window, whose response headers (remaining, reset) come from the request's own hit: on Redis
    the hit reads the count and the time left in its one round trip, where the headers read both again (two more
    round trips a request, a tenth of a scan's time). Elsewhere (memory://, outside a request) it is limits' own.
    On one Redis (not a cluster, whose keys of one script must share a slot) `hit_in_order` hits several windows
    in one round trip (see `limited`)."""

    def __init__(self, storage):
        super().__init__(storage)
        redis_storage = isinstance(storage, RedisStorage)
        self._hit_script = (storage.get_connection().register_script(_HIT_WITH_TIME_LEFT)
                            if redis_storage else None)
        self._in_order_script = (storage.get_connection().register_script(_HIT_IN_ORDER)
                                 if redis_storage and not isinstance(storage, RedisClusterStorage) else None)

    def hit_in_order(self, keys, arguments):
        """Hit each window of `keys` (the storage's keys) in turn by one, stopping after the first refused, in one
        round trip (`arguments`: expiry, cost and amount of each, in turn); [(count, resets at)] of the windows hit,
        the refused one last."""
        answers = self._in_order(keys, arguments)
        now = time.time()
        return [(int(answers[i]), max(int(answers[i + 1]), 0) + now) for i in range(0, len(answers), 2)]

    def _in_order(self, keys, arguments):
        """`_HIT_IN_ORDER`'s answer, its EVALSHA sent on a connection of the client's pool as the one command it is:
        redis-py's machinery around a command (its script wrapper, metrics, events, retry wrapper) cost more Python
        than the rest of a request's rate limit. Where it cannot have run (no connection, the command not sent, the
        script not loaded on the server) the script is run through redis-py, which connects or loads it as it would
        have; an answer lost after the command went out is an error, as through redis-py (which does not retry
        it): sent again, the hits would count twice."""
        script = self._in_order_script
        pool = script.registered_client.connection_pool
        try:
            connection = pool.get_connection()
        except (RedisConnectionError, RedisTimeoutError):
            return script(keys, arguments)
        try:
            try:
                connection.send_packed_command(connection.pack_command("EVALSHA", script.sha, len(keys), *keys,
                                                                       *arguments))
            except (RedisConnectionError, RedisTimeoutError):
                connection.disconnect()
                return script(keys, arguments)
            try:
                return connection.read_response()
            except NoScriptError:
                return script(keys, arguments)
            except (RedisConnectionError, RedisTimeoutError):
                connection.disconnect()
                raise
        finally:
            pool.release(connection)

    def hit(self, item, *identifiers, cost=1):
        if self._hit_script is None or not has_app_context():
            return super().hit(item, *identifiers, cost=cost)
        key = item.key_for(*identifiers)
        count, seconds_left = self._hit_script([self.storage.prefixed_key(key)], [item.get_expiry(), cost])
        g.setdefault("rate_limit_hits", {})[key] = (int(count), max(int(seconds_left), 0) + time.time())
        return int(count) <= item.amount

    def get_window_stats(self, item, *identifiers):
        key = item.key_for(*identifiers)
        own = g.get("rate_limit_hits", {}).pop(key, None) if has_app_context() else None
        if own is None:
            return super().get_window_stats(item, *identifiers)
        count, resets_at = own
        return WindowStats(resets_at, max(0, item.amount - count))


STRATEGIES["fixed-window-own-hits"] = FixedWindowOwnHits
limiter = Limiter(key_func=client_ip, default_limits=[], strategy="fixed-window-own-hits")


class BuiltOnceLimit(RouteLimit):
    """flask-limiter's shared limit of a view, its runtime limits parsed and built once per configured value
    rather than on every request, and none at all while `exempt_when` exempts the request (flask-limiter would
    build them, then skip each one as exempt)."""

    def __post_init__(self, limiter):
        super().__post_init__(limiter)
        self._built = {}

    def __iter__(self):
        return iter(self.runtime_limits(self.value_now()))

    def value_now(self):
        """The configured value for this request; None while `exempt_when` exempts it."""
        if self.exempt_when is not None and self.exempt_when():
            return None
        return self.limit_provider() if callable(self.limit_provider) else self.limit_provider

    def runtime_limits(self, value):
        """The runtime limits of `value` (of `value_now`), built once per value."""
        if value is None:
            return ()
        if value not in self._built:
            self._built[value] = tuple(super().__iter__())
        return self._built[value]


def shared_limit(limit_value, scope, *, key_function=None, exempt_when=None, on_breach=None):
    """`limiter.shared_limit`, its limits built once per value (`BuiltOnceLimit`); a view takes its limits
    through `limited`."""
    return BuiltOnceLimit(limit_provider=limit_value, scope=scope, limiter=limiter, shared=True,
                          override_defaults=True, key_function=key_function, exempt_when=exempt_when,
                          on_breach=on_breach)


def limited(*limits):
    """Decorate a view with every one of its `shared_limit`s, in the order flask-limiter would have them from
    stacked decorators (the innermost first): on one Redis, all their windows are checked and counted in one
    round trip (`hit_in_order`), as flask-limiter checks them with one round trip each: smallest window first
    (a stable sort), each counted, until the first that refuses (FAIL_ON_FIRST_BREACH), which answers 429 after
    its `on_breach`; the response headers speak of the refusing window, else of the first. Anywhere else (memory://,
    a cluster, the limiter disabled or configured otherwise) flask-limiter checks them itself, as it did."""
    def decorate(view):
        checked = view
        for limit in limits:  # registered with flask-limiter as its decorators do; its check is the fallback
            checked = limit(checked)
        windows = _ViewWindows(limits)

        @functools.wraps(view)
        def limited_view(*args, **kwargs):
            if not _checked_in_one_round_trip(windows):
                return checked(*args, **kwargs)
            return current_app.ensure_sync(view)(*args, **kwargs)

        return limited_view
    return decorate


def _window_length(runtime_limit):
    return runtime_limit.limit.GRANULARITY.seconds  # what flask-limiter sorts a request's limits by


_IDENTITY = "\0identity\0"  # stands for the request's identity in a key worked out before there is one


@dataclasses.dataclass(frozen=True, slots=True)
class _Window:
    """One runtime limit as a request hits it, worked out once: its scope, its key around the request's identity
    (`RateLimitItem.key_for(prefix, identity, scope)`, cut where the identity goes) and its arguments to
    `_HIT_IN_ORDER`, already the bytes the driver would send."""

    runtime_limit: object
    scope: str
    key_before: str
    key_after: str
    arguments: tuple

    @classmethod
    def of(cls, runtime_limit, *, endpoint, method, prefix):
        item, scope = runtime_limit.limit, runtime_limit.scope_for(endpoint, method)
        key_before, key_after = item.key_for(*_request_args(prefix, _IDENTITY, scope)).split(_IDENTITY)
        return cls(runtime_limit, scope, key_before, key_after,
                   tuple(str(number).encode() for number in (item.get_expiry(), 1, item.amount)))

    def key_for(self, identity):
        return f"{self.key_before}{safe_string(identity)}{self.key_after}"


def _request_args(prefix, identity, scope):
    """flask-limiter's identifiers of a hit (RequestLimit.request_args)."""
    return [prefix, identity, scope] if prefix else [identity, scope]


class _ViewWindows:
    """A view's limits as windows (`_Window`), smallest first as flask-limiter sorts them, worked out once per
    configured value of each limit (None while it exempts the request), endpoint, method and key prefix: a
    request only asks each limit its value and each window its identity."""

    def __init__(self, limits):
        self.limits = limits
        self._known = {}

    def now(self):
        endpoint, method, prefix = request.endpoint, request.method, limiter._key_prefix
        values = tuple(limit.value_now() for limit in self.limits)
        windows = self._known.get((values, endpoint, method, prefix))
        if windows is None:
            runtime_limits = (runtime for limit, value in zip(self.limits, values)
                              for runtime in limit.runtime_limits(value))
            windows = self._known[values, endpoint, method, prefix] = tuple(
                _Window.of(runtime, endpoint=endpoint, method=method, prefix=prefix)
                for runtime in sorted(runtime_limits, key=_window_length))
        return windows


class _Hit(RequestLimit):
    """flask-limiter's RequestLimit of a window this request hit, made from what the hit answered: its key and its
    window known already (RequestLimit would work the key out again)."""

    def __init__(self, runtime_limit, request_args, key, count, resets_at):
        self.extension, self.limit, self.request_args, self.key = _LIMITER, runtime_limit.limit, request_args, key
        self.runtime_limit, self.breached, self.shared = runtime_limit, count > self.limit.amount, runtime_limit.shared
        self._window = WindowStats(resets_at, max(0, self.limit.amount - count))


_LIMITER = weakref.proxy(limiter)  # what RequestLimit keeps of its extension


def _one_round_trip_applies(strategy):
    """Whether flask-limiter's check is the one `_checked_in_one_round_trip` does (see there)."""
    return not (getattr(strategy, "_in_order_script", None) is None or not (limiter.enabled and limiter.initialized)
                or limiter._storage_dead or limiter._in_memory_fallback_enabled or limiter._swallow_errors
                or not limiter._fail_on_first_breach or limiter._request_filters or limiter._meta_limits)


def _checked_in_one_round_trip(view_windows):
    """flask-limiter's check of a view's limits for this request (`Limiter._check_request_limit` with fail on first
    breach, no meta limits, no request filters, no fallback storage, errors not swallowed), its hits in one
    round trip; False, having done nothing, where the strategy or the configuration is not that one."""
    strategy = limiter.limiter
    if not _one_round_trip_applies(strategy):
        return False
    planned = []
    for window in view_windows.now():
        identity = window.runtime_limit.key_func()
        if not (identity and window.scope):
            limiter.logger.error(f"Skipping limit: {window.runtime_limit.limit}. Empty value found in parameters.")
            continue
        planned.append((window, identity, window.key_for(identity)))
    if not planned:
        return True
    answers = strategy.hit_in_order([strategy.storage.prefixed_key(key) for _, _, key in planned],
                                    [argument for window, _, _ in planned for argument in window.arguments])
    prefix = limiter._key_prefix
    seen = [_Hit(window.runtime_limit, _request_args(prefix, identity, window.scope), key, count, resets_at)
            for (window, identity, key), (count, resets_at) in zip(planned, answers)]
    refused = seen[-1] if seen[-1].breached else None
    context = limiter.context
    context.view_rate_limit = refused or next((one for one in seen if not one.shared), seen[0])
    context.view_rate_limits = seen
    if refused:
        _refuse(refused.runtime_limit, refused.request_args)
    return True


def _refuse(runtime_limit, args):
    """What flask-limiter does when a limit refuses a request: log it, call the breach callbacks, answer 429."""
    limiter.logger.info("ratelimit %s (%s) exceeded at endpoint: %s", runtime_limit.limit, args[-2], args[-1])
    refusal, response = RequestLimit(limiter, runtime_limit.limit, args, True, runtime_limit.shared), None
    for callback in dict.fromkeys([limiter._on_breach, runtime_limit.on_breach]):
        if callback:
            answer = callback(refusal)
            if isinstance(answer, Response):
                response = answer
    raise RateLimitExceeded(runtime_limit, response=response)


def init_limiter(app, settings):
    """Bind the limiter to `app` with the configured storage and key prefix."""
    app.config.update(RATELIMIT_STORAGE_URI=settings.RATELIMIT_STORAGE_URI,
                      RATELIMIT_KEY_PREFIX=settings.RATELIMIT_KEY_PREFIX,
                      RATELIMIT_HEADERS_ENABLED=True)
    limiter.init_app(app)
    skip_the_check_of_no_limits(app)
    warn_if_counted_per_process(settings)


def skip_the_check_of_no_limits(app):
    """flask-limiter checks the application's and default limits before every request; there are none (every
    limit is a view's own, checked by its decorator), so the check found nothing, for a tenth of `/healthz`."""
    manager = limiter.limit_manager
    if not (manager.application_limits or manager.default_limits or limiter._meta_limits):
        app.before_request_funcs[None].remove(limiter._check_request_limit)


def warn_if_counted_per_process(settings):
    """In production, say so when limits live in one process's memory: each gunicorn worker would count alone."""
    if settings.is_production and settings.RATELIMIT_STORAGE_URI.startswith("memory://"):
        log.warning("RATELIMIT_STORAGE_URI is memory://: every web process counts rate limits on its own; "
                    "set it to the Redis every process shares")


def openid_key():
    """The caller's WeChat openid (set by the door's login decorator before the limit is checked), else ""."""
    user = getattr(g, "wechat_user", None)
    return getattr(g, "openid", "") or (user.openid if user else "")


def lookup_limited(view):
    """Limit code look-ups per address and per openid, counted together over the page and the JSON API."""
    per_openid = shared_limit(lambda: get_settings().SCAN_OPENID_RATE_LIMIT, scope="code_lookup_openid",
                              key_function=openid_key, exempt_when=lambda: not openid_key())
    per_address = shared_limit(lambda: get_settings().SCAN_RATE_LIMIT, scope="code_lookup_ip")
    return limited(per_openid, per_address)(view)


def authorization_lookup_limited(view):
    """Limit verifications of agents (page and JSON together) per address and per openid: a phone or WeChat ID
    search tells whether someone is an agent, so it must not be run in bulk."""
    per_openid = shared_limit(lambda: get_settings().AUTHORIZATION_OPENID_RATE_LIMIT,
                              scope="authorization_lookup_openid", key_function=openid_key,
                              exempt_when=lambda: not openid_key())
    per_address = shared_limit(lambda: get_settings().AUTHORIZATION_RATE_LIMIT, scope="authorization_lookup_ip")
    return limited(per_openid, per_address)(view)


def _report_join_code_burst(_limit):
    agents.report_join_code_guessing(openid=openid_key(), ip=client_ip())


def join_code_limited(view):
    """Limit tries of invite and bind codes per address and per signed-in WeChat user, counted together over
    applying and binding (codes are guessable by volume only); a refused burst alerts the owner."""
    per_openid = shared_limit(lambda: get_settings().JOIN_CODE_OPENID_RATE_LIMIT, scope="join_code_openid",
                              key_function=openid_key, exempt_when=lambda: not openid_key(),
                              on_breach=_report_join_code_burst)
    per_address = shared_limit(lambda: get_settings().JOIN_CODE_RATE_LIMIT, scope="join_code_ip",
                               on_breach=_report_join_code_burst)
    return limited(per_openid, per_address)(view)


def tracking_limited(view):
    """Limit customers' tracking pages per address (TRACKING_RATE_LIMIT), as the scan page is limited: share
    tokens are unguessable, so only volume could find one."""
    return limited(shared_limit(lambda: get_settings().TRACKING_RATE_LIMIT, scope="tracking_page_ip"))(view)


def proof_upload_limited(view):
    """Limit transfer-proof uploads (top-up and order payment proofs together) per WeChat user, that is per agent
    (PROOF_UPLOAD_RATE_LIMIT): each keeps an image on disk. Placed under the login decorator, which sets the user."""
    return limited(shared_limit(lambda: get_settings().PROOF_UPLOAD_RATE_LIMIT, scope="proof_upload",
                                key_function=lambda: openid_key() or client_ip()))(view)
