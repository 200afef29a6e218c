"""Order reports, aggregated in SQL over the covering indexes on `paid_at`.

Sales count when paid (`paid_at` in the period, local dates) and are net of
refunds: units and amounts subtract what was refunded, and an order refunded or
cancelled in full no longer counts as an order. The funnel counts orders placed
in the period by how far they got.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from peewee import SQL, Case, fn

from app.agents import service as agents
from app.catalog import service as catalog
from app.clock import local_today, local_zone, utc_start_of_local_day
from app.database import is_mysql
from app.errors import InvalidInput
from app.orders.models import Order, OrderLine

MAX_PERIOD_DAYS = 3660
GRANULARITIES = ("day", "week", "month")


@dataclass(frozen=True)
class Row:
    """One row of a report: its key (product, region, level, period) and the figures."""

    key: str
    label: str
    orders: int
    units: int
    amount_fen: int


def period(since=None, until=None):
    """The local dates [since, until] of a report (default: the last 30 days) as UTC bounds [start, end)."""
    until = until or local_today()
    since = since or until - timedelta(days=29)
    if since > until or (until - since).days > MAX_PERIOD_DAYS:
        raise InvalidInput.on("since", "开始日期须不晚于结束日期，且跨度不超过十年")
    return utc_start_of_local_day(since), utc_start_of_local_day(until + timedelta(days=1))


def _order_figures():
    live = Case(None, [(Order.refunded_units < Order.units, 1)], 0)
    return (fn.SUM(live).alias("orders"), fn.SUM(Order.units - Order.refunded_units).alias("units"),
            fn.SUM(Order.total_fen - Order.refunded_fen).alias("amount"))


def _paid_in(model, since, until):
    start, end = period(since, until)
    return (model.paid_at >= start) & (model.paid_at < end)


def by_product(*, since=None, until=None):
    """Orders, units and amount (goods, net of refunds) per product, largest amount first."""
    # An order has one line per product, so counting live lines counts orders (no DISTINCT needed).
    live_line = Case(None, [(OrderLine.refunded_quantity < OrderLine.quantity, 1)], 0)
    rows = (OrderLine.select(OrderLine.product, fn.SUM(live_line).alias("orders"),
                             fn.SUM(OrderLine.quantity - OrderLine.refunded_quantity).alias("units"),
                             fn.SUM(OrderLine.paid_fen - OrderLine.refunded_fen).alias("amount"))
            .where(_paid_in(OrderLine, since, until)).group_by(OrderLine.product).tuples())
    result = [Row(str(product_id), catalog.get_product(product_id).name, int(orders), int(units), int(amount))
              for product_id, orders, units, amount in rows]
    return sorted(result, key=lambda row: (-row.amount_fen, row.key))


def by_region(*, since=None, until=None, by_city=True):
    """Orders, units and amount per province (and city), largest amount first."""
    columns = (Order.province, Order.city) if by_city else (Order.province,)
    rows = (Order.select(*columns, *_order_figures()).where(_paid_in(Order, since, until))
            .group_by(*columns).tuples())
    result = [Row("/".join(row[:len(columns)]), " ".join(filter(None, row[:len(columns)])),
                  *(int(value or 0) for value in row[len(columns):])) for row in rows]
    return sorted(result, key=lambda row: (-row.amount_fen, row.key))


def by_level(*, since=None, until=None):
    """Orders, units and amount per buyer's agent level (direct customers as 直客)."""
    names = {level.id: level.name for level in agents.list_levels()}
    rows = (Order.select(Order.level, *_order_figures()).where(_paid_in(Order, since, until))
            .group_by(Order.level).tuples())
    return sorted((Row(str(level_id or ""), names.get(level_id, "直客"), int(o or 0), int(u or 0), int(a or 0))
                   for level_id, o, u, a in rows), key=lambda row: (row.key == "", row.key))


def _local_day(column):
    """The local calendar day of a stored UTC time, in SQL (the zone's offset now: China keeps no DST)."""
    minutes = int(datetime.now(local_zone()).utcoffset().total_seconds() // 60)
    if is_mysql():
        return fn.DATE(fn.DATE_ADD(column, SQL(f"INTERVAL {minutes} MINUTE")))
    return fn.DATE(column, f"{minutes:+d} minutes")


def by_period(*, granularity="day", since=None, until=None):
    """Orders, units and amount per local day, ISO week (key: its Monday) or month, oldest first."""
    if granularity not in GRANULARITIES:
        raise InvalidInput.on("granularity", "粒度必须是 day、week 或 month")
    day = _local_day(Order.paid_at)
    rows = (Order.select(day.alias("day"), *_order_figures()).where(_paid_in(Order, since, until))
            .group_by(day).tuples())
    buckets = {}
    for day_value, orders, units, amount in rows:
        key = _bucket(_as_date(day_value), granularity)
        figures = buckets.setdefault(key, [0, 0, 0])
        for i, value in enumerate((orders, units, amount)):
            figures[i] += int(value or 0)
    return [Row(key, key, *figures) for key, figures in sorted(buckets.items())]


def _as_date(value):
    """A day as the drivers return it (date, datetime or text) as a date."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _bucket(day, granularity):
    if granularity == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    if granularity == "month":
        return day.strftime("%Y-%m")
    return day.isoformat()


@dataclass(frozen=True)
class FunnelStage:
    """How many orders placed in the period reached a stage."""

    stage: str
    label: str
    orders: int


FUNNEL = (("placed", "下单"), ("paid", "付款"), ("shipped", "发货"), ("received", "签收"), ("completed", "完成"))


def funnel(*, since=None, until=None):
    """Orders placed in the period, and how many of them were paid, shipped, received and completed."""
    start, end = period(since, until)
    completed = Case(None, [(Order.status == "completed", 1)], 0)
    counts = (Order.select(fn.COUNT(Order.id), fn.COUNT(Order.paid_at), fn.COUNT(Order.shipped_at),
                           fn.COUNT(Order.received_at), fn.SUM(completed))
              .where(Order.created_at >= start, Order.created_at < end).tuples().first())
    return [FunnelStage(stage, label, int(count or 0)) for (stage, label), count in zip(FUNNEL, counts)]


def by_status(*, since=None, until=None):
    """Orders placed in the period per current status."""
    start, end = period(since, until)
    return dict(Order.select(Order.status, fn.COUNT(Order.id))
                .where(Order.created_at >= start, Order.created_at < end).group_by(Order.status).tuples())


def totals(*, since=None, until=None):
    """Paid orders, units and amount (net of refunds) over the whole period."""
    orders, units, amount = (Order.select(*_order_figures()).where(_paid_in(Order, since, until)).tuples().first()
                             or (0, 0, 0))
    return Row("", "合计", int(orders or 0), int(units or 0), int(amount or 0))
