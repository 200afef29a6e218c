"""The owner's dashboard: today's and this month's figures, gathered from each domain's report functions.

Only the sections the caller asks for are computed (a role sees only what it may
read). Every figure is aggregated in SQL by the domain that owns it.
"""
from datetime import timedelta

from app.agents import service as agents
from app.clock import local_today
from app.codes import service as codes
from app.database import reads_replica
from app.finance import service as finance
from app.inventory import service as inventory
from app.orders import service as orders

SECTIONS = ("sales", "agents", "stock", "codes", "violations", "withdrawals")
CHART_DAYS = 30
TOP = 10


@reads_replica
def figures(*, sections, today=None):
    """The dashboard's figures for `sections` (a subset of SECTIONS), as of the local date `today`."""
    today = today or local_today()
    month_start = today.replace(day=1)
    result = {"today": today, "month_start": month_start, "alerts": {}}
    if "sales" in sections:
        result["sales"] = _sales(today, month_start)
    if "agents" in sections:
        result["agents"] = {
            "joined_today": agents.count_joined(since=today, until=today),
            "joined_month": agents.count_joined(since=month_start, until=today),
            "applications": agents.list_applications(status="pending", per_page=5),
            "proposals": agents.list_proposals(status="pending", per_page=5)}
    if "stock" in sections:
        result["low_stock"] = inventory.list_stock(below_threshold=True, per_page=TOP)
        result["alerts"]["low_stock"] = result["low_stock"][1]
    if "codes" in sections:
        result["alerts"]["flags"] = codes.list_flags(status="open", per_page=1)[1]
    if "violations" in sections:
        result["alerts"]["violations"] = codes.list_violations(status="open", per_page=1)[1]
    if "withdrawals" in sections:
        result["alerts"]["withdrawals"] = finance.list_withdrawals(status="pending", per_page=1)[1]
        result["alerts"]["top_ups"] = finance.list_top_ups(status="pending", method="transfer", per_page=1)[1]
    return result


def _sales(today, month_start):
    chart_start = today - timedelta(days=CHART_DAYS - 1)
    by_day = {row.key: row for row in orders.by_period(granularity="day", since=chart_start, until=today)}
    days = [(chart_start + timedelta(days=offset)).isoformat() for offset in range(CHART_DAYS)]
    return {
        "today": orders.totals(since=today, until=today),
        "month": orders.totals(since=month_start, until=today),
        "placed_today": sum(orders.by_status(since=today, until=today).values()),
        "placed_month": sum(orders.by_status(since=month_start, until=today).values()),
        "by_day": [(day, by_day[day].amount_fen if day in by_day else 0) for day in days],
        "products": orders.by_product(since=chart_start, until=today)[:TOP],
        "provinces": orders.by_region(since=chart_start, until=today, by_city=False),
    }
