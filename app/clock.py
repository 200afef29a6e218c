"""Time: stored in UTC (naive datetimes), shown and scheduled in the brand's timezone."""
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from app.config import get_settings


# A moment `travel` makes "now" for the code it runs (the demo seed writes 90 days of history this way).
_travelled = ContextVar("travelled_now", default=None)


def utcnow():
    """Now in UTC as a naive datetime, the form every table stores."""
    moment = _travelled.get()
    return moment if moment is not None else datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


@contextmanager
def travel(moment):
    """Run the block as if the UTC time were `moment` (a naive UTC datetime): for writing a demo's history only."""
    token = _travelled.set(moment.replace(microsecond=0))
    try:
        yield
    finally:
        _travelled.reset(token)


def local_zone():
    """The brand's timezone (Asia/Shanghai unless configured)."""
    return ZoneInfo(get_settings().TIMEZONE)


def to_local(moment):
    """A stored UTC datetime as an aware datetime in the brand's timezone."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(local_zone())


def local_text(moment):
    """A stored UTC time as the brand's local "YYYY-MM-DD HH:MM" (blank for none), as pages and exports show it."""
    return to_local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def isoformat(moment):
    """A stored UTC datetime as ISO 8601 with its offset, for JSON."""
    return moment.replace(tzinfo=timezone.utc).isoformat() if moment else None


def local_today():
    """Today's date in the brand's timezone (terms and review windows count local days)."""
    return to_local(utcnow()).date()


def utc_start_of_local_day(day):
    """The stored (naive UTC) form of midnight at the start of local `day`."""
    local_midnight = datetime.combine(day, datetime.min.time(), local_zone())
    return local_midnight.astimezone(timezone.utc).replace(tzinfo=None)


def utc_from_local(moment):
    """A naive local time (the brand's timezone) as the stored naive UTC form."""
    return moment.replace(tzinfo=local_zone()).astimezone(timezone.utc).replace(tzinfo=None)
