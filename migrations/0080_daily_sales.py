"""Daily sales figures per region and level, and per product, filled from the orders paid so far."""
import os
from datetime import datetime
from zoneinfo import ZoneInfo

from peewee import BigIntegerField, CharField, CompositeKey, DateField, IntegerField, Model

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


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class DailyRegionSales(Base):
        day = DateField()
        province = CharField(max_length=32)
        city = CharField(max_length=32)
        level_id = IntegerField()
        orders = IntegerField(default=0)
        units = BigIntegerField(default=0)
        amount_fen = BigIntegerField(default=0)

        class Meta:
            primary_key = CompositeKey("day", "province", "city", "level_id")

    class DailyProductSales(Base):
        day = DateField()
        product_id = IntegerField()
        orders = IntegerField(default=0)
        units = BigIntegerField(default=0)
        amount_fen = BigIntegerField(default=0)

        class Meta:
            primary_key = CompositeKey("day", "product_id")

    db.create_tables([DailyRegionSales, DailyProductSales])
    minutes = int(datetime.now(ZoneInfo(os.environ.get("TIMEZONE", "Asia/Shanghai"))).utcoffset().total_seconds() // 60)
    mysql = type(db).__name__.endswith("MySQLDatabase")
    day = f"DATE(DATE_ADD(paid_at, INTERVAL {minutes} MINUTE))" if mysql else f"DATE(paid_at, '{minutes:+d} minutes')"
    db.execute_sql(REGION_FILL.format(day=day))
    db.execute_sql(PRODUCT_FILL.format(day=day))


def down(migrator, db):
    for table in ("daily_product_sales", "daily_region_sales"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
