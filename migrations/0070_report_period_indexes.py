"""Covering indexes that lead with `paid_at`, for reports over a short period (the dashboard's last 30 days).

The product and region indexes of 0040 lead with the grouped column, so a report
reads the whole index whatever its period; for thirty days of a year's orders a
range over `paid_at` reads a twelfth of that.
"""
from playhouse.migrate import make_index_name

INDEXES = (
    ("order_line", ("paid_at", "product_id", "quantity", "refunded_quantity", "paid_fen", "refunded_fen")),
    ("sales_order", ("paid_at", "province", "city", "units", "refunded_units", "total_fen", "refunded_fen")),
)


def up(migrator, db):
    migrator.migrate(*[migrator.add_index(table, columns) for table, columns in INDEXES])


def down(migrator, db):
    migrator.migrate(*[migrator.drop_index(table, make_index_name(table, columns)) for table, columns in INDEXES])
