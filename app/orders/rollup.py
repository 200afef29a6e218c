"""Daily sales figures kept up as orders are paid, refunded and cancelled, so reports never scan every order.

An order counts on the local day it was paid, net of what has been refunded of it
since: a refund changes the figures of the day the order was paid. Every change to
an order's money runs inside `recounted(order, lines)`, in the same transaction, so
the figures always equal the orders': there is no other way to write them.
"""
import contextlib
from datetime import datetime

from app.clock import local_zone, to_local
from app.database import add_to_many, db, is_mysql
from app.orders.models import DailyProductSales, DailyRegionSales

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


@contextlib.contextmanager
def recounted(order, lines):
    """Keep the daily figures equal to the order across the change the block makes to its money (a payment, a
    refund, a cancellation): the order's figures are taken before the block and after it, and the difference is
    written once, in one statement per table.

    `order` and `lines` (all its lines) are the caller's in-memory rows, and the block changes them as it writes
    them, so nothing is read back. Runs inside the caller's transaction.
    """
    before = _figures(order, lines)
    yield
    after = _figures(order, lines)
    for model, keys in ((DailyRegionSales, ("day", "province", "city", "level_id")),
                        (DailyProductSales, ("day", "product_id"))):
        changed = _difference(after[model], before[model])
        # Rows in key order (for products: the order concurrent payments lock them in).
        add_to_many(model, keys, [{**dict(zip(keys, key)), "orders": orders, "units": units, "amount_fen": amount}
                                  for key, (orders, units, amount) in sorted(changed.items())])


def _figures(order, lines):
    """{model: {key: [orders, units, amount]}} the paid order contributes now (nothing while unpaid)."""
    figures = {DailyRegionSales: {}, DailyProductSales: {}}
    if order.paid_at is None:
        return figures
    day = to_local(order.paid_at).date()
    figures[DailyRegionSales][(day, order.province, order.city, order.level_id or 0)] = [
        int(order.refunded_units < order.units), order.units - order.refunded_units,
        order.total_fen - order.refunded_fen]
    per_product = figures[DailyProductSales]
    for line in lines:
        row = per_product.setdefault((day, line.product_id), [0, 0, 0])
        row[0] += int(line.refunded_quantity < line.quantity)
        row[1] += line.quantity - line.refunded_quantity
        row[2] += line.paid_fen - line.refunded_fen
    return figures


def _difference(after, before):
    """{key: after − before}, keys whose figures did not move left out."""
    changed = {}
    for key in after.keys() | before.keys():
        delta = tuple(a - b for a, b in zip(after.get(key, (0, 0, 0)), before.get(key, (0, 0, 0))))
        if any(delta):
            changed[key] = delta
    return changed


def rebuild():
    """Recompute every daily figure from the orders (after a bulk import); one transaction."""
    minutes = int(datetime.now(local_zone()).utcoffset().total_seconds() // 60)
    day = f"DATE(DATE_ADD(paid_at, INTERVAL {minutes} MINUTE))" if is_mysql() else f"DATE(paid_at, '{minutes:+d} minutes')"
    with db.atomic():
        DailyRegionSales.delete().execute()
        DailyProductSales.delete().execute()
        db.execute_sql(REGION_FILL.format(day=day))
        db.execute_sql(PRODUCT_FILL.format(day=day))
