"""The official-account chat: who is behind an openid, one-time bind tokens, messages already handled."""
from peewee import AutoField, CharField, DateTimeField, IntegerField, TextField

from app.clock import utcnow
from app.database import BaseModel


class WechatBinding(BaseModel):
    """An official-account follower linked to one account.

    `account` has the form of an outbox recipient ("admin:<id>" or "agent:<id>"), so the
    sender finds a recipient's openid with one lookup. One openid per account, one
    account per openid. `token_version` is a console account's when its bind QR was made:
    once the account's sessions are revoked (logout, new password, disabled) the binding
    stops acting until the WeChat binds again.
    """

    id = AutoField()
    account = CharField(max_length=48, unique=True)
    openid = CharField(max_length=64, unique=True)
    token_version = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)


class BindToken(BaseModel):
    """A one-time token carried in a bind QR's scene; only its SHA-256 is stored."""

    id = AutoField()
    token_hash = CharField(max_length=64, unique=True)
    account = CharField(max_length=48)
    token_version = IntegerField(default=0)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)


class InboundMessage(BaseModel):
    """A message or event WeChat delivered, keyed by MsgId (or sender + CreateTime for events).

    The unique key makes a repeat (WeChat retries after 5 s) a no-op; `reply` is the passive
    reply already given, answered again to a retry, or NULL when the answer went out later.
    """

    id = AutoField()
    key = CharField(max_length=191, unique=True)
    reply = TextField(null=True)
    created_at = DateTimeField(default=utcnow, index=True)


class SeenSignature(BaseModel):
    """A (timestamp, nonce) pair WeChat signed a request with, and the body it came with.

    A signature covers only the token, timestamp and nonce: without this record one signed
    query would carry any body. A pair is spent on its first body; WeChat's own retry of
    that same body passes (and is answered once, by MsgId).
    """

    id = AutoField()
    key = CharField(max_length=96, unique=True)
    body_sha256 = CharField(max_length=64)
    created_at = DateTimeField(default=utcnow, index=True)
