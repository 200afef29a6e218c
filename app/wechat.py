"""The one WeChat client: wechatpy pointed at WECHAT_API_BASE, tokens shared through the database.

wechatpy does the protocol work. Two of its defaults are unsafe here (see
WECHAT.md): it fetches tokens from a hard-coded host, and on an expired token it
retries without limit. Clients made here fix both.
"""
import logging
from contextlib import contextmanager
from datetime import timedelta

import requests
from peewee import CharField, DateTimeField, TextField
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session import SessionStorage

from app.clock import utcnow
from app.config import DEFAULT_WECHAT_API_BASE, get_settings
from app.database import BaseModel, db, is_mysql, upsert
from app.errors import InvalidInput, Unavailable

log = logging.getLogger(__name__)

TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
RATE_LIMIT_ERRCODE = 45009


class WechatCacheEntry(BaseModel):
    """A value wechatpy keeps between calls (the access token), shared by every process."""

    key = CharField(max_length=191, unique=True)
    value = TextField()
    expires_at = DateTimeField(null=True)


class DatabaseSessionStorage(SessionStorage):
    """wechatpy session storage in the database, honouring ttl."""

    def get(self, key, default=None):
        entry = WechatCacheEntry.get_or_none(WechatCacheEntry.key == key)
        if entry is None or not entry.value or (entry.expires_at and entry.expires_at <= utcnow()):
            return default  # an empty row is a key's place kept before it has a value (see fetch_access_token)
        return entry.value

    def set(self, key, value, ttl=None):
        expires_at = utcnow() + timedelta(seconds=int(ttl)) if ttl else None
        upsert(WechatCacheEntry, {"key": key, "value": value, "expires_at": expires_at},
               conflict_fields=[WechatCacheEntry.key],
               update_fields=[WechatCacheEntry.value, WechatCacheEntry.expires_at])

    def delete(self, key):
        WechatCacheEntry.delete().where(WechatCacheEntry.key == key).execute()


class ConfiguredClient(WeChatClient):
    """A WeChatClient whose every call, the token included, goes to `api_base`."""

    def __init__(self, appid, secret, *, api_base, timeout):
        super().__init__(appid, secret, session=DatabaseSessionStorage(), timeout=timeout, auto_retry=False)
        self.api_base = api_base
        self._token_in_use = None
        self.API_BASE_URL = api_base + "cgi-bin/"
        # The API endpoints are instance attributes (wechatpy sets them in __new__); walking
        # dir(self) instead would evaluate the access_token property and fetch a token.
        for endpoint in list(vars(self).values()):
            base = getattr(endpoint, "API_BASE_URL", None)
            if isinstance(base, str) and base.startswith(DEFAULT_WECHAT_API_BASE):
                endpoint.API_BASE_URL = api_base + base[len(DEFAULT_WECHAT_API_BASE):]

    @property
    def access_token(self):
        """The shared token; remembered so that a refresh can tell whether another process already replaced it."""
        token = super().access_token
        self._token_in_use = token
        return token

    def fetch_access_token(self):
        """Refresh the shared token under a database lock: of racing processes one fetches, the rest reuse its token.

        A new token invalidates the old one after five minutes, so a refresh per
        process would make processes knock each other's tokens out.
        """
        lock_id = _cache_row_id(self.access_token_key + ":refresh")
        # The token's row exists before the lock is taken, so that the refresh updates it: inserting it, into the
        # unique index's gap just before the lock row, deadlocked with another process's INSERT of the lock row
        # waiting behind the lock (MySQL).
        _cache_row_id(self.access_token_key)
        with db.atomic():
            _lock_cache_row(lock_id)
            current = self.session.get(self.access_token_key)
            if current and current != self._token_in_use:
                return {"access_token": current}
            return self._fetch_access_token(
                url=self.api_base + "cgi-bin/token",
                params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            )


def _cache_row_id(key):
    """The id of a cache row, created if missing.

    Outside the locking transaction on purpose: racing INSERTs of a missing row inside
    locking transactions deadlock on MySQL's gap locks, and a read inside it would fix
    the transaction's snapshot before the lock is held.
    """
    row_id = WechatCacheEntry.select(WechatCacheEntry.id).where(WechatCacheEntry.key == key)
    found = row_id.scalar()
    if found is None:  # only then an INSERT, which would wait behind a process holding the row's lock
        WechatCacheEntry.insert(key=key, value="").on_conflict_ignore().execute()
        found = row_id.scalar()
    return found


def _lock_cache_row(row_id):
    """Hold a row lock until the transaction ends, by primary key (SQLite: the IMMEDIATE transaction already does).

    By primary key because a locking read through the unique `key` index takes a
    next-key lock whose gap holds the token row, whose upsert would then deadlock.
    """
    if is_mysql():
        WechatCacheEntry.select(WechatCacheEntry.id).where(WechatCacheEntry.id == row_id).for_update().get()


def _client(appid, secret):
    settings = get_settings()
    return ConfiguredClient(appid, secret, api_base=settings.WECHAT_API_BASE,
                            timeout=settings.WECHAT_TIMEOUT_SECONDS)


def mini_program_client():
    """The client for the agents' mini-program."""
    settings = get_settings()
    return _client(settings.WECHAT_MP_APPID, settings.WECHAT_MP_SECRET)


def official_account_client():
    """The client for the brand's official account."""
    settings = get_settings()
    return _client(settings.WECHAT_OA_APPID, settings.WECHAT_OA_SECRET)


def call_with_token_refresh(client, call):
    """Run `call()`; on an expired/invalid token refetch it once and retry once."""
    try:
        return call()
    except WeChatClientException as exc:
        if exc.errcode not in TOKEN_ERRCODES:
            raise
    client.fetch_access_token()
    return call()


NETWORK_ERRORS = (requests.RequestException,)
INVALID_PHONE_CODE_ERRCODES = (40029, 40163)


def mini_program_phone_number(code):
    """The phone number a getPhoneNumber button's `code` stands for (手机号快速验证, usable once), as WeChat
    gives it (purePhoneNumber); InvalidInput when the code is bad or used, Unavailable when WeChat is."""
    if not get_settings().wechat_mp_configured:
        raise Unavailable("小程序尚未配置，无法获取手机号", code="wechat_not_configured")
    client = mini_program_client()
    invalid = InvalidInput.on("phone_code", "手机号授权已失效，请重新点击获取手机号", code="invalid_phone_code")
    with failures_as_domain_errors("getuserphonenumber", refusals=dict.fromkeys(INVALID_PHONE_CODE_ERRCODES, invalid)):
        answer = call_with_token_refresh(
            client, lambda: client.post("wxa/business/getuserphonenumber", data={"code": code},
                                        api_base_url=get_settings().WECHAT_API_BASE))
    return str((answer.get("phone_info") or {}).get("purePhoneNumber") or "")


@contextmanager
def failures_as_domain_errors(operation, *, refusals=None):
    """Turn a WeChat call's failures into domain errors: an errcode in `refusals` raises the error it maps to;
    any other errcode, or no answer at all, is 503 (WeChat unavailable). WeChat Pay's err_code (a string such
    as "ORDERPAID") counts as the errcode."""
    try:
        yield
    except WeChatClientException as exc:  # WeChatPayException is one too
        refusal = (refusals or {}).get(exc.errcode)
        if refusal is not None:
            raise refusal from exc
        log.warning("%s failed: errcode=%s", operation, exc.errcode)
        raise Unavailable("微信服务暂时不可用，请稍后再试", code="wechat_unavailable") from exc
    except NETWORK_ERRORS as exc:
        log.warning("%s unreachable: %s", operation, type(exc).__name__)
        raise Unavailable("微信服务暂时不可用，请稍后再试", code="wechat_unavailable") from exc
