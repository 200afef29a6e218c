"""Signed, expiring bearer tokens: stateless, so any web process can check them."""
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.config import get_settings
from app.errors import Unauthenticated

_SALT = "weishang-bearer-v1"


def _serializer():
    return URLSafeTimedSerializer(get_settings().SECRET_KEY, salt=_SALT)


def issue_token(kind, subject_id, version=0):
    """A token naming who it was issued to; `version` lets the subject revoke all its tokens."""
    return _serializer().dumps({"k": kind, "s": subject_id, "v": version})


def read_token(token, kind, max_age):
    """The (subject_id, version) a valid token of `kind` names, or Unauthenticated."""
    try:
        claims = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise Unauthenticated("登录已过期，请重新登录", code="token_expired") from exc
    except BadSignature as exc:
        raise Unauthenticated("登录凭证无效", code="token_invalid") from exc
    if not isinstance(claims, dict) or claims.get("k") != kind:
        raise Unauthenticated("登录凭证无效", code="token_invalid")
    return claims["s"], claims.get("v", 0)
