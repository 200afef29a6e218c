"""The one way stock changes: StockMove rows and guarded UPDATEs of Stock in one transaction.

Every public stock use case ends in `post_moves`. It writes the moves first and
the guarded UPDATEs last, in (product id, warehouse id) order: the UPDATE is
what locks a hot Stock row, so the lock is held only from it to COMMIT, and
rows are always locked in one global order so concurrent multi-product changes
cannot deadlock each other.
"""
import contextlib
import functools
import threading
from dataclasses import dataclass, field

from peewee import IntegrityError

from app.catalog import service as catalog
from app.clock import utcnow
from app.database import atomic_with_retry, db, portable_sql
from app.errors import Conflict, InvalidInput, NotFound
from app.inventory.models import Stock, StockMove, Warehouse
from app.inventory.schemas import StockLine

MAX_QUANTITY = 10**9

# The hot path is plain SQL: building these statements with peewee took more CPU
# than the database spends running them (bench/stock.py measures the difference).
INSERT_MOVES = ("INSERT INTO stock_move (warehouse_id, product_id, kind, on_hand_delta, reserved_delta, reference, "
                "reason, province, actor, created_at) VALUES ")
MOVE_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
# One row's UPDATE sets the quantities its delta moves and guards those it takes from: available stock (on_hand -
# reserved >= the units taken) and reserved units (reserved >= the units given up). A guard of what the delta does
# not take is left out, and a quantity it does not move is not set: the table's CHECKs (0 <= reserved <= on_hand)
# make such a guard true of every row, and the server parses and optimizes every term (callgrind: 410k → 397k
# instructions of the server a reservation).
SETS = {"on_hand": "on_hand = on_hand + ?", "reserved": "reserved = reserved + ?"}
GUARDED_UPDATE = "UPDATE stock SET {sets} WHERE warehouse_id = ? AND product_id = ?"
TAKES_AVAILABLE = " AND on_hand - reserved >= ?"
TAKES_RESERVED = " AND reserved >= ?"
# The product's threshold is a parameter, as the catalog keeps it (`catalog.low_stock_threshold`, seconds old at
# most in a process that did not change it), not a subquery of the product table: an optimizer pass more on the hot
# row, 13% of the server's work for a reservation (callgrind: 511k → 446k instructions). Where the subquery saw a
# change committed before the UPDATE, this sees it those seconds later, and no alert goes wrong for it: a threshold
# kept too high fails this UPDATE, the plain one that follows matches and `alerts.alert_low_stock` compares the row
# with the threshold read afresh in SQL (no alert unless one is due); one kept too low misses an alert here, which
# the scheduled scan (`jobs.scan_low_stock`) queues.
STAYS_AT_THRESHOLD = " AND on_hand - reserved - ? >= COALESCE(low_stock_threshold, ?)"
# Several rows of one warehouse in one statement, each row guarded as its own UPDATE would guard it (with
# STAYS_AT_THRESHOLD when the rows give up available stock), with every guard; the CASEs pick each row's delta.
GUARDED_UPDATE_MANY = ("UPDATE stock SET on_hand = on_hand + {on_hand}, reserved = reserved + {reserved} "
                       "WHERE warehouse_id = ? AND product_id IN ({ids}) AND on_hand - reserved >= {needed} "
                       "AND reserved >= {kept}")
STAY_AT_THRESHOLD_MANY = " AND on_hand - reserved - {needed} >= COALESCE(low_stock_threshold, {threshold})"
# A reservation checks its warehouse inside the guarded UPDATE rather than in a statement of its own: on one hot
# row the round trip it saves is a fifth of the use case (bench/stock.py). The subquery is of the warehouse's id as
# a parameter, not correlated with the row: the server's optimizer does less for it (callgrind: 446k → 421k
# instructions a reservation). Either form locks the warehouse row it reads, so a deactivation waits for the
# reservations under way (tried: the deactivating UPDATE times out on the lock).
IN_ACTIVE_WAREHOUSE = " AND (SELECT active FROM warehouse WHERE warehouse.id = ?)"


_sql = portable_sql


# Each statement's text is written once per shape and placeholder style (`param`: the kind of database), not
# concatenated and rewritten at every call.

@functools.lru_cache(maxsize=64)
def _moves_insert(count, param):
    return (INSERT_MOVES + ", ".join([MOVE_VALUES] * count)).replace("?", param)


@functools.lru_cache(maxsize=64)
def _row_update(sets, takes_available, takes_reserved, stay_at_threshold, active_warehouse, param):
    return (GUARDED_UPDATE.format(sets=", ".join(SETS[name] for name in sets))
            + (TAKES_AVAILABLE if takes_available else "") + (TAKES_RESERVED if takes_reserved else "")
            + (STAYS_AT_THRESHOLD if stay_at_threshold else "")
            + (IN_ACTIVE_WAREHOUSE if active_warehouse else "")).replace("?", param)


@functools.lru_cache(maxsize=64)
def _rows_update(count, stay_at_threshold, active_warehouse, param):
    case = "CASE product_id " + " ".join(["WHEN ? THEN ?"] * count) + " END"
    statement = (GUARDED_UPDATE_MANY + (STAY_AT_THRESHOLD_MANY if stay_at_threshold else "")
                 + (IN_ACTIVE_WAREHOUSE if active_warehouse else ""))
    return statement.format(on_hand=case, reserved=case, ids=", ".join(["?"] * count), needed=case, kept=case,
                            threshold=case).replace("?", param)


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

    @property
    def takes_available(self):
        """Units of available stock this change uses up (0 when it adds or keeps available)."""
        return max(0, self.reserved - self.on_hand)


@dataclass(frozen=True)
class StockChange:
    """What one use case did: its kind and reference, the rows it changed, whether it was a repeat."""

    kind: str
    reference: str
    deltas: list = field(default_factory=list)
    repeated: bool = False
    fell_under_threshold: frozenset = frozenset()


def quantity(value, field_name="quantity"):
    """A positive whole number of units, or InvalidInput naming `field_name`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_QUANTITY:
        raise InvalidInput.on(field_name, "数量必须是大于0的整数")
    return value


def product_quantities(lines):
    """Lines checked and merged as {product_id: quantity}, smallest id first: StockLines from other domains, or
    {"product_id", "quantity"} bodies from the console's stock forms."""
    if not isinstance(lines, (list, tuple)) or not lines:
        raise InvalidInput.on("lines", "至少需要一行商品")
    merged = {}
    for index, line in enumerate(lines):
        product_id, units = _line_fields(line, index)
        if isinstance(product_id, bool) or not isinstance(product_id, int) or product_id <= 0:
            raise InvalidInput.on(f"lines.{index}.product_id", "商品编号无效")
        merged[product_id] = merged.get(product_id, 0) + quantity(units, f"lines.{index}.quantity")
        quantity(merged[product_id], f"lines.{index}.quantity")
    return dict(sorted(merged.items()))


def _line_fields(line, index):
    if isinstance(line, StockLine):
        return line.product_id, line.quantity
    if isinstance(line, dict):
        return line.get("product_id"), line.get("quantity")
    raise InvalidInput.on(f"lines.{index}", "每行必须包含 product_id 和 quantity")


def require_usable_warehouse(warehouse_id):
    """NotFound unless a warehouse with this id exists, Conflict (停用) unless it is active."""
    row = db.execute_sql(_sql("SELECT active FROM warehouse WHERE id = ?"), (warehouse_id,)).fetchone()
    if row is not None and row[0]:
        return
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


def post_moves(kind, deltas, *, reference=None, actor="", reason="", province="", active_warehouse=False):
    """Write one move per delta, then apply each to its Stock row; returns the StockChange.

    Call inside `run`. A (reference, kind) posted before raises RepeatedChange,
    which `run` turns into a no-op; a row lacking the stock raises Conflict.
    `active_warehouse`: the rows change only in an active warehouse, else the
    warehouse is refused as `require_usable_warehouse` refuses it (checked in
    the UPDATEs themselves, so the caller needs no statement of its own).
    """
    deltas = sorted(deltas, key=lambda d: d.lock_order)
    now = utcnow()
    try:
        db.execute_sql(_moves_insert(len(deltas), db.param),
                       [value for d in deltas for value in (d.warehouse_id, d.product_id, kind, d.on_hand, d.reserved,
                                                            reference, reason[:255], province[:32], actor[:48], now)])
    except IntegrityError as exc:
        if reference is not None and already_posted(reference, kind):
            raise RepeatedChange(kind, reference) from exc
        if active_warehouse:
            require_usable_warehouse(deltas[0].warehouse_id)
        _raise_unknown_ids(deltas)
        raise
    return StockChange(kind, reference, deltas, fell_under_threshold=_apply_all(deltas, active_warehouse))


def post_handover(deltas, *, taken_as, given_as, reference, actor=""):
    """Reserved units change purpose on the same rows: a `taken_as` move (-q) and a `given_as` move (+q) each.

    The rows' quantities do not change, so no UPDATE runs; the caller guarantees
    the units are reserved under the purpose they leave (cloud stock, guarded on
    its own rows, or a reservation read by `reference`). Call inside `run`.
    """
    deltas = sorted(deltas, key=lambda d: d.lock_order)
    now = utcnow()
    rows = [(d.warehouse_id, d.product_id, kind, 0, sign * d.reserved, reference, "", "", actor[:48], now)
            for kind, sign in ((taken_as, -1), (given_as, 1)) for d in deltas]
    try:
        db.execute_sql(_moves_insert(len(rows), db.param), [value for row in rows for value in row])
    except IntegrityError as exc:
        if already_posted(reference, given_as):
            raise RepeatedChange(given_as, reference) from exc
        raise
    return StockChange(given_as, reference, deltas)


def run(work):
    """Run a stock use case in its own transaction (deadlocks retried); a repeat returns the earlier change.

    Inside the caller's transaction it runs in a savepoint: a change refused for want of stock leaves nothing
    behind while the caller's work goes on (a payment stands when stock is short).
    """
    try:
        return atomic_with_retry(work)
    except RepeatedChange as exc:
        return exc.change
    except PartlyApplied:
        # Rolled back: the change runs again a row at a time, which says which row is short or falls under its
        # threshold.
        with _one_row_at_a_time():
            return run(work)


class PartlyApplied(Exception):
    """The one-statement UPDATE of several rows matched only some of them; the change must roll back."""


_rows = threading.local()


@contextlib.contextmanager
def _one_row_at_a_time():
    _rows.one_at_a_time = True
    try:
        yield
    finally:
        _rows.one_at_a_time = False


class RepeatedChange(Exception):
    """A concurrent call with the same (reference, kind) committed first; this one must roll back."""

    def __init__(self, kind, reference):
        super().__init__(f"{kind} {reference} already posted")
        self.change = StockChange(kind, reference, [], repeated=True)


def already_posted(reference, kind):
    """True when moves of `kind` with this reference exist."""
    return StockMove.select().where(StockMove.reference == reference, StockMove.kind == kind).exists()


def _apply_all(deltas, active_warehouse):
    """Apply the deltas (in lock order) to their rows; the rows they left under their low-stock threshold.

    Several rows of one warehouse that all take available stock (a reservation, a transfer out) or all give
    reserved units up (a release, a shipment) are updated by one statement, which matches every row in the usual
    case: none short, none falling under its threshold. When it matches none, nothing changed and the rows go one
    by one; when it matches some, `PartlyApplied` rolls the change back for `run` to repeat it one row at a time.
    """
    if len(deltas) > 1 and len({d.warehouse_id for d in deltas}) == 1 and not getattr(_rows, "one_at_a_time", False):
        takes = all(d.takes_available for d in deltas)
        gives = all(not d.takes_available and (d.reserved < 0 or d.on_hand < 0) for d in deltas)
        if takes or gives:
            matched = _guarded_update_many(deltas, stay_at_threshold=takes, active_warehouse=active_warehouse)
            if matched == len(deltas):
                return frozenset()
            if matched:
                raise PartlyApplied()
    fell_under = set()
    for index, delta in enumerate(deltas):
        applied = _apply(delta, active_warehouse)
        if applied is None:
            _raise_shortage(delta, deltas[index + 1:])
        if applied:
            fell_under.add((delta.warehouse_id, delta.product_id))
    return frozenset(fell_under)


def _guarded_update_many(deltas, *, stay_at_threshold, active_warehouse):
    """One guarded UPDATE of the rows of `deltas` (one warehouse); how many rows it matched."""
    def case(value):
        return [v for d in deltas for v in (d.product_id, value(d))]
    needed = case(lambda d: d.reserved - d.on_hand)
    params = (case(lambda d: d.on_hand) + case(lambda d: d.reserved) + [deltas[0].warehouse_id]
              + [d.product_id for d in deltas] + needed + case(lambda d: -d.reserved))
    if stay_at_threshold:
        params += needed + case(lambda d: catalog.low_stock_threshold(d.product_id))
    if active_warehouse:
        params.append(deltas[0].warehouse_id)
    statement = _rows_update(len(deltas), stay_at_threshold, active_warehouse, db.param)
    return db.execute_sql(statement, params).rowcount


def _apply(delta, active_warehouse=False):
    """Apply one delta to its row; True when it left available stock under the row's low-stock threshold, None
    when the row lacks the stock (nothing changed); an inactive warehouse is refused when `active_warehouse`.

    A change that uses up available stock first tries the UPDATE that also
    requires the row to stay at its threshold: when that matches (the usual
    case) no further query is needed to know that no alert is due.
    """
    if delta.takes_available and _guarded_update(delta, stay_at_threshold=True, active_warehouse=active_warehouse):
        return False
    if _guarded_update(delta, active_warehouse=active_warehouse):
        return bool(delta.takes_available)
    if active_warehouse:
        require_usable_warehouse(delta.warehouse_id)
    if delta.on_hand > 0 and delta.reserved == 0 and _create_row(delta):
        return False
    return None


def _guarded_update(delta, *, stay_at_threshold=False, active_warehouse=False):
    """The UPDATE matches only when the row stays within on_hand >= reserved >= 0 (and, when `active_warehouse`,
    its warehouse is active); True if it did."""
    sets = ("on_hand",) * bool(delta.on_hand) + ("reserved",) * bool(delta.reserved or not delta.on_hand)
    needed, given_up = delta.reserved - delta.on_hand, -delta.reserved
    params = [getattr(delta, name) for name in sets] + [delta.warehouse_id, delta.product_id]
    params += [needed] * (needed > 0) + [given_up] * (given_up > 0)
    if stay_at_threshold:
        params += (delta.takes_available, catalog.low_stock_threshold(delta.product_id))
    if active_warehouse:
        params.append(delta.warehouse_id)
    statement = _row_update(sets, needed > 0, given_up > 0, stay_at_threshold, active_warehouse, db.param)
    return db.execute_sql(statement, params).rowcount == 1


def _create_row(delta):
    """Create the missing Stock row holding the delta (or, if another transaction just made it, update it)."""
    try:
        Stock.create(warehouse=delta.warehouse_id, product=delta.product_id, on_hand=delta.on_hand)
    except IntegrityError:
        return _guarded_update(delta)
    return True


def _raise_shortage(delta, rest):
    """Conflict for a delta its row could not take; for a lack of available stock it names every product short,
    this one and those of `rest` (the deltas not applied yet) that would fail too."""
    if delta.reserved < 0:
        product = catalog.get_product(delta.product_id)
        warehouse = Warehouse.get_by_id(delta.warehouse_id)
        raise Conflict(f"「{product.name}」在「{warehouse.name}」的预留不足，无法释放或发货",
                       code="insufficient_reserved")
    shortfalls = [_shortfall(delta, failed=True), *(_shortfall(d) for d in rest if d.takes_available)]
    raise Conflict("库存不足：" + "；".join(s for s in shortfalls if s), code="insufficient_stock")


def _available(delta):
    stock = Stock.get_or_none(Stock.warehouse == delta.warehouse_id, Stock.product == delta.product_id)
    return stock.on_hand - stock.reserved if stock else 0


def _shortfall(delta, *, failed=False):
    """「product」在「warehouse」可用 n，需要 m（缺 k） when the delta failed or takes more than is available, else
    None."""
    available, needed = _available(delta), delta.takes_available
    if available >= needed and not failed:
        return None
    product = catalog.get_product(delta.product_id)
    warehouse = Warehouse.get_by_id(delta.warehouse_id)
    unit = product.unit
    missing = f"（缺 {needed - available}{unit}）" if needed > available else ""
    return f"「{product.name}」在「{warehouse.name}」可用 {available}{unit}，需要 {needed}{unit}{missing}"


def _raise_unknown_ids(deltas):
    for delta in deltas:
        catalog.get_product(delta.product_id)
        if not Warehouse.select().where(Warehouse.id == delta.warehouse_id).exists():
            raise NotFound("仓库不存在", code="warehouse_not_found")
