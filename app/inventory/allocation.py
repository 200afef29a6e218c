"""Allocation (智能调配): demand in each warehouse's provinces, days of cover, and suggested transfers.

Demand for a warehouse is what was shipped (from any warehouse) to the provinces
it serves: that is what it would sell if it held the stock. Cover is available
plus in-transit stock divided by the daily rate of the last 30 days. Stock moves
from the warehouses with the most cover to those with the least; a donor always
keeps its own `target_days` of cover and at least its low-stock threshold.
"""
import math
from dataclasses import dataclass, field
from datetime import timedelta

from peewee import Case, fn

from app.catalog.models import Product
from app.clock import utcnow
from app.errors import InvalidInput
from app.inventory import alerts
from app.inventory.models import Stock, StockMove, Warehouse, WarehouseProvince
from app.inventory.transfers import in_transit_by_product

WINDOW_DAYS = 30
SHORT_WINDOW_DAYS = 7


@dataclass
class AllocationRow:
    """One product in one warehouse: demand in its provinces, stock and days of cover."""

    warehouse_id: int
    warehouse_name: str
    product_id: int
    product_name: str
    available: int
    in_transit: int
    threshold: int
    shipped_7d: int
    shipped_30d: int

    @property
    def daily_rate(self):
        return self.shipped_30d / WINDOW_DAYS

    @property
    def days_of_cover(self):
        """Days the stock lasts at the 30-day rate (None: no demand, it lasts for ever)."""
        return round((self.available + self.in_transit) / self.daily_rate, 1) if self.daily_rate else None

    def units_for(self, days):
        return math.ceil(self.daily_rate * days)


@dataclass
class Suggestion:
    """A transfer worth making, in the shape `transfers.dispatch_transfer` takes."""

    from_warehouse_id: int
    to_warehouse_id: int
    lines: list = field(default_factory=list)


def allocation_report(*, target_days=30, product_id=None):
    """Rows per active warehouse and product, and suggested transfers towards `target_days` of cover."""
    if isinstance(target_days, bool) or not isinstance(target_days, int) or not 1 <= target_days <= 365:
        raise InvalidInput.on("target_days", "目标天数必须是1到365之间的整数")
    rows = _rows(product_id)
    suggestions = {}
    for product in sorted({row.product_id for row in rows}):
        for donor, receiver, units in _matches([r for r in rows if r.product_id == product], target_days):
            suggestion = suggestions.setdefault((donor, receiver), Suggestion(donor, receiver))
            suggestion.lines.append({"product_id": product, "quantity": units})
    return rows, list(suggestions.values())


def _matches(rows, target_days):
    """(donor warehouse, receiver warehouse, units) for one product, least-covered receivers first."""
    def cover(row):
        return math.inf if row.days_of_cover is None else row.days_of_cover

    needs = {r.warehouse_id: r.units_for(target_days) - r.available - r.in_transit
             for r in rows if r.daily_rate and cover(r) < target_days}
    spare = {r.warehouse_id: r.available - max(r.units_for(target_days), r.threshold) for r in rows}
    donors = [r for r in sorted(rows, key=cover, reverse=True) if spare[r.warehouse_id] > 0]
    for receiver in sorted((r for r in rows if needs.get(r.warehouse_id, 0) > 0), key=cover):
        for donor in donors:
            units = min(needs[receiver.warehouse_id], spare[donor.warehouse_id])
            if units <= 0 or donor.warehouse_id == receiver.warehouse_id:
                continue
            needs[receiver.warehouse_id] -= units
            spare[donor.warehouse_id] -= units
            yield donor.warehouse_id, receiver.warehouse_id, units


def _rows(product_id):
    shipped = _shipped_to_served_provinces(product_id)
    in_transit = in_transit_by_product()
    query = (Stock.select(Stock.warehouse, Warehouse.name, Stock.product, Product.name,
                          Stock.on_hand - Stock.reserved, alerts.effective_threshold())
             .join(Product).switch(Stock).join(Warehouse)
             .where(Warehouse.active, Product.active)
             .order_by(Stock.product, Stock.warehouse))
    if product_id is not None:
        query = query.where(Stock.product == product_id)
    return [AllocationRow(warehouse_id, warehouse_name, product, product_name, available,
                          in_transit.get((warehouse_id, product), 0), threshold,
                          *shipped.get((warehouse_id, product), (0, 0)))
            for warehouse_id, warehouse_name, product, product_name, available, threshold in query.tuples()]


def _shipped_to_served_provinces(product_id):
    """{(warehouse, product): (units shipped in 7 days, in 30 days)} to the provinces each warehouse serves."""
    now = utcnow()
    units = 0 - StockMove.on_hand_delta  # (unary minus on a peewee field means DESC)
    recent = Case(None, [(StockMove.created_at >= now - timedelta(days=SHORT_WINDOW_DAYS), units)], 0)
    query = (StockMove.select(WarehouseProvince.warehouse, StockMove.product, fn.SUM(recent), fn.SUM(units))
             .join(WarehouseProvince, on=(WarehouseProvince.province == StockMove.province))
             .where(StockMove.kind == "ship", StockMove.created_at >= now - timedelta(days=WINDOW_DAYS))
             .group_by(WarehouseProvince.warehouse, StockMove.product))
    if product_id is not None:
        query = query.where(StockMove.product == product_id)
    return {(w, p): (int(short), int(long)) for w, p, short, long in query.tuples()}
