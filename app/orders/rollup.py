"""Daily sales figures kept up as orders are paid, refunded and cancelled, so reports never scan every order.

An order counts on the local day it was paid, net of what has been refunded of it
since: a refund changes the figures of the day the order was paid. Every change to
an order's money runs `withdraw(order_id)` before it and `count(order_id)` after it,
in the same transaction, so the figures always equal the orders'.
"""
from datetime import datetime

from app.clock import local_zone, to_local
from app.database import add_to, add_to_many, db, is_mysql
from app.orders.models import DailyProductSales, DailyRegionSales, Order, OrderLine

REGION_FILL = """
INSERT INTO daily_region_sales (day, province, city, level_id, orders, units, amount_fen)
SELECT {day}, province, city, COALESCE(level_id, 0),
       SUM(CASE WHEN refunded_units < units THEN 1 ELSE 0 END), SUM(units - refunded_units),
       SUM(total_fen - refunded_fen)
FROM sales_order WHERE paid_at IS NOT NULL
GROUP BY {day}, province, city, COALESCE(level_id, 0)
"""
PRODUCT_FILL = """
INSERT INTO daily_product_sales (day, product_id, orders, units, amount_fen)
SELECT {day}, product_id, SUM(CASE WHEN refunded_quantity < quantity THEN 1 ELSE 0 END),
       SUM(quantity - refunded_quantity), SUM(paid_fen - refunded_fen)
FROM order_line WHERE paid_at IS NOT NULL
GROUP BY {day}, product_id
"""


def count(order_id, *, order=None, lines=None):
    """Add the paid order's current figures (after a payment or a refund).

    A caller that has just written the order and its lines may hand them over (`order`, `lines` as they now
    are in the database) instead of having them read back. Runs inside the caller's transaction.
    """
    _apply(order_id, +1, order=order, lines=lines)


def withdraw(order_id):
    """Take the paid order's current figures out (before a refund or a cancellation changes them)."""
    _apply(order_id, -1)


def _apply(order_id, sign, *, order=None, lines=None):
    order = order if order is not None else Order.get_by_id(order_id)
    if order.paid_at is None:
        return
    day = to_local(order.paid_at).date()
    add_to(DailyRegionSales,
           {"day": day, "province": order.province, "city": order.city, "level_id": order.level_id or 0},
           {"orders": sign * int(order.refunded_units < order.units),
            "units": sign * (order.units - order.refunded_units),
            "amount_fen": sign * (order.total_fen - order.refunded_fen)})
    if lines is None:
        lines = OrderLine.select().where(OrderLine.order == order_id)
    per_product = {}
    for line in lines:
        figures = per_product.setdefault(line.product_id, [0, 0, 0])
        figures[0] += sign * int(line.refunded_quantity < line.quantity)
        figures[1] += sign * (line.quantity - line.refunded_quantity)
        figures[2] += sign * (line.paid_fen - line.refunded_fen)
    # One statement for every product, rows in product order (the order concurrent payments lock them in).
    add_to_many(DailyProductSales, ("day", "product_id"),
                [{"day": day, "product_id": product_id, "orders": orders, "units": units, "amount_fen": amount}
                 for product_id, (orders, units, amount) in sorted(per_product.items())])


def rebuild():
    """Recompute every daily figure from the orders (after a bulk import); one transaction."""
    minutes = int(datetime.now(local_zone()).utcoffset().total_seconds() // 60)
    day = f"DATE(DATE_ADD(paid_at, INTERVAL {minutes} MINUTE))" if is_mysql() else f"DATE(paid_at, '{minutes:+d} minutes')"
    with db.atomic():
        DailyRegionSales.delete().execute()
        DailyProductSales.delete().execute()
        db.execute_sql(REGION_FILL.format(day=day))
        db.execute_sql(PRODUCT_FILL.format(day=day))
