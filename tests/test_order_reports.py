"""Order reports: paid orders net of refunds, per product, region, level and period; the funnel."""
from datetime import timedelta

from app.clock import local_today
from app.orders import refunds, reports
from tests.factories import advanced, make_agent, make_level, orderable, place


def test_reports_count_paid_orders_net_of_refunds():
    shenzhen, hangzhou = make_agent(), make_agent(province="浙江省", city="杭州市")
    product, _ = orderable(100)
    advanced(place(shenzhen, (product, 2)), "pay")
    refunded = advanced(place(hangzhou, (product, 1)), "pay")
    refunds.refund(refunded.id, actor="admin:1", reason="不要了")
    place(shenzhen, (product, 5))
    assert [(r.orders, r.units, r.amount_fen) for r in reports.by_product()] == [(1, 2, 20000)]
    assert [(r.label, r.orders, r.amount_fen) for r in reports.by_region()] == [("广东省 深圳市", 1, 20000),
                                                                                ("浙江省 杭州市", 0, 0)]


def test_the_level_report_names_levels_and_customers():
    level = make_level(name="总代理")
    agent = make_agent(level=level)
    product, _ = orderable(100)
    advanced(place(agent, (product, 1)), "pay")
    assert [(r.label, r.units) for r in reports.by_level()] == [("总代理", 1)]


def test_period_reports_bucket_by_local_day_week_and_month():
    agent = make_agent()
    product, _ = orderable(100)
    advanced(place(agent, (product, 3)), "pay")
    today = local_today()
    assert [(r.key, r.units) for r in reports.by_period(granularity="day")] == [(today.isoformat(), 3)]
    monday = today - timedelta(days=today.weekday())
    assert [r.key for r in reports.by_period(granularity="week")] == [monday.isoformat()]
    assert [r.key for r in reports.by_period(granularity="month")] == [today.strftime("%Y-%m")]


def test_a_period_before_the_sales_is_empty():
    agent = make_agent()
    product, _ = orderable(100)
    advanced(place(agent, (product, 3)), "pay")
    day = local_today() - timedelta(days=40)
    assert reports.by_product(since=day, until=day) == []


def test_the_funnel_counts_how_far_orders_got():
    agent = make_agent()
    product, _ = orderable(100)
    place(agent, (product, 1))
    advanced(place(agent, (product, 1)), "pay")
    advanced(place(agent, (product, 1)), "pay", "pick", "ship", "receive", "complete")
    assert [(s.stage, s.orders) for s in reports.funnel()] == [("placed", 3), ("paid", 2), ("shipped", 1),
                                                               ("received", 1), ("completed", 1)]
