"""The notification outbox: every outgoing message is first a row here."""
from peewee import AutoField, CharField, DateTimeField, IntegerField, TextField

from app.clock import utcnow
from app.database import BaseModel

RECIPIENT_OWNERS = "owners"
RECIPIENT_OPENID_PREFIX = "openid:"
# pending: waits for next_attempt_at; sending: an attempt began (recorded before the call);
# sent; failed: permanently (unfollowed, refused, not bound, out of attempts);
# held: no template configured for its kind; unknown: a send that may have reached WeChat
# (timeout after the request went out, or a crash mid-send) — never resent automatically;
# expanded: an "owners" message copied into one message per bound owner.
STATUSES = ("pending", "sending", "sent", "failed", "held", "unknown", "expanded")
STATUS_NAMES = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败", "held": "待配置",
                "unknown": "状态未知", "expanded": "已展开"}


class Notification(BaseModel):
    """One message to deliver; `dedupe_key` makes queuing the same event twice a no-op.

    recipient is "owners" (every owner account), "admin:<id>", "agent:<id>", or
    "openid:<official-account openid>" for a chat answer sent as a customer-service message.
    """

    id = AutoField()
    dedupe_key = CharField(max_length=191, unique=True)
    kind = CharField(max_length=48, index=True)
    recipient = CharField(max_length=48, index=True)
    data = TextField()
    status = CharField(max_length=16, default="pending")
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow)
    last_error = CharField(max_length=255, default="")
    created_at = DateTimeField(default=utcnow, index=True)
    sent_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "next_attempt_at"), False),)
