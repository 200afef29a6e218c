"""Queueing notifications: called by every domain inside the transaction that caused them."""
import json

from app.database import bulk_insert
from app.notify.models import RECIPIENT_OWNERS, Notification


def recipient_agent(agent_id):
    """The recipient string for an agent."""
    return f"agent:{agent_id}"


def recipient_admin(admin_user_id):
    """The recipient string for one console user."""
    return f"admin:{admin_user_id}"


def enqueue(*, kind, recipient, data, dedupe_key):
    """Queue a message; returns True if queued, False if `dedupe_key` was queued before.

    Call it inside the caller's transaction so the message exists exactly when the
    change that caused it does. `recipient` is "owners", recipient_admin(id) or
    recipient_agent(id); `data` is a JSON-serialisable dict of the message's facts.
    """
    if not dedupe_key or len(dedupe_key) > 191:
        raise ValueError("dedupe_key must be 1-191 characters")
    if recipient != RECIPIENT_OWNERS and not recipient.startswith(("admin:", "agent:")):
        raise ValueError(f"unknown recipient: {recipient}")
    inserted = (Notification
                .insert(kind=kind, recipient=recipient, dedupe_key=dedupe_key,
                        data=json.dumps(data, ensure_ascii=False, sort_keys=True, default=str))
                .on_conflict_ignore()
                .as_rowcount()
                .execute())
    return bool(inserted)


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
