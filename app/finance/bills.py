"""WeChat Pay's trade bill (交易账单, `GET /v3/bill/tradebill`, type ALL) read into payments and refunds.

The bill is CSV: a header line naming the columns, one line per payment or refund in
which every field starts with a backtick (so that a spreadsheet keeps long numbers as
text), then a summary header (总交易单数,…) and its line. Columns are found by their
name, not their position (WeChat has added columns over the years). A payment line
(交易状态 SUCCESS) counts its order amount (订单金额, before coupons; 应结订单金额 on
bills without it); a refund line (交易状态 REFUND) counts the refund asked (申请退款金额;
退款金额 on bills without it) when its refund status is SUCCESS.
"""
from dataclasses import dataclass, field

from app.money import parse_yuan

TRADE_NO, REFUND_NO, STATE, REFUND_STATE = "商户订单号", "商户退款单号", "交易状态", "退款状态"
PAYMENT_AMOUNTS = ("订单金额", "应结订单金额", "总金额")
REFUND_AMOUNTS = ("申请退款金额", "退款金额")
SUMMARY_FIRST = "总交易单数"


class BadBill(ValueError):
    """The text is not a trade bill (no header, a line that does not fit it, an amount that is no amount)."""


@dataclass
class TradeBill:
    """A parsed bill: {out_trade_no: fen} paid, {out_refund_no: fen} refunded (with the order each refunds)."""

    payments: dict = field(default_factory=dict)
    refunds: dict = field(default_factory=dict)
    refunded_orders: dict = field(default_factory=dict)
    rows: int = 0
    summary: dict = field(default_factory=dict)


def _fields(line):
    """A bill line's fields: split at ",`" (every field starts with a backtick, a comma may sit inside one)."""
    line = line.rstrip("\r\n")
    if line.startswith("`"):
        line = line[1:]
    return line.split(",`")


def _column(header, names):
    for name in names:
        if name in header:
            return header.index(name)
    raise BadBill(f"the bill has no column {names[0]}")


def _fen(text, line_no):
    try:
        return parse_yuan(text or "0")
    except ValueError as exc:
        raise BadBill(f"line {line_no}: {text!r} is not an amount") from exc


def parse_trade_bill(text):
    """The payments and refunds of a trade bill's text (str or UTF-8 bytes, a BOM allowed); BadBill when it is not
    one. Repeated lines of one payment or refund count once (the bill lists each once)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadBill("the bill is not UTF-8") from exc
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or STATE not in lines[0] or TRADE_NO not in lines[0]:
        raise BadBill("the bill has no header line")
    header = [name.strip() for name in lines[0].split(",")]
    trade_no, refund_no = _column(header, (TRADE_NO,)), _column(header, (REFUND_NO,))
    state, refund_state = _column(header, (STATE,)), _column(header, (REFUND_STATE,))
    paid, refunded = _column(header, PAYMENT_AMOUNTS), _column(header, REFUND_AMOUNTS)
    width = len(header)
    bill = TradeBill()
    for line_no, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        if line.startswith(SUMMARY_FIRST):
            names = line.split(",")
            values = _fields(lines[line_no]) if line_no < len(lines) else []
            bill.summary = dict(zip(names, values))
            break
        values = _fields(line)
        if len(values) < width - 1:  # the last column (费率备注) may be cut off with its backtick
            raise BadBill(f"line {line_no} has {len(values)} fields, the header {width}")
        bill.rows += 1
        if values[state] == "SUCCESS":
            bill.payments[values[trade_no]] = _fen(values[paid], line_no)
        elif values[state] == "REFUND" and values[refund_state] == "SUCCESS":
            bill.refunds[values[refund_no]] = _fen(values[refunded], line_no)
            bill.refunded_orders[values[refund_no]] = values[trade_no]
    return bill
