"""Settings read from the environment (a `.env` file is honoured).

The variable names are a public interface: deployment scripts set them.
"""
import json
import math
import os
import re
import secrets
from collections import Counter
from dataclasses import dataclass, field, fields, replace
from urllib.parse import urlparse

from dotenv import load_dotenv

DEFAULT_WECHAT_API_BASE = "https://api.weixin.qq.com/"
DEFAULT_WECHAT_PAY_API_BASE = "https://api.mch.weixin.qq.com/"
DEFAULT_KUAIDI100_API_BASE = "https://poll.kuaidi100.com/"
DEV_SECRET_KEY = "dev-only-not-secret"
# A production key signs every bearer token and derives every scratch-off PIN: whoever knows it mints owner tokens
# offline. It must be long and random, and no placeholder a template or a tutorial ships.
MIN_SECRET_LENGTH = 32
MIN_SECRET_BITS = 128
PLACEHOLDER_WORDS = ("changeme", "notsecret", "devonly", "placeholder", "example", "replaceme", "yoursecret",
                     "secretkey", "testsecret", "benchsecret", "password")


class ConfigError(RuntimeError):
    """The configuration cannot run the app safely."""


def _bool(value):
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment, typed."""

    ENV: str = "development"
    DATABASE_URL: str = "sqlite:///instance/weishang.db"
    DATABASE_REPLICA_URL: str = ""
    REPLICA_MAX_LAG_SECONDS: float = 30.0
    DATABASE_TLS_CA: str = ""
    SECRET_KEY: str = DEV_SECRET_KEY
    PUBLIC_BASE_URL: str = "http://127.0.0.1:5000"
    TIMEZONE: str = "Asia/Shanghai"
    WECHAT_API_BASE: str = DEFAULT_WECHAT_API_BASE
    WECHAT_TIMEOUT_SECONDS: float = 5.0
    WECHAT_MP_APPID: str = ""
    WECHAT_MP_SECRET: str = ""
    WECHAT_OA_APPID: str = ""
    WECHAT_OA_SECRET: str = ""
    WECHAT_OA_TOKEN: str = ""
    WECHAT_OA_AES_KEY: str = ""
    MAX_BODY_BYTES: int = 2 * 1024 * 1024
    TOKEN_TTL_SECONDS: int = 7 * 24 * 3600
    ADMIN_TOKEN_TTL_SECONDS: int = 12 * 3600
    LOGIN_FAILURE_LIMIT: int = 5
    LOGIN_FAILURE_WINDOW_SECONDS: int = 15 * 60
    DB_MAX_CONNECTIONS: int = 20
    TRUSTED_PROXIES: int = 0
    RATELIMIT_STORAGE_URI: str = "memory://"
    RATELIMIT_KEY_PREFIX: str = "weishang"
    BRAND_NAME: str = "本品牌"
    SCAN_RATE_LIMIT: str = "60/minute;600/hour"
    SCAN_OPENID_RATE_LIMIT: str = "30/minute;300/hour"
    JOIN_CODE_RATE_LIMIT: str = "60/minute;600/hour"
    JOIN_CODE_OPENID_RATE_LIMIT: str = "10/minute;30/hour"
    SCAN_WARN_AFTER: int = 3
    SCAN_REPEAT_SECONDS: int = 30
    CLONE_FLAG_SCANS: int = 20
    CLONE_FLAG_DISTANCE_KM: int = 800
    CLONE_FLAG_WINDOW_HOURS: int = 24
    ENUMERATION_MISSES: int = 10
    ENUMERATION_WINDOW_SECONDS: int = 600
    PIN_MAX_FAILURES: int = 10
    PIN_LOCK_SOURCES: int = 5
    CODE_PIN_KEY: str = ""
    CROSS_REGION_NOTIFY_UPLINE: bool = False
    IP_REGION_DB: str = ""
    PRICE_BLOCK_OUT_OF_RANGE: bool = False
    WECHAT_PAY_MCH_ID: str = ""
    WECHAT_PAY_API_KEY: str = ""
    WECHAT_PAY_API_BASE: str = DEFAULT_WECHAT_PAY_API_BASE
    WECHAT_PAY_API_VERSION: str = ""
    WECHAT_PAY_PRIVATE_KEY_FILE: str = ""
    WECHAT_PAY_CERT_FILE: str = ""
    WECHAT_PAY_CERT_SERIAL: str = ""
    WECHAT_PAY_APIV3_KEY: str = ""
    WECHAT_PAY_PUBLIC_KEY_FILE: str = ""
    WECHAT_PAY_PUBLIC_KEY_ID: str = ""
    WECHAT_PAY_NOTIFY_MAX_AGE_SECONDS: int = 300
    WECHAT_PAY_QUERY_AFTER_MINUTES: int = 5
    ORDER_PAYMENT_TIMEOUT_MINUTES: int = 24 * 60
    ORDER_APPROVAL_TIMEOUT_HOURS: int = 72
    ORDER_AUTO_RECEIVE_DAYS: int = 10
    ORDER_AUTO_COMPLETE_DAYS: int = 7
    UPLOAD_DIR: str = "instance/uploads"
    NOTIFY_TEMPLATES: str = "{}"
    BIND_TOKEN_TTL_SECONDS: int = 600
    BOT_REPLY_BUDGET_SECONDS: float = 4.0
    SCHEDULER_LEASE_SECONDS: int = 30
    SCHEDULER_RENEW_SECONDS: int = 5
    COMMISSION_RETURN_WINDOW_DAYS: int = 7
    WITHDRAWAL_MIN_FEN: int = 1000
    # 商家转账: WeChat-change withdrawals are paid out through WeChat Pay (APIv3) when a scene id is set.
    WECHAT_PAY_TRANSFER_SCENE_ID: str = ""
    WECHAT_PAY_TRANSFER_REMARK: str = "佣金提现"
    WECHAT_PAY_TRANSFER_REPORT_INFOS: str = (
        '[{"info_type": "岗位类型", "info_content": "销售代理"}, {"info_type": "报酬说明", "info_content": "销售佣金"}]')
    WECHAT_PAY_TRANSFER_QUERY_MINUTES: int = 5
    GOODS_TOPUP_MIN_FEN: int = 100
    TASK_WORKER_THREAD: bool = False
    SCHEDULER_IN_PROCESS: bool = False
    DEV_LOGIN: bool = False
    AGENT_LOW_STOCK_UNITS: int = 2
    KUAIDI100_CUSTOMER: str = ""
    KUAIDI100_KEY: str = ""
    KUAIDI100_API_BASE: str = DEFAULT_KUAIDI100_API_BASE
    KUAIDI100_TIMEOUT_SECONDS: float = 5.0
    TRACKING_STUCK_DAYS: int = 3
    TRACKING_RATE_LIMIT: str = "60/minute;600/hour"
    CERTIFICATE_FONT: str = ""
    AUTHORIZATION_RATE_LIMIT: str = "30/minute;300/hour"
    AUTHORIZATION_OPENID_RATE_LIMIT: str = "20/minute;200/hour"
    SCAN_SHOWS_AUTHORIZATION: bool = False
    PROOF_UPLOAD_RATE_LIMIT: str = "10/minute;60/day"
    extra: dict = field(default_factory=dict)

    @property
    def is_production(self):
        return self.ENV == "production"

    @property
    def dev_login_enabled(self):
        """Signing in without WeChat, for developing the mini-program against `make run`: development only."""
        return self.DEV_LOGIN and self.ENV == "development"

    @property
    def wechat_mp_configured(self):
        return bool(self.WECHAT_MP_APPID and self.WECHAT_MP_SECRET)

    @property
    def wechat_oa_configured(self):
        return bool(self.WECHAT_OA_APPID and self.WECHAT_OA_SECRET)

    @property
    def wechat_pay_v3_configured(self):
        return bool(self.WECHAT_MP_APPID and self.WECHAT_PAY_MCH_ID and self.WECHAT_PAY_PRIVATE_KEY_FILE
                    and self.WECHAT_PAY_CERT_SERIAL and self.WECHAT_PAY_APIV3_KEY)

    @property
    def wechat_pay_version(self):
        """Which WeChat Pay API the merchant account speaks: "v3", "v2", or "" (no WeChat Pay).

        WECHAT_PAY_API_VERSION chooses; left empty, v3 credentials choose v3, else v2 credentials v2.
        """
        v2 = bool(self.WECHAT_MP_APPID and self.WECHAT_PAY_MCH_ID and self.WECHAT_PAY_API_KEY)
        wanted = self.WECHAT_PAY_API_VERSION or ("v3" if self.wechat_pay_v3_configured else "v2")
        if wanted == "v3":
            return "v3" if self.wechat_pay_v3_configured else ""
        return "v2" if v2 else ""

    @property
    def wechat_pay_configured(self):
        return bool(self.wechat_pay_version)

    @classmethod
    def from_env(cls, overrides=None):
        """Read settings from os.environ (after `.env`), then apply overrides."""
        load_dotenv(override=False)
        values = {}
        for f in fields(cls):
            if f.name == "extra" or f.name not in os.environ:
                continue
            raw = os.environ[f.name]
            values[f.name] = _coerce(f.type, raw)
        settings = cls(**values)
        if overrides:
            known = {f.name for f in fields(cls)}
            settings = replace(
                settings,
                **{k: v for k, v in overrides.items() if k in known},
                extra={k: v for k, v in overrides.items() if k not in known},
            )
        settings.validate()
        return settings

    def validate(self):
        """Refuse settings that would be unsafe in production."""
        if self.is_production:
            for name in ("SECRET_KEY", "CODE_PIN_KEY"):
                value = getattr(self, name)
                weakness = secret_weakness(value) if value or name == "SECRET_KEY" else ""
                if weakness:
                    raise ConfigError(f"{name} {weakness} in production; `flask secret new` prints a good one")
        if self.is_production and self.SCHEDULER_IN_PROCESS:
            raise ConfigError("SCHEDULER_IN_PROCESS is for development only: run `flask scheduler` as its own process")
        if self.is_production and not _public_https(self.PUBLIC_BASE_URL):
            raise ConfigError("PUBLIC_BASE_URL must be the public https:// address in production: "
                              "it is printed in every code's QR and sent in links")
        for name in ("WECHAT_API_BASE", "WECHAT_PAY_API_BASE", "KUAIDI100_API_BASE"):
            if not getattr(self, name).endswith("/"):
                raise ConfigError(f"{name} must end with '/'")
        try:
            templates = json.loads(self.NOTIFY_TEMPLATES or "{}")
        except ValueError as exc:
            raise ConfigError(f"NOTIFY_TEMPLATES is not valid JSON: {exc}") from exc
        if not isinstance(templates, dict):
            raise ConfigError("NOTIFY_TEMPLATES must be a JSON object keyed by notification kind")
        if self.IP_REGION_DB and not os.path.isfile(self.IP_REGION_DB):
            raise ConfigError(f"IP_REGION_DB names no file: {self.IP_REGION_DB} (`make install` fetches it)")
        if self.DATABASE_REPLICA_URL and not (self.DATABASE_REPLICA_URL.startswith("mysql")
                                              and self.DATABASE_URL.startswith("mysql")):
            raise ConfigError("DATABASE_REPLICA_URL needs MySQL/MariaDB for both it and DATABASE_URL")
        if self.DATABASE_TLS_CA and not os.path.isfile(self.DATABASE_TLS_CA):
            raise ConfigError(f"DATABASE_TLS_CA names no file: {self.DATABASE_TLS_CA}")
        if self.DATABASE_TLS_CA and not self.DATABASE_URL.startswith("mysql"):
            raise ConfigError("DATABASE_TLS_CA is for MySQL/MariaDB: DATABASE_URL is not one")
        if self.REPLICA_MAX_LAG_SECONDS <= 0:
            raise ConfigError("REPLICA_MAX_LAG_SECONDS must be positive")
        if self.CERTIFICATE_FONT and not os.path.isfile(self.CERTIFICATE_FONT):
            raise ConfigError(f"CERTIFICATE_FONT names no file: {self.CERTIFICATE_FONT}")
        self._validate_wechat_pay()
        if self.SCHEDULER_RENEW_SECONDS * 2 > self.SCHEDULER_LEASE_SECONDS:
            raise ConfigError("SCHEDULER_LEASE_SECONDS must be at least twice SCHEDULER_RENEW_SECONDS")
        self._validate_transfers()

    def _validate_transfers(self):
        """Refuse 商家转账 settings WeChat Pay would refuse: a remark over 32 characters, report infos not a list."""
        if not 1 <= len(self.WECHAT_PAY_TRANSFER_REMARK) <= 32:
            raise ConfigError("WECHAT_PAY_TRANSFER_REMARK must be 1 to 32 characters")
        if self.WECHAT_PAY_TRANSFER_SCENE_ID and not self.WECHAT_PAY_TRANSFER_SCENE_ID.isascii():
            raise ConfigError("WECHAT_PAY_TRANSFER_SCENE_ID must be the scene's number (e.g. 1005)")
        try:
            infos = json.loads(self.WECHAT_PAY_TRANSFER_REPORT_INFOS or "[]")
        except ValueError as exc:
            raise ConfigError(f"WECHAT_PAY_TRANSFER_REPORT_INFOS is not valid JSON: {exc}") from exc
        if not isinstance(infos, list) or not all(isinstance(info, dict) and info.get("info_type")
                                                  and info.get("info_content") for info in infos):
            raise ConfigError("WECHAT_PAY_TRANSFER_REPORT_INFOS must be a JSON list of {info_type, info_content}")

    def _validate_wechat_pay(self):
        """Refuse WeChat Pay settings that cannot work: an unknown version, missing key files, a malformed APIv3 key."""
        if self.WECHAT_PAY_API_VERSION not in ("", "v2", "v3"):
            raise ConfigError("WECHAT_PAY_API_VERSION must be v2, v3 or empty")
        if self.WECHAT_PAY_API_VERSION == "v3" and not self.wechat_pay_v3_configured:
            raise ConfigError("WECHAT_PAY_API_VERSION=v3 needs WECHAT_MP_APPID, WECHAT_PAY_MCH_ID, "
                              "WECHAT_PAY_PRIVATE_KEY_FILE, WECHAT_PAY_CERT_SERIAL and WECHAT_PAY_APIV3_KEY")
        if not self.wechat_pay_v3_configured:
            return
        if len(self.WECHAT_PAY_APIV3_KEY.encode()) != 32:
            raise ConfigError("WECHAT_PAY_APIV3_KEY must be the 32-character APIv3 key")
        if bool(self.WECHAT_PAY_PUBLIC_KEY_FILE) != bool(self.WECHAT_PAY_PUBLIC_KEY_ID):
            raise ConfigError("WECHAT_PAY_PUBLIC_KEY_FILE and WECHAT_PAY_PUBLIC_KEY_ID go together "
                              "(both for public-key mode, neither for platform certificates)")
        for name in ("WECHAT_PAY_PRIVATE_KEY_FILE", "WECHAT_PAY_PUBLIC_KEY_FILE", "WECHAT_PAY_CERT_FILE"):
            path = getattr(self, name)
            if path and not os.path.isfile(path):
                raise ConfigError(f"{name} names no file: {path}")


def secret_weakness(key):
    """Why `key` cannot be a production secret ("" when it can): unset, short, a placeholder, or too regular."""
    if not key:
        return "must be set"
    if len(key) < MIN_SECRET_LENGTH:
        return f"must be at least {MIN_SECRET_LENGTH} characters"
    letters = re.sub(r"[^a-z0-9]", "", key.lower())
    if key == DEV_SECRET_KEY or any(word in letters for word in PLACEHOLDER_WORDS):
        return "is a known placeholder"
    # Shannon entropy of the key's own characters, times its length: "aaaa…" scores low; a repeated unit
    # ("0123456789" four times) carries no more than the unit.
    counts = Counter(key).values()
    bits = -sum(count * math.log2(count / len(key)) for count in counts)
    if bits < MIN_SECRET_BITS or re.fullmatch(r"(.+?)\1+", key, re.S):
        return "is too regular to be random"
    return ""


def new_secret():
    """A random key fit for SECRET_KEY (or CODE_PIN_KEY)."""
    return secrets.token_urlsafe(48)


def _public_https(url):
    parts = urlparse(url)
    return parts.scheme == "https" and parts.hostname not in (None, "localhost", "127.0.0.1", "::1")


def _coerce(type_name, raw):
    kind = type_name if isinstance(type_name, str) else type_name.__name__
    if kind == "int":
        return int(raw)
    if kind == "float":
        return float(raw)
    if kind == "bool":
        return _bool(raw)
    return raw


_active = None


def configure(settings):
    """Make `settings` the process-wide settings that services read."""
    global _active
    _active = settings
    return settings


def get_settings():
    """The active settings, read from the environment on first use."""
    global _active
    if _active is None:
        _active = Settings.from_env()
    return _active
