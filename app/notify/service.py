"""Queueing notifications: called by every domain inside the transaction that caused them."""
import json

from app.clock import utcnow
from app.database import bulk_insert, create_row
from app.errors import Conflict, NotFound
from app.notify.models import RECIPIENT_OPENID_PREFIX, RECIPIENT_OWNERS, STATUS_NAMES, STATUSES, Notification  # noqa: F401
from app.notify.templates import (KIND_NAMES, MINI_PROGRAM, OFFICIAL, configured_kinds,  # noqa: F401  (part of this face)
                                  subscribe_templates, template_for)

CHAT_REPLY_KIND = "chat_reply"
RETRYABLE_BY_HAND = ("failed", "unknown", "held")


def recipient_agent(agent_id):
    """The recipient string for an agent."""
    return f"agent:{agent_id}"


def recipient_admin(admin_user_id):
    """The recipient string for one console user."""
    return f"admin:{admin_user_id}"


def recipient_openid(openid):
    """The recipient string for an official-account follower (chat answers)."""
    return RECIPIENT_OPENID_PREFIX + openid


def enqueue(*, kind, recipient, data, dedupe_key):
    """Queue a message; returns True if queued, False if `dedupe_key` was queued before.

    Call it inside the caller's transaction so the message exists exactly when the
    change that caused it does. `recipient` is "owners", recipient_admin(id) or
    recipient_agent(id); `data` is a JSON-serialisable dict of the message's facts.
    """
    if not dedupe_key or len(dedupe_key) > 191:
        raise ValueError("dedupe_key must be 1-191 characters")
    if recipient != RECIPIENT_OWNERS and not recipient.startswith(("admin:", "agent:", RECIPIENT_OPENID_PREFIX)):
        raise ValueError(f"unknown recipient: {recipient}")
    return create_row(Notification, or_ignore=True, kind=kind, recipient=recipient, dedupe_key=dedupe_key,
                      data=json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)) is not None


def queued(kind=None):
    """Queued messages, newest first (optionally of one kind)."""
    query = Notification.select().order_by(Notification.id.desc())
    if kind:
        query = query.where(Notification.kind == kind)
    return list(query)


def enqueue_many(messages):
    """Queue several messages at once ([{kind, recipient, data, dedupe_key}]); ones queued before are skipped."""
    bulk_insert(Notification, [{"kind": m["kind"], "recipient": m["recipient"], "dedupe_key": m["dedupe_key"],
                                "data": json.dumps(m["data"], ensure_ascii=False, sort_keys=True, default=str)}
                               for m in messages], ignore_duplicates=True)


def enqueue_chat_reply(*, openid, text, dedupe_key):
    """Queue a chat answer that missed WeChat's reply window, to go out as a customer-service message."""
    return enqueue(kind=CHAT_REPLY_KIND, recipient=recipient_openid(openid), data={"text": text},
                   dedupe_key=dedupe_key)


def list_outbox(*, status=None, kind=None, recipient=None, page=1, per_page=50):
    """One page of the outbox, newest first, and the total matching the filters."""
    query = Notification.select()
    if status:
        query = query.where(Notification.status == status)
    if kind:
        query = query.where(Notification.kind == kind)
    if recipient:
        query = query.where(Notification.recipient == recipient)
    return list(query.order_by(Notification.id.desc()).paginate(page, per_page)), query.count()


def retry_message(message_id):
    """Put a failed, unknown or held message back in the queue to go out now (a person decided to resend)."""
    if not Notification.select().where(Notification.id == message_id).exists():
        raise NotFound("消息不存在", code="notification_not_found")
    requeued = (Notification
                .update(status="pending", attempts=0, next_attempt_at=utcnow())
                .where(Notification.id == message_id, Notification.status.in_(RETRYABLE_BY_HAND))
                .execute())
    if not requeued:
        raise Conflict("只有发送失败、状态未知或待配置的消息可以重试", code="notification_not_retryable")
    return Notification.get_by_id(message_id)
