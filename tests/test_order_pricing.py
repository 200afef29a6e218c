"""Order amounts: subtotal, level discount, 满减, shipping, total — worked by hand."""
import pytest
from hypothesis import given, strategies as st

from app.orders.pricing import AmountOff, Line, ShippingRule, price_order

FACE_CREAM = Line(product_id=1, quantity=2, unit_price_fen=12000)   # 2 × ¥120
SERUM = Line(product_id=2, quantity=3, unit_price_fen=8000)         # 3 × ¥80
SHIPPING = ShippingRule(first_unit_fen=1000, additional_unit_fen=200, free_over_fen=50000)


def test_subtotal_and_total_without_extras():
    breakdown = price_order([FACE_CREAM, SERUM])
    assert (breakdown.subtotal_fen, breakdown.discount_fen, breakdown.shipping_fen, breakdown.total_fen) == \
        (48000, 0, 0, 48000)


def test_level_discount_is_a_percentage_of_the_subtotal():
    breakdown = price_order([FACE_CREAM, SERUM], level_discount_bp=500)   # 5% of ¥480 = ¥24
    assert breakdown.level_discount_fen == 2400
    assert breakdown.total_fen == 45600


def test_the_best_reached_amount_off_applies():
    promotions = [AmountOff("满300减20", 30000, 2000), AmountOff("满450减50", 45000, 5000),
                  AmountOff("满1000减150", 100000, 15000)]
    breakdown = price_order([FACE_CREAM, SERUM], promotions=promotions)
    assert (breakdown.promotion_name, breakdown.promotion_discount_fen, breakdown.total_fen) == ("满450减50", 5000, 43000)


def test_amount_off_threshold_is_checked_after_the_level_discount():
    # ¥480 − 10% = ¥432, under the ¥450 threshold
    breakdown = price_order([FACE_CREAM, SERUM], level_discount_bp=1000, promotions=[AmountOff("满450减50", 45000, 5000)])
    assert breakdown.promotion_discount_fen == 0
    assert breakdown.total_fen == 43200


def test_shipping_first_unit_then_each_further_unit():
    breakdown = price_order([FACE_CREAM, SERUM], shipping=SHIPPING)   # 5 units: ¥10 + 4 × ¥2, goods under ¥500
    assert breakdown.shipping_fen == 1800
    assert breakdown.total_fen == 49800


def test_shipping_is_free_at_the_threshold():
    breakdown = price_order([FACE_CREAM, SERUM, Line(3, 1, 2000)], shipping=SHIPPING)   # goods exactly ¥500
    assert breakdown.shipping_fen == 0


def test_discounts_are_shared_by_lines_in_proportion():
    breakdown = price_order([FACE_CREAM, SERUM], promotions=[AmountOff("满450减50", 45000, 5000)])
    # ¥50 split 240:240 → ¥25 each
    assert [line.discount_fen for line in breakdown.lines] == [2500, 2500]


def test_an_order_needs_lines():
    with pytest.raises(ValueError):
        price_order([])


lines_strategy = st.lists(st.builds(Line, st.integers(1, 50), st.integers(1, 500), st.integers(0, 10**6)),
                          min_size=1, max_size=10)


@given(lines_strategy, st.integers(0, 5000), st.integers(0, 10**7), st.integers(0, 10**6))
def test_line_shares_always_sum_to_the_discount(lines, discount_bp, threshold, off):
    breakdown = price_order(lines, level_discount_bp=discount_bp, promotions=[AmountOff("p", threshold, off)])
    assert sum(line.discount_fen for line in breakdown.lines) == breakdown.discount_fen
    assert breakdown.total_fen == breakdown.subtotal_fen - breakdown.discount_fen + breakdown.shipping_fen
    assert breakdown.total_fen >= 0
