"""All money arithmetic, in integer fen (1 yuan = 100 fen).

Rounding is half-up, away from zero for negative amounts (ROUND_HALF_UP), the
convention Chinese invoices and WeChat Pay use. Yuan strings exist only at the
edges: `parse_yuan` on the way in, `format_yuan` on the way out.
"""
import re
from decimal import Decimal, InvalidOperation

FEN_PER_YUAN = 100
BASIS_POINTS = 10000
MAX_FEN = 10**13  # one hundred billion yuan: far above any real order, far below BIGINT
# ASCII digits spelled out: str.isdigit and Decimal also take "²", "１２" and "1e3", which no amount is.
YUAN_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]{1,2})?")


def parse_yuan(value):
    """Turn "12.34", "12", an integer or a Decimal into 1234 fen; ValueError on anything else.

    Text must be ASCII digits with at most two decimals and an optional leading minus: no
    full-width or superscript digits, no exponent, no "NaN"."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("money must be given as a string or integer yuan, not a float")
    if isinstance(value, str):
        text = value.strip()
        if not YUAN_TEXT.fullmatch(text):
            raise ValueError(f"not an amount: {value!r}")
        amount = Decimal(text)
    elif isinstance(value, (int, Decimal)):
        amount = Decimal(value)
        if not amount.is_finite() or amount.as_tuple().exponent < -2:
            raise ValueError(f"not an amount with at most two decimal places: {value!r}")
    else:
        raise ValueError(f"not an amount: {value!r}")
    fen = int(amount * FEN_PER_YUAN)
    if abs(fen) > MAX_FEN:
        raise ValueError("amount out of range")
    return fen


def parse_percent(value):
    """Turn a percentage as typed ("3", "2.5", "0.25") into basis points (300, 250, 25); ValueError on anything
    else, on more than two decimal places or outside 0–100 %."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError("a rate must be given as a string or an integer percent, not a float")
    try:
        percent = Decimal(str(value).strip().removesuffix("%"))
    except InvalidOperation as exc:
        raise ValueError(f"not a percentage: {value!r}") from exc
    if not percent.is_finite() or percent.as_tuple().exponent < -2:
        raise ValueError("at most two decimal places")
    basis_points = int(percent * BASIS_POINTS / 100)
    if not 0 <= basis_points <= BASIS_POINTS:
        raise ValueError("a rate is between 0 and 100 percent")
    return basis_points


def format_percent(basis_points):
    """Turn 300 basis points into "3", 250 into "2.5", 25 into "0.25" (a percentage, without the sign)."""
    whole, rest = divmod(int(basis_points), 100)
    return f"{whole}.{rest:02d}".rstrip("0").rstrip(".") if rest else str(whole)


def format_yuan(fen):
    """Turn 1234 fen into "12.34"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), FEN_PER_YUAN)
    return f"{sign}{whole}.{cents:02d}"


def format_yuan_grouped(fen):
    """Turn 320000 fen into "3,200.00": for sentences people read, never for parsing."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), FEN_PER_YUAN)
    return f"{sign}{whole:,}.{cents:02d}"


def round_half_up(numerator, denominator):
    """numerator / denominator rounded half-up (away from zero), in integers."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    sign = -1 if numerator < 0 else 1
    quotient, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        quotient += 1
    return sign * quotient


def percent_of(amount_fen, basis_points):
    """`basis_points`/10000 of an amount (250 bp = 2.5%), rounded half-up to the fen."""
    return round_half_up(amount_fen * basis_points, BASIS_POINTS)


def scale(amount_fen, numerator, denominator):
    """amount * numerator / denominator, rounded half-up to the fen."""
    return round_half_up(amount_fen * numerator, denominator)


def split_by_weights(total_fen, weights):
    """Split `total_fen` in proportion to `weights`, the parts summing exactly to the total.

    Largest-remainder method: every part is the floor of its exact share, and the
    fen left over go one each to the largest remainders (earliest first on ties).
    """
    weights = list(weights)
    weight_sum = sum(weights)
    if weight_sum <= 0 or any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative with a positive sum")
    sign = -1 if total_fen < 0 else 1
    magnitude = abs(total_fen)
    shares = [divmod(magnitude * w, weight_sum) for w in weights]
    parts = [q for q, _ in shares]
    leftover = magnitude - sum(parts)
    by_remainder = sorted(range(len(weights)), key=lambda i: -shares[i][1])
    for i in by_remainder[:leftover]:
        parts[i] += 1
    return [sign * p for p in parts]
