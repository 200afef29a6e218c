"""Queuing into the outbox is idempotent by dedupe key."""
import json

import pytest

from app.notify import service as notify
from app.notify.models import Notification


def test_enqueue_stores_the_message():
    assert notify.enqueue(kind="low_stock", recipient="owners", data={"product": "面霜"}, dedupe_key="ls:1:1:2026-11-26")
    message = Notification.get(Notification.dedupe_key == "ls:1:1:2026-11-26")
    assert (message.status, message.recipient, json.loads(message.data)) == ("pending", "owners", {"product": "面霜"})


def test_same_dedupe_key_twice_queues_once():
    assert notify.enqueue(kind="k", recipient=notify.recipient_agent(7), data={}, dedupe_key="same")
    assert not notify.enqueue(kind="k", recipient=notify.recipient_agent(7), data={"x": 1}, dedupe_key="same")
    assert Notification.select().where(Notification.dedupe_key == "same").count() == 1


@pytest.mark.parametrize("recipient", ["", "someone", "user:1"])
def test_unknown_recipient_is_refused(recipient):
    with pytest.raises(ValueError):
        notify.enqueue(kind="k", recipient=recipient, data={}, dedupe_key="r")
