"""The one way stock changes: StockMove rows and guarded UPDATEs of Stock in one transaction.

Every public stock use case ends in `post_moves`. It writes the moves first and
the guarded UPDATEs last, in (product id, warehouse id) order: the UPDATE is
what locks a hot Stock row, so the lock is held only from it to COMMIT, and
rows are always locked in one global order so concurrent multi-product changes
cannot deadlock each other.
"""
from dataclasses import dataclass, field

from peewee import IntegrityError

from app.catalog import service as catalog
from app.database import atomic_with_retry
from app.errors import Conflict, InvalidInput, NotFound
from app.inventory.models import Stock, StockMove, Warehouse

MAX_QUANTITY = 10**9


@dataclass(frozen=True)
class Delta:
    """A change of one Stock row: (warehouse, product) and how on-hand and reserved move."""

    warehouse_id: int
    product_id: int
    on_hand: int = 0
    reserved: int = 0

    @property
    def lock_order(self):
        return (self.product_id, self.warehouse_id)


@dataclass(frozen=True)
class StockChange:
    """What one use case did: its kind and reference, the rows it changed, whether it was a repeat."""

    kind: str
    reference: str
    deltas: list = field(default_factory=list)
    repeated: bool = False


def quantity(value, field_name="quantity"):
    """A positive whole number of units, or InvalidInput naming `field_name`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_QUANTITY:
        raise InvalidInput.on(field_name, "数量必须是大于0的整数")
    return value


def product_quantities(lines):
    """[{"product_id", "quantity"}, …] checked and merged as {product_id: quantity}, smallest id first."""
    if not isinstance(lines, (list, tuple)) or not lines:
        raise InvalidInput.on("lines", "至少需要一行商品")
    merged = {}
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            raise InvalidInput.on(f"lines.{index}", "每行必须包含 product_id 和 quantity")
        product_id = line.get("product_id")
        if isinstance(product_id, bool) or not isinstance(product_id, int) or product_id <= 0:
            raise InvalidInput.on(f"lines.{index}.product_id", "商品编号无效")
        merged[product_id] = merged.get(product_id, 0) + quantity(line.get("quantity"), f"lines.{index}.quantity")
        quantity(merged[product_id], f"lines.{index}.quantity")
    return dict(sorted(merged.items()))


def usable_warehouse(warehouse_id):
    """The active warehouse with this id; NotFound or Conflict (停用) otherwise."""
    warehouse = Warehouse.get_or_none(Warehouse.id == warehouse_id)
    if warehouse is None:
        raise NotFound("仓库不存在", code="warehouse_not_found")
    if not warehouse.active:
        raise Conflict(f"仓库「{warehouse.name}」已停用", code="warehouse_inactive")
    return warehouse


def reference_text(reference):
    """A reference checked for length; None stays None (no idempotency)."""
    if reference is None:
        return None
    if not isinstance(reference, str) or not reference.strip() or len(reference) > 64:
        raise InvalidInput.on("reference", "单据号不能为空且不超过64个字符")
    return reference.strip()


def post_moves(kind, deltas, *, reference=None, actor="", reason="", province=""):
    """Write one move per delta, then apply each to its Stock row; returns the StockChange.

    Call inside `run`. A (reference, kind) posted before raises RepeatedChange,
    which `run` turns into a no-op; a row lacking the stock raises Conflict.
    """
    deltas = sorted(deltas, key=lambda d: d.lock_order)
    try:
        StockMove.insert_many([
            {"warehouse": d.warehouse_id, "product": d.product_id, "kind": kind, "on_hand_delta": d.on_hand,
             "reserved_delta": d.reserved, "reference": reference, "reason": reason[:255],
             "province": province[:32], "actor": actor[:48]}
            for d in deltas]).execute()
    except IntegrityError as exc:
        if reference is not None and already_posted(reference, kind):
            raise RepeatedChange(kind, reference) from exc
        _raise_unknown_ids(deltas)
        raise
    for delta in deltas:
        _apply(delta)
    return StockChange(kind, reference, deltas)


def run(work):
    """Run a stock use case in its own transaction (deadlocks retried); a repeat returns the earlier change."""
    try:
        return atomic_with_retry(work)
    except RepeatedChange as exc:
        return exc.change


class RepeatedChange(Exception):
    """A concurrent call with the same (reference, kind) committed first; this one must roll back."""

    def __init__(self, kind, reference):
        super().__init__(f"{kind} {reference} already posted")
        self.change = StockChange(kind, reference, [], repeated=True)


def already_posted(reference, kind):
    """True when moves of `kind` with this reference exist."""
    return StockMove.select().where(StockMove.reference == reference, StockMove.kind == kind).exists()


def _apply(delta):
    if _guarded_update(delta):
        return
    if delta.on_hand > 0 and delta.reserved == 0 and _create_row(delta):
        return
    _raise_shortage(delta)


def _guarded_update(delta):
    """The UPDATE matches only when the row stays within on_hand >= reserved >= 0; True if it did."""
    row = (Stock.warehouse == delta.warehouse_id) & (Stock.product == delta.product_id)
    guard = row
    if delta.reserved - delta.on_hand > 0:
        guard &= (Stock.on_hand - Stock.reserved) >= delta.reserved - delta.on_hand
    if delta.reserved < 0:
        guard &= Stock.reserved >= -delta.reserved
    changes = {Stock.on_hand: Stock.on_hand + delta.on_hand, Stock.reserved: Stock.reserved + delta.reserved}
    return bool(Stock.update(changes).where(guard).execute())


def _create_row(delta):
    """Create the missing Stock row holding the delta (or, if another transaction just made it, update it)."""
    try:
        Stock.create(warehouse=delta.warehouse_id, product=delta.product_id, on_hand=delta.on_hand)
    except IntegrityError:
        return _guarded_update(delta)
    return True


def _raise_shortage(delta):
    product = catalog.get_product(delta.product_id)
    warehouse = Warehouse.get_by_id(delta.warehouse_id)
    stock = Stock.get_or_none(Stock.warehouse == delta.warehouse_id, Stock.product == delta.product_id)
    available = stock.on_hand - stock.reserved if stock else 0
    if delta.reserved < 0:
        raise Conflict(f"「{product.name}」在「{warehouse.name}」的预留不足，无法释放或发货",
                       code="insufficient_reserved")
    needed = delta.reserved - delta.on_hand
    raise Conflict(f"库存不足：「{product.name}」在「{warehouse.name}」可用 {available}{product.unit}，"
                   f"需要 {needed}{product.unit}", code="insufficient_stock")


def _raise_unknown_ids(deltas):
    for delta in deltas:
        catalog.get_product(delta.product_id)
        if not Warehouse.select().where(Warehouse.id == delta.warehouse_id).exists():
            raise NotFound("仓库不存在", code="warehouse_not_found")
