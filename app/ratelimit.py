"""Request rate limits (flask-limiter) kept in storage every web process shares.

`RATELIMIT_STORAGE_URI` is `memory://` for development and a Redis URL in
production, where several gunicorn workers and machines must count together.
"""
import logging
import time

from flask import g, has_app_context
from flask_limiter import Limiter, RouteLimit
from limits.storage import RedisStorage
from limits.strategies import STRATEGIES, FixedWindowRateLimiter, WindowStats

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


class FixedWindowOwnHits(FixedWindowRateLimiter):
    """limits' fixed window, whose response headers (remaining, reset) come from the request's own hit: on Redis
    the hit reads the count and the time left in its one round trip, where the headers read both again (two more
    round trips a request, a tenth of a scan's time). Elsewhere (memory://, outside a request) it is limits' own."""

    def __init__(self, storage):
        super().__init__(storage)
        self._hit_script = (storage.get_connection().register_script(_HIT_WITH_TIME_LEFT)
                            if isinstance(storage, RedisStorage) else None)

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
        if self.exempt_when is not None and self.exempt_when():
            return iter(())
        value = self.limit_provider() if callable(self.limit_provider) else self.limit_provider
        if value not in self._built:
            self._built[value] = tuple(super().__iter__())
        return iter(self._built[value])


def shared_limit(limit_value, scope, **options):
    """`limiter.shared_limit`, its limits built once per value (`BuiltOnceLimit`)."""
    return BuiltOnceLimit(limit_provider=limit_value, scope=scope, limiter=limiter, shared=True,
                          override_defaults=True, **options)


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
    return per_address(per_openid(view))


def authorization_lookup_limited(view):
    """Limit verifications of agents (page and JSON together) per address and per openid: a phone or WeChat ID
    search tells whether someone is an agent, so it must not be run in bulk."""
    per_openid = shared_limit(lambda: get_settings().AUTHORIZATION_OPENID_RATE_LIMIT,
                              scope="authorization_lookup_openid", key_function=openid_key,
                              exempt_when=lambda: not openid_key())
    per_address = shared_limit(lambda: get_settings().AUTHORIZATION_RATE_LIMIT, scope="authorization_lookup_ip")
    return per_address(per_openid(view))


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
    return per_address(per_openid(view))


def tracking_limited(view):
    """Limit customers' tracking pages per address (TRACKING_RATE_LIMIT), as the scan page is limited: share
    tokens are unguessable, so only volume could find one."""
    return shared_limit(lambda: get_settings().TRACKING_RATE_LIMIT, scope="tracking_page_ip")(view)


def proof_upload_limited(view):
    """Limit transfer-proof uploads (top-up and order payment proofs together) per WeChat user, that is per agent
    (PROOF_UPLOAD_RATE_LIMIT): each keeps an image on disk. Placed under the login decorator, which sets the user."""
    return shared_limit(lambda: get_settings().PROOF_UPLOAD_RATE_LIMIT, scope="proof_upload",
                        key_function=lambda: openid_key() or client_ip())(view)
