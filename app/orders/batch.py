"""Batch operations for busy days: each order is its own transaction, so one bad order never stops the others."""
from dataclasses import dataclass

from app.errors import DomainError, InvalidInput
from app.exports import read_csv, read_xlsx
from app.orders import lifecycle
from app.orders.carriers import carrier_named
from app.orders.models import Order

MAX_BATCH = 500
MAX_SHEET_ROWS = 5000
SHIPMENT_COLUMNS = {"订单号": "order_no", "快递公司": "carrier", "快递单号": "tracking_no",
                    "order_no": "order_no", "carrier": "carrier", "tracking_no": "tracking_no"}


@dataclass(frozen=True)
class RowResult:
    """What happened to one order of a batch: `done` or `skipped`, and why."""

    row: int
    order_no: str
    outcome: str
    message: str


def _each(order_ids, action):
    if not order_ids or len(order_ids) > MAX_BATCH:
        raise InvalidInput.on("order_ids", f"请选择1到{MAX_BATCH}个订单")
    results = []
    for number, order_id in enumerate(dict.fromkeys(order_ids), start=1):
        try:
            results.append(RowResult(number, str(order_id), "done", action(order_id) or "成功"))
        except DomainError as exc:
            results.append(RowResult(number, str(order_id), "skipped", exc.message))
    return results


def confirm_payments(order_ids, *, actor):
    """Confirm the full payment of many orders (offline transfers checked by finance)."""
    def confirm(order_id):
        order = lifecycle.get_order(order_id)
        _, now = lifecycle.confirm_payment(order_id, actor=actor, method="offline", amount_fen=order.total_fen)
        return "已确认付款" if now else "此前已确认付款，未重复处理"
    return _each(order_ids, confirm)


def mark_picked(order_ids, *, actor):
    """Start picking (配货) for many paid orders."""
    return _each(order_ids, lambda order_id: lifecycle.pick(order_id, actor=actor) and "已开始配货")


def ship_from_file(content, *, filename, actor):
    """Ship the orders listed in an .xlsx/.csv (订单号, 快递公司, 快递单号); one result per row.

    A row naming an order already shipped with the same tracking number is
    skipped as done before, so uploading the same file again changes nothing.
    """
    results = []
    for number, row in _shipment_rows(content, filename):
        results.append(_ship_row(number, row, actor))
    return results


def _ship_row(number, row, actor):
    text = row["order_no"]
    order_id = lifecycle.id_from_order_no(text)
    if order_id is None:
        return RowResult(number, text, "skipped", "订单号不存在")
    order = Order.get_by_id(order_id)
    if order.tracking_no and order.status != "picking":
        named = carrier_named(row["carrier"])
        same = (order.carrier, order.tracking_no) == (named.name if named else row["carrier"], row["tracking_no"])
        return RowResult(number, text, "skipped", "此前已按该单号发货" if same else f"已发货（单号{order.tracking_no}）")
    try:
        lifecycle.ship(order_id, actor=actor, carrier=row["carrier"], tracking_no=row["tracking_no"])
    except DomainError as exc:
        return RowResult(number, text, "skipped", exc.message)
    return RowResult(number, text, "shipped", "已发货")


def _cell(value):
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return "" if value is None else str(value).strip()


def _shipment_rows(content, filename):
    rows = _read_table(content, filename)
    header = [_cell(cell) for cell in rows[0]] if rows else []
    columns = {SHIPMENT_COLUMNS[name]: i for i, name in enumerate(header) if name in SHIPMENT_COLUMNS}
    if set(columns) != {"order_no", "carrier", "tracking_no"}:
        raise InvalidInput.on("file", "表头须包含「订单号」「快递公司」「快递单号」")
    for number, row in enumerate(rows[1:], start=2):
        cells = {key: _cell(row[i]) if i < len(row) else "" for key, i in columns.items()}
        if any(cells.values()):
            yield number, cells


def _read_table(content, filename):
    reader = read_csv if (filename or "").lower().endswith(".csv") else read_xlsx
    rows = reader(content, max_rows=MAX_SHEET_ROWS + 1)
    if len(rows) > MAX_SHEET_ROWS + 1:
        raise InvalidInput.on("file", f"表格不能超过{MAX_SHEET_ROWS}行")
    return rows
