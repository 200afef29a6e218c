"""What finance is told about orders: the facts the orders domain hands over when money moves.

Orders build these from their own rows and pass them to the finance service, so
finance never reads order tables and its ledger refers to orders by id only.
"""
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SoldLine:
    """One line of a paid order, with the prices that were true when it was placed."""

    product_id: int
    quantity: int
    unit_price_fen: int       # the buyer's level price, snapshotted on the order line
    discount_fen: int         # this line's share of the order's discounts
    unit_cost_fen: int        # the product's cost price when the order was placed

    @property
    def paid_fen(self):
        return self.unit_price_fen * self.quantity - self.discount_fen


@dataclass(frozen=True)
class PaidOrder:
    """An order whose payment was confirmed; buyer_agent_id is None for a direct customer."""

    order_id: int
    order_no: str
    buyer_agent_id: int | None
    paid_at: datetime
    lines: tuple              # of SoldLine
    subtotal_fen: int
    discount_fen: int
    shipping_fen: int
    total_fen: int


@dataclass(frozen=True)
class RefundedLine:
    """Part of a line given back: how many units and how much money."""

    product_id: int
    quantity: int
    amount_fen: int


@dataclass(frozen=True)
class OrderRefund:
    """A refund of a paid order, whole or in part; refund_id makes repeating it a no-op."""

    refund_id: str
    order_id: int
    refunded_at: datetime
    lines: tuple              # of RefundedLine
    shipping_fen: int
    whole_order: bool
    goods_back: bool          # the units are in stock again (never shipped, or returned): only then is their cost off
