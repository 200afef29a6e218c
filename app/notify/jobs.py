"""The notify domain's scheduled work."""
from app.notify import sender


def drain_outbox():
    """Deliver every due outbox message; returns a one-line summary."""
    return str(sender.drain_outbox())
