"""Money is integer fen, rounded half-up, split without losing a fen."""
import pytest
from hypothesis import given, strategies as st

from app.money import format_percent, format_yuan, parse_percent, parse_yuan, percent_of, scale, split_by_weights


@pytest.mark.parametrize("text, fen", [("12.34", 1234), ("12", 1200), ("0.5", 50), ("-3.07", -307), (" 7.00 ", 700)])
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("bad", ["1.234", "abc", "", "NaN", "Infinity", 1.5, True, "1e20", "1e3", "１２", "1²", "٣",
                                 "12.", ".5", "+5", "1_000", None])
def test_parse_yuan_refuses(bad):
    with pytest.raises(ValueError):
        parse_yuan(bad)


def test_format_yuan():
    assert [format_yuan(v) for v in (1234, 5, 0, -307)] == ["12.34", "0.05", "0.00", "-3.07"]


def test_percent_rounds_half_up():
    assert percent_of(50, 1000) == 5          # 10% of 0.50
    assert percent_of(25, 1000) == 3          # 2.5 fen -> 3
    assert percent_of(-25, 1000) == -3        # symmetric for reversals
    assert percent_of(24, 1000) == 2


def test_scale():
    assert scale(1000, 1, 3) == 333
    assert scale(1000, 2, 3) == 667


def test_split_keeps_every_fen():
    assert split_by_weights(100, [1, 1, 1]) == [34, 33, 33]
    assert split_by_weights(-100, [1, 1, 1]) == [-34, -33, -33]


@given(st.integers(-10**9, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=20).filter(lambda w: sum(w) > 0))
def test_split_always_sums_to_the_total(total, weights):
    parts = split_by_weights(total, weights)
    assert sum(parts) == total
    assert all(p == 0 for p, w in zip(parts, weights) if w == 0)


@pytest.mark.parametrize("typed, basis_points", [("3", 300), ("2.5", 250), ("0.25", 25), ("100", 10000), ("0", 0),
                                                 (" 3% ", 300), (7, 700)])
def test_a_percentage_as_typed_becomes_basis_points(typed, basis_points):
    assert parse_percent(typed) == basis_points


@pytest.mark.parametrize("typed", ["abc", "101", "-1", "0.001", "nan", "Infinity", "²", "", 2.5, True])
def test_a_percentage_that_is_not_one_is_refused(typed):
    with pytest.raises(ValueError):
        parse_percent(typed)


@pytest.mark.parametrize("basis_points, shown", [(300, "3"), (250, "2.5"), (25, "0.25"), (10000, "100"), (0, "0")])
def test_basis_points_show_as_a_percentage(basis_points, shown):
    assert format_percent(basis_points) == shown
