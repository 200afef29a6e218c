"""A posted stock-take keeps the on-hand and reserved quantities its counts were posted against, so its
differences still read as posted after the stock was adjusted. Counts posted before have none (shown as now)."""
from peewee import IntegerField


def up(migrator, db):
    migrator.migrate(migrator.add_column("stock_take_count", "expected", IntegerField(null=True)),
                     migrator.add_column("stock_take_count", "reserved", IntegerField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("stock_take_count", "reserved"),
                     migrator.drop_column("stock_take_count", "expected"))
