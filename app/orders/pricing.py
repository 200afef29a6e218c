"""The one function that prices an order, in integer fen.

Order of operations, as the agent sees it on the quote:
1. subtotal = Σ unit price × quantity (unit prices are the buyer's level prices);
2. the level's percentage discount, if configured, on the subtotal;
3. the best amount-off promotion (满减) whose threshold the discounted goods reach;
4. shipping from the province's rule: first unit, each further unit, free when the
   discounted goods amount reaches the rule's threshold;
5. total = subtotal − discounts + shipping.
Each line carries its share of the discounts (largest-remainder split), so a
partial refund can return exactly what that line cost.
"""
from dataclasses import dataclass

from app.money import percent_of, split_by_weights


@dataclass(frozen=True)
class Line:
    """An order line to price."""

    product_id: int
    quantity: int
    unit_price_fen: int

    @property
    def amount_fen(self):
        return self.unit_price_fen * self.quantity


@dataclass(frozen=True)
class AmountOff:
    """满减: `off_fen` off when the goods amount reaches `threshold_fen`."""

    name: str
    threshold_fen: int
    off_fen: int


@dataclass(frozen=True)
class ShippingRule:
    """Shipping for one destination: first unit, each further unit, free at or above an amount."""

    first_unit_fen: int
    additional_unit_fen: int
    free_over_fen: int | None = None


@dataclass(frozen=True)
class PricedLine:
    """A line with its share of the order's discounts."""

    product_id: int
    quantity: int
    unit_price_fen: int
    amount_fen: int
    discount_fen: int

    @property
    def paid_fen(self):
        return self.amount_fen - self.discount_fen


@dataclass(frozen=True)
class Breakdown:
    """What the order costs and why."""

    lines: tuple
    subtotal_fen: int
    level_discount_fen: int
    promotion_discount_fen: int
    promotion_name: str
    shipping_fen: int
    total_fen: int

    @property
    def discount_fen(self):
        return self.level_discount_fen + self.promotion_discount_fen

    @property
    def goods_fen(self):
        return self.subtotal_fen - self.discount_fen


def price_order(lines, *, level_discount_bp=0, promotions=(), shipping=None):
    """Price `lines` (a list of Line) for a buyer; see the module docstring for the rules."""
    if not lines:
        raise ValueError("an order needs at least one line")
    if any(line.quantity <= 0 or line.unit_price_fen < 0 for line in lines):
        raise ValueError("quantities must be positive and prices not negative")
    subtotal = sum(line.amount_fen for line in lines)
    level_discount = percent_of(subtotal, level_discount_bp) if level_discount_bp else 0
    promotion = _best_promotion(subtotal - level_discount, promotions)
    promotion_discount = min(promotion.off_fen, subtotal - level_discount) if promotion else 0
    goods = subtotal - level_discount - promotion_discount
    shipping_fen = shipping_charge(shipping, sum(line.quantity for line in lines), goods)
    return Breakdown(
        lines=_allocate_discount(lines, level_discount + promotion_discount),
        subtotal_fen=subtotal,
        level_discount_fen=level_discount,
        promotion_discount_fen=promotion_discount,
        promotion_name=promotion.name if promotion else "",
        shipping_fen=shipping_fen,
        total_fen=goods + shipping_fen,
    )


def _best_promotion(goods_fen, promotions):
    reached = [p for p in promotions if goods_fen >= p.threshold_fen and p.off_fen > 0]
    return max(reached, key=lambda p: (p.off_fen, p.threshold_fen), default=None)


def shipping_charge(rule, units, goods_fen):
    """Shipping for `units` worth `goods_fen` (after discounts) under `rule` (None: free)."""
    if rule is None:
        return 0
    if rule.free_over_fen is not None and goods_fen >= rule.free_over_fen:
        return 0
    return rule.first_unit_fen + rule.additional_unit_fen * (units - 1)


def _allocate_discount(lines, discount_fen):
    amounts = [line.amount_fen for line in lines]
    shares = split_by_weights(discount_fen, amounts) if discount_fen and sum(amounts) else [0] * len(lines)
    return tuple(PricedLine(line.product_id, line.quantity, line.unit_price_fen, line.amount_fen, share)
                 for line, share in zip(lines, shares))
