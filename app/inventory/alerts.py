"""Low-stock alerts: one outbox message per product, warehouse and local day, queued after each stock change."""
from peewee import Tuple, fn

from app.catalog.models import Product
from app.clock import to_local, utcnow
from app.inventory import ledger
from app.inventory.models import Stock, Warehouse
from app.notify import service as notify

LOW_STOCK_KIND = "low_stock"


def effective_threshold():
    """The warehouse's own threshold for a Stock row, else the product's default (0: no alert)."""
    return fn.COALESCE(Stock.low_stock_threshold, Product.low_stock_threshold)


def below_threshold():
    """The condition "available stock is under its threshold" over Stock joined to Product."""
    return (Stock.on_hand - Stock.reserved) < effective_threshold()


def stock_levels():
    """Stock rows with available, effective threshold and the names of product and warehouse (a query to filter).

    The threshold falls back to the product's own in SQL, so that a filter on it can page: why this module joins
    catalog's product table."""
    return (Stock.select(Stock.warehouse, Stock.product, Stock.on_hand, Stock.reserved,
                         (Stock.on_hand - Stock.reserved).alias("available"), effective_threshold().alias("threshold"),
                         Product.name.alias("product_name"), Warehouse.name.alias("warehouse_name"))
            .join(Product).switch(Stock).join(Warehouse))


def _low_rows(keys=None):
    query = (Stock.select(Stock.warehouse, Stock.product, Stock.on_hand, Stock.reserved,
                          effective_threshold().alias("threshold"), Product.name.alias("product_name"),
                          Product.unit.alias("unit"), Warehouse.name.alias("warehouse_name"))
             .join(Product).switch(Stock).join(Warehouse)
             .where(below_threshold(), Warehouse.active, Product.active))
    if keys is not None:
        query = query.where(Tuple(Stock.warehouse, Stock.product).in_(list(keys)))
    return query.dicts()


def _enqueue(row, day):
    available = row["on_hand"] - row["reserved"]
    return notify.enqueue(
        kind=LOW_STOCK_KIND, recipient=notify.RECIPIENT_OWNERS,
        dedupe_key=f"{LOW_STOCK_KIND}:{row['warehouse']}:{row['product']}:{day.isoformat()}",
        data={"product_id": row["product"], "product": row["product_name"], "warehouse_id": row["warehouse"],
              "warehouse": row["warehouse_name"], "available": available, "threshold": row["threshold"],
              "unit": row["unit"], "day": day.isoformat()})


def alert_low_stock(keys=None):
    """Queue an alert for each (warehouse, product) in `keys` (None: every row) under its threshold.

    At most one per product, warehouse and local day: a later call that day
    finds the dedupe key taken. Returns how many alerts were queued.
    """
    if keys is not None and not keys:
        return 0
    day = to_local(utcnow()).date()
    return sum(_enqueue(row, day) for row in _low_rows(keys))


def run_and_alert(work):
    """Run a stock change (see ledger.run), then queue low-stock alerts for the rows it took under threshold.

    The alert is queued after COMMIT on purpose: the hot Stock row stays locked
    only for its UPDATE; an alert lost to a crash in between is found by the
    scheduled scan (jobs.scan_low_stock).
    """
    change = ledger.run(work)
    if change.fell_under_threshold:
        alert_low_stock(change.fell_under_threshold)
    return change
