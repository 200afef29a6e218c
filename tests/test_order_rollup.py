"""The daily sales figures always equal what the orders themselves say, whatever happened to the orders."""
from peewee import Case, fn

from app.orders import refunds, reports, rollup, service
from app.orders.models import DailyProductSales, DailyRegionSales, Order, OrderLine
from tests.factories import advanced, make_agent, orderable, place


def figures_from_orders():
    """(orders, units, amount) of every paid order, net of refunds, straight from the order tables."""
    live = Case(None, [(Order.refunded_units < Order.units, 1)], 0)
    row = (Order.select(fn.SUM(live), fn.SUM(Order.units - Order.refunded_units),
                        fn.SUM(Order.total_fen - Order.refunded_fen))
           .where(Order.paid_at.is_null(False)).tuples().first())
    return tuple(int(value or 0) for value in row)


def product_figures_from_lines():
    live = Case(None, [(OrderLine.refunded_quantity < OrderLine.quantity, 1)], 0)
    rows = (OrderLine.select(OrderLine.product, fn.SUM(live), fn.SUM(OrderLine.quantity - OrderLine.refunded_quantity),
                             fn.SUM(OrderLine.paid_fen - OrderLine.refunded_fen))
            .where(OrderLine.paid_at.is_null(False)).group_by(OrderLine.product).tuples())
    return {product_id: tuple(int(v) for v in figures) for product_id, *figures in rows}


def test_figures_follow_payments_partial_refunds_whole_refunds_and_cancellations():
    shenzhen, hangzhou = make_agent(), make_agent(province="浙江省", city="杭州市")
    cream, warehouse = orderable(100)
    serum, _ = orderable(80, warehouse=warehouse)
    shipped = advanced(place(shenzhen, (cream, 3), (serum, 2)), "pay", "pick", "ship")
    refunds.refund(shipped.id, actor="admin:1", reason="破损", lines=[{"product_id": cream.id, "quantity": 1}])
    refunds.refund(shipped.id, actor="admin:1", reason="破损", lines=[{"product_id": serum.id, "quantity": 2}])
    whole = advanced(place(hangzhou, (serum, 1)), "pay")
    refunds.refund(whole.id, actor="admin:1", reason="不要了")
    cancelled = advanced(place(hangzhou, (cream, 4)), "pay")
    service.cancel(cancelled.id, actor="admin:1", reason="客户取消")
    advanced(place(hangzhou, (cream, 1)), "pay", "pick", "ship", "receive")
    place(shenzhen, (cream, 9))

    total = reports.totals()
    assert (total.orders, total.units, total.amount_fen) == figures_from_orders() == (2, 3, 30000)
    by_product = {(row.orders, row.units, row.amount_fen) for row in reports.by_product()}
    assert by_product == set(product_figures_from_lines().values())


def test_an_order_fully_refunded_leaves_zero_figures_not_negative_ones():
    agent = make_agent()
    product, _ = orderable(100)
    order = advanced(place(agent, (product, 2)), "pay")
    refunds.refund(order.id, actor="admin:1", reason="不要了")
    assert [(row.orders, row.units, row.amount_fen) for row in DailyProductSales.select()] == [(0, 0, 0)]


def test_a_rebuild_from_the_orders_gives_the_same_figures():
    agent = make_agent()
    product, _ = orderable(100)
    order = advanced(place(agent, (product, 3)), "pay", "pick", "ship")
    refunds.refund(order.id, actor="admin:1", reason="破损", lines=[{"product_id": product.id, "quantity": 1}])
    kept = sorted(DailyRegionSales.select().tuples()), sorted(DailyProductSales.select().tuples())
    rollup.rebuild()
    assert (sorted(DailyRegionSales.select().tuples()), sorted(DailyProductSales.select().tuples())) == kept
