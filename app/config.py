"""Settings read from the environment (a `.env` file is honoured).

The variable names are a public interface: deployment scripts set them.
"""
import os
from dataclasses import dataclass, field, fields, replace

from dotenv import load_dotenv

DEFAULT_WECHAT_API_BASE = "https://api.weixin.qq.com/"
DEV_SECRET_KEY = "dev-only-not-secret"


class ConfigError(RuntimeError):
    """The configuration cannot run the app safely."""


def _bool(value):
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment, typed."""

    ENV: str = "development"
    DATABASE_URL: str = "sqlite:///instance/weishang.db"
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
    COMMISSION_RETURN_WINDOW_DAYS: int = 7
    WITHDRAWAL_MIN_FEN: int = 1000
    UPLOAD_DIR: str = "instance/uploads"
    extra: dict = field(default_factory=dict)

    @property
    def is_production(self):
        return self.ENV == "production"

    @property
    def wechat_mp_configured(self):
        return bool(self.WECHAT_MP_APPID and self.WECHAT_MP_SECRET)

    @property
    def wechat_oa_configured(self):
        return bool(self.WECHAT_OA_APPID and self.WECHAT_OA_SECRET)

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
        if self.is_production and self.SECRET_KEY in ("", DEV_SECRET_KEY):
            raise ConfigError("SECRET_KEY must be set in production")
        if not self.WECHAT_API_BASE.endswith("/"):
            raise ConfigError("WECHAT_API_BASE must end with '/'")


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
