"""Order reports, aggregated in SQL over the daily sales figures (rollup.py keeps them).

Sales count on the local day they were paid and are net of refunds: units and
amounts subtract what was refunded, and an order refunded or cancelled in full no
longer counts as an order. A year of daily figures is a few thousand rows per
dimension, so a report costs the same for ten orders or ten million. The funnel
counts orders placed in the period by how far they got, from the orders themselves.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from peewee import Case, fn

from app.agents import service as agents
from app.catalog import service as catalog
from app.clock import local_today, utc_start_of_local_day
from app.database import reads_replica
from app.errors import InvalidInput
from app.orders.models import DailyProductSales, DailyRegionSales, Order

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


def days(since=None, until=None):
    """The local dates [since, until] of a report, by default the last 30 days."""
    until = until or local_today()
    since = since or until - timedelta(days=29)
    if since > until or (until - since).days > MAX_PERIOD_DAYS:
        raise InvalidInput.on("since", "开始日期须不晚于结束日期，且跨度不超过十年")
    return since, until


def period(since=None, until=None):
    """The local dates [since, until] of a report (default: the last 30 days) as UTC bounds [start, end)."""
    since, until = days(since, until)
    return utc_start_of_local_day(since), utc_start_of_local_day(until + timedelta(days=1))


def _figures(model):
    return (fn.SUM(model.orders).alias("orders"), fn.SUM(model.units).alias("units"),
            fn.SUM(model.amount_fen).alias("amount"))


def _grouped(model, columns, since, until):
    since, until = days(since, until)
    return (model.select(*columns, *_figures(model)).where(model.day.between(since, until))
            .group_by(*columns).tuples())


def _largest_first(rows):
    return sorted(rows, key=lambda row: (-row.amount_fen, row.key))


@reads_replica
def by_product(*, since=None, until=None):
    """Orders, units and amount (goods, net of refunds) per product, largest amount first."""
    return _largest_first(Row(str(product_id), catalog.get_product(product_id).name, *_ints(figures))
                          for product_id, *figures in _grouped(DailyProductSales, [DailyProductSales.product_id],
                                                               since, until))


@reads_replica
def by_region(*, since=None, until=None, by_city=True):
    """Orders, units and amount per province (and city), largest amount first."""
    columns = [DailyRegionSales.province, DailyRegionSales.city] if by_city else [DailyRegionSales.province]
    rows = _grouped(DailyRegionSales, columns, since, until)
    return _largest_first(Row("/".join(row[:len(columns)]), " ".join(filter(None, row[:len(columns)])),
                              *_ints(row[len(columns):])) for row in rows)


@reads_replica
def by_level(*, since=None, until=None):
    """Orders, units and amount per buyer's agent level (direct customers as 直客)."""
    names = {level.id: level.name for level in agents.list_levels()}
    rows = _grouped(DailyRegionSales, [DailyRegionSales.level_id], since, until)
    return sorted((Row(str(level_id or ""), names.get(level_id, "直客"), *_ints(figures))
                   for level_id, *figures in rows), key=lambda row: (row.key == "", row.key))


@reads_replica
def by_period(*, granularity="day", since=None, until=None):
    """Orders, units and amount per local day, ISO week (key: its Monday) or month, oldest first."""
    if granularity not in GRANULARITIES:
        raise InvalidInput.on("granularity", "粒度必须是 day、week 或 month")
    buckets = {}
    for day_value, *figures in _grouped(DailyRegionSales, [DailyRegionSales.day], since, until):
        totals_so_far = buckets.setdefault(_bucket(_as_date(day_value), granularity), [0, 0, 0])
        for i, value in enumerate(_ints(figures)):
            totals_so_far[i] += value
    return [Row(key, key, *figures) for key, figures in sorted(buckets.items())]


def _ints(values):
    return [int(value or 0) for value in values]


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


@reads_replica
def funnel(*, since=None, until=None):
    """Orders placed in the period, and how many of them were paid, shipped, received and completed."""
    start, end = period(since, until)
    completed = Case(None, [(Order.status == "completed", 1)], 0)
    counts = (Order.select(fn.COUNT(Order.id), fn.COUNT(Order.paid_at), fn.COUNT(Order.shipped_at),
                           fn.COUNT(Order.received_at), fn.SUM(completed))
              .where(Order.created_at >= start, Order.created_at < end).tuples().first())
    return [FunnelStage(stage, label, int(count or 0)) for (stage, label), count in zip(FUNNEL, counts)]


@reads_replica
def by_status(*, since=None, until=None):
    """Orders placed in the period per current status."""
    start, end = period(since, until)
    return dict(Order.select(Order.status, fn.COUNT(Order.id))
                .where(Order.created_at >= start, Order.created_at < end).group_by(Order.status).tuples())


@reads_replica
def totals(*, since=None, until=None):
    """Paid orders, units and amount (net of refunds) over the whole period."""
    since, until = days(since, until)
    figures = (DailyRegionSales.select(*_figures(DailyRegionSales))
               .where(DailyRegionSales.day.between(since, until)).tuples().first())
    return Row("", "合计", *_ints(figures or (0, 0, 0)))
