"""The data types the inventory face takes from other domains."""
from dataclasses import dataclass


@dataclass(frozen=True)
class StockLine:
    """Units of one product that a stock change moves (an order's line, a refund's part, a pickup's item)."""

    product_id: int
    quantity: int
