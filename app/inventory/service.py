"""Stock use cases: warehouses, receiving, adjusting, the order path and what can be seen of stock.

The orders domain calls `choose_warehouse`, then `reserve` on payment, `release`
on cancellation, `ship` on shipment and `return_stock` on refund. Each takes a
`reference` ("order:123"); repeating a call with the same reference changes
nothing and returns a StockChange with `repeated=True`.
"""
import functools
from dataclasses import dataclass, field

from peewee import JOIN, IntegrityError, fn

from app.catalog import service as catalog
from app.database import Prepared, db, for_update, paginate, upsert
from app.errors import Conflict, InvalidInput, NotFound
from app.inventory import alerts, ledger
from app.inventory.alerts import run_and_alert
from app.inventory.allocation import allocation_report  # noqa: F401
from app.inventory.ledger import Delta
from app.inventory.models import (MOVE_KINDS, TRANSFER_STATUSES, Stock, StockMove, Warehouse,  # noqa: F401
                                  WarehouseProvince)
from app.inventory.stocktakes import (SHEET_HEADERS, count_sheet, differences, enter_counts,  # noqa: F401
                                      get_stock_take, list_stock_takes, open_stock_take, post_stock_take,
                                      upload_counts)
from app.inventory.transfers import arrive_transfer, dispatch_transfer, get_transfer, list_transfers  # noqa: F401
from app import regions

MAX_EXPORT_ROWS = 100_000


# Warehouses

def _clean_provinces(provinces):
    provinces = list(dict.fromkeys(provinces or []))
    unknown = [p for p in provinces if p not in regions.provinces()]
    if unknown:
        raise InvalidInput.on("provinces", "未知省份：" + "、".join(map(str, unknown[:5])))
    return provinces


def _clean_name(name):
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise InvalidInput.on("name", "仓库名称不能为空且不超过64个字符")
    return name


def create_warehouse(*, name, address="", provinces=(), active=True):
    """Create a warehouse serving `provinces` (full names, e.g. 广东省)."""
    name, provinces = _clean_name(name), _clean_provinces(provinces)
    try:
        with db.atomic():
            warehouse = Warehouse.create(name=name, address=address or "", active=active)
            _replace_provinces(warehouse.id, provinces)
    except IntegrityError as exc:
        raise _name_taken() from exc
    return get_warehouse(warehouse.id)


def update_warehouse(warehouse_id, *, name=None, address=None, provinces=None, active=None):
    """Change a warehouse's name, address, provinces served or active flag (None leaves a field alone)."""
    get_warehouse(warehouse_id)
    changes = {key: value for key, value in
               {"name": None if name is None else _clean_name(name), "address": address, "active": active}.items()
               if value is not None}
    try:
        with db.atomic():
            if changes:
                Warehouse.update(**changes).where(Warehouse.id == warehouse_id).execute()
            if provinces is not None:
                _replace_provinces(warehouse_id, _clean_provinces(provinces))
    except IntegrityError as exc:
        raise _name_taken() from exc
    return get_warehouse(warehouse_id)


def _name_taken():
    return Conflict("仓库名称已存在", code="warehouse_name_taken", fields={"name": "仓库名称已存在"})


def _replace_provinces(warehouse_id, provinces):
    WarehouseProvince.delete().where(WarehouseProvince.warehouse == warehouse_id).execute()
    if provinces:
        WarehouseProvince.insert_many([{"warehouse": warehouse_id, "province": p} for p in provinces]).execute()


def get_warehouse(warehouse_id):
    """The warehouse with this id (with `.province_names`), or NotFound."""
    warehouse = Warehouse.get_or_none(Warehouse.id == warehouse_id)
    if warehouse is None:
        raise NotFound("仓库不存在", code="warehouse_not_found")
    return _with_provinces([warehouse])[0]


def list_warehouses(*, active=None):
    """Every warehouse (optionally only active or inactive ones), each with `.province_names`."""
    query = Warehouse.select().order_by(Warehouse.id)
    if active is not None:
        query = query.where(Warehouse.active == active)
    return _with_provinces(list(query))


def _with_provinces(warehouses):
    names = {}
    rows = WarehouseProvince.select().where(WarehouseProvince.warehouse.in_([w.id for w in warehouses] or [0]))
    for row in rows.order_by(WarehouseProvince.id):
        names.setdefault(row.warehouse_id, []).append(row.province)
    for warehouse in warehouses:
        warehouse.province_names = names.get(warehouse.id, [])
    return warehouses


# Changes made in the warehouse

def receive(*, warehouse_id, lines, reference=None, reason="", actor=""):
    """Book goods into a warehouse (入库); the same reference twice books them once."""
    quantities = ledger.product_quantities(lines)
    reference = ledger.reference_text(reference)
    ledger.require_usable_warehouse(warehouse_id)
    deltas = [Delta(warehouse_id, product_id, on_hand=q) for product_id, q in quantities.items()]
    return run_and_alert(lambda: ledger.post_moves("receive", deltas, reference=reference, actor=actor,
                                                   reason=reason))


def adjust(*, warehouse_id, product_id, delta, reason, reference=None, actor=""):
    """Correct on-hand stock by `delta` units (damage, found goods …) with a reason; never below reserved."""
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0 or abs(delta) > ledger.MAX_QUANTITY:
        raise InvalidInput.on("delta", "调整数量必须是非0整数")
    if not (reason or "").strip():
        raise InvalidInput.on("reason", "请填写调整原因")
    reference = ledger.reference_text(reference)
    ledger.require_usable_warehouse(warehouse_id)
    deltas = [Delta(warehouse_id, product_id, on_hand=delta)]
    return run_and_alert(lambda: ledger.post_moves("adjust", deltas, reference=reference, actor=actor,
                                                   reason=reason.strip()))


def set_threshold(*, warehouse_id, product_id, threshold):
    """Set this warehouse's low-stock threshold for a product (None: use the product's default)."""
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, int)
                                  or not 0 <= threshold <= ledger.MAX_QUANTITY):
        raise InvalidInput.on("threshold", "预警数量必须是不小于0的整数")
    get_warehouse(warehouse_id)
    catalog.get_product(product_id)
    upsert(Stock, {"warehouse": warehouse_id, "product": product_id, "low_stock_threshold": threshold},
           conflict_fields=[Stock.warehouse, Stock.product], update_fields=[Stock.low_stock_threshold])


# The order path

def reserve(*, reference, warehouse_id, lines, actor=""):
    """Hold stock for an order: all lines or none (409 naming the short product); once per reference."""
    reference = _required_reference(reference)
    quantities = ledger.product_quantities(lines)
    return _reserve(reference, warehouse_id, quantities, actor, active_warehouse=True)


def reserve_where_best(*, reference, province, lines, actor=""):
    """`choose_warehouse` then `reserve` there, the warehouse read once (active: it was just chosen among the
    active ones); returns the warehouse. Conflict when stock is short or no warehouse is active."""
    reference = _required_reference(reference)
    quantities = ledger.product_quantities(lines)
    warehouse = _best_warehouse(province, quantities)
    _reserve(reference, warehouse.id, quantities, actor)
    return warehouse


def reserve_in_chosen(*, reference, warehouse, lines, actor=""):
    """`reserve` in the warehouse `choose_warehouse` just returned (active: it is not read again); 409 naming the
    short product, and nothing reserved.

    Runs inside the caller's transaction, in a savepoint of its own: a short reservation is undone while the
    caller's work (a payment, which stands when stock is short) goes on.
    """
    return _reserve(_required_reference(reference), warehouse.id, ledger.product_quantities(lines), actor)


def _reserve(reference, warehouse_id, quantities, actor, *, active_warehouse=False):
    deltas = [Delta(warehouse_id, product_id, reserved=q) for product_id, q in quantities.items()]
    return run_and_alert(lambda: ledger.post_moves("reserve", deltas, reference=reference, actor=actor,
                                                   active_warehouse=active_warehouse))


def release(*, reference, actor=""):
    """Give back what `reference` reserved (order cancelled); nothing reserved is nothing to do."""
    reference = _required_reference(reference)

    def work():
        reserved = _reserved_under(reference, settling="release")
        deltas = [Delta(d.warehouse_id, d.product_id, reserved=-d.reserved) for d in reserved]
        if not deltas:
            return ledger.StockChange("release", reference)
        return ledger.post_moves("release", deltas, reference=reference, actor=actor)
    return run_and_alert(work)


def ship(*, reference, province="", actor=""):
    """Send what `reference` reserved: on-hand and reserved both drop; `province` is where it goes."""
    reference = _required_reference(reference)

    def work():
        reserved = _reserved_under(reference, settling="ship")
        if not reserved:
            raise Conflict("该单据没有库存预留，无法发货", code="not_reserved")
        deltas = [Delta(d.warehouse_id, d.product_id, on_hand=-d.reserved, reserved=-d.reserved) for d in reserved]
        return ledger.post_moves("ship", deltas, reference=reference, actor=actor, province=province or "")
    return run_and_alert(work)


def return_stock(*, reference, warehouse_id, lines, reason="", actor=""):
    """Take returned goods back on hand (refund); once per reference."""
    reference = _required_reference(reference)
    quantities = ledger.product_quantities(lines)
    ledger.require_usable_warehouse(warehouse_id)
    deltas = [Delta(warehouse_id, product_id, on_hand=q) for product_id, q in quantities.items()]
    return run_and_alert(lambda: ledger.post_moves("return", deltas, reference=reference, actor=actor,
                                                   reason=reason))


_SETTLES_A_RESERVATION = {"release": ("ship", "该单据已发货，不能释放预留"), "ship": ("release", "该单据的预留已释放，不能发货")}


def _reserved_under(reference, *, settling):
    """The reserve moves of `reference`, locked so that a release and a ship cannot both settle them."""
    other_kind, message = _SETTLES_A_RESERVATION[settling]
    # One locking read finds both the reservation and whether it was settled the other way.
    moves = list(for_update(StockMove.select().where(StockMove.reference == reference,
                                                     StockMove.kind.in_(("reserve", other_kind)))
                            .order_by(StockMove.id)))
    reserved = [m for m in moves if m.kind == "reserve"]
    if reserved and len(reserved) < len(moves):
        raise Conflict(message, code="reservation_settled")
    return [Delta(m.warehouse_id, m.product_id, reserved=m.reserved_delta) for m in reserved]


def _required_reference(reference):
    if reference is None:
        raise InvalidInput.on("reference", "单据号不能为空且不超过64个字符")
    return ledger.reference_text(reference)


# Cloud stock (云仓): units sold to an agent that stay in the warehouse, held in `reserved` for it

def hold_for_cloud(*, reference, warehouse_id, lines, actor=""):
    """Hold a paid cloud order's units for its buyer (kind `cloud_in`): all lines or none (409 naming the short
    product); once per reference."""
    reference = _required_reference(reference)
    quantities = ledger.product_quantities(lines)
    ledger.require_usable_warehouse(warehouse_id)
    deltas = [Delta(warehouse_id, product_id, reserved=q) for product_id, q in quantities.items()]
    return run_and_alert(lambda: ledger.post_moves("cloud_in", deltas, reference=reference, actor=actor))


def cloud_to_shipment(*, reference, warehouse_id, lines, actor=""):
    """Cloud units become the reservation of a shipment `reference` (提货): a `cloud_out` and a `reserve` move,
    the Stock row unchanged. The caller has taken the units off the agent's cloud stock in this transaction."""
    reference = _required_reference(reference)
    quantities = ledger.product_quantities(lines)
    deltas = [Delta(warehouse_id, product_id, reserved=q) for product_id, q in quantities.items()]
    return ledger.run(lambda: ledger.post_handover(deltas, taken_as="cloud_out", given_as="reserve",
                                                   reference=reference, actor=actor))


def shipment_to_cloud(*, reference, actor=""):
    """A shipment from cloud stock cancelled before it left: its reservation goes back to cloud stock (`release`
    and `cloud_in`); 409 once it has shipped. Returns the deltas given back."""
    reference = _required_reference(reference)

    def work():
        reserved = _reserved_under(reference, settling="release")
        if not reserved:
            return ledger.StockChange("cloud_in", reference)
        return ledger.post_handover(reserved, taken_as="release", given_as="cloud_in", reference=reference,
                                    actor=actor)
    return ledger.run(work)


def release_from_cloud(*, reference, warehouse_id, lines, actor=""):
    """Cloud units refunded to the brand become free stock again (`cloud_out`); once per reference. The caller has
    taken them off the agent's cloud stock in this transaction."""
    reference = _required_reference(reference)
    quantities = ledger.product_quantities(lines)
    deltas = [Delta(warehouse_id, product_id, reserved=-q) for product_id, q in quantities.items()]
    return run_and_alert(lambda: ledger.post_moves("cloud_out", deltas, reference=reference, actor=actor))


CLOUD_KINDS = ("cloud_in", "cloud_out")


def cloud_held():
    """Units held in each Stock row for cloud stock, by its moves: {(warehouse_id, product_id): units}."""
    return {(w, p): int(units) for w, p, units in
            StockMove.select(StockMove.warehouse, StockMove.product, fn.SUM(StockMove.reserved_delta))
            .where(StockMove.kind.in_(CLOUD_KINDS)).group_by(StockMove.warehouse, StockMove.product).tuples()}


def reserved_by_row():
    """The reserved units of every Stock row: {(warehouse_id, product_id): reserved}."""
    return {(w, p): reserved for w, p, reserved in
            Stock.select(Stock.warehouse, Stock.product, Stock.reserved).tuples()}


def choose_warehouse(*, province, lines):
    """The warehouse to ship an order from: one serving `province` with enough of every line, else the one
    with the most available of the ordered products."""
    return _best_warehouse(province, ledger.product_quantities(lines))


@functools.lru_cache(maxsize=64)
def _warehouses_with_stock(count):
    """Every active warehouse, whether it serves a province, and its stock of `count` products: prepared (every
    payment and placement chooses a warehouse)."""
    def build(param):
        serves = fn.EXISTS(WarehouseProvince.select(WarehouseProvince.id).where(
            WarehouseProvince.warehouse == Warehouse.id, WarehouseProvince.province == param))
        return (Warehouse.select(Warehouse, serves.alias("serves"), Stock.product.alias("stocked_product"),
                                 Stock.on_hand.alias("stocked_on_hand"), Stock.reserved.alias("stocked_reserved"))
                .join(Stock, JOIN.LEFT_OUTER, on=((Stock.warehouse == Warehouse.id) & Stock.product.in_([param] * count)))
                .where(Warehouse.active == param)
                .order_by(Warehouse.id).objects())
    return Prepared(build)


def _best_warehouse(province, quantities):
    """The choice of `choose_warehouse`, read in one query: every active warehouse, whether it serves `province`,
    and its stock of the products wanted."""
    rows = _warehouses_with_stock(len(quantities)).rows(province, *quantities, True)
    warehouses, available = {}, {}
    for row in rows:
        warehouses.setdefault(row.id, row)
        if row.stocked_product is not None:
            available[(row.id, row.stocked_product)] = row.stocked_on_hand - row.stocked_reserved
    if not warehouses:
        raise Conflict("没有可用的仓库", code="no_warehouse")

    def total(warehouse):
        return sum(available.get((warehouse.id, p), 0) for p in quantities)

    def enough(warehouse):
        return all(available.get((warehouse.id, p), 0) >= q for p, q in quantities.items())

    serving = [w for w in warehouses.values() if w.serves and enough(w)]
    return max(serving or warehouses.values(), key=lambda w: (total(w), -w.id))


# What can be seen

def available_by_product(product_ids):
    """Units available to order per product, over every active warehouse."""
    rows = (Stock.select(Stock.product, fn.SUM(Stock.on_hand - Stock.reserved).alias("available"))
            .join(Warehouse).where(Warehouse.active, Stock.product.in_(list(product_ids) or [0]))
            .group_by(Stock.product).tuples())
    return {product_id: int(available) for product_id, available in rows}


@dataclass(frozen=True)
class CatalogueEntry:
    """A product as one agent level sees it: its price at that level, the units available, its retail range and
    its photos."""

    product: object           # a product of app.catalog.service
    price_fen: int
    available: int
    retail_min_fen: int | None
    retail_max_fen: int | None
    images: list = field(default_factory=list)


def catalogue_for_level(level_id):
    """The orderable catalogue for agents of `level_id`: their own price, the stock available, the photos."""
    items = catalog.catalogue_for_level(level_id)
    product_ids = [item.product.id for item in items]
    available, images = available_by_product(product_ids), catalog.image_urls(product_ids)
    return [CatalogueEntry(item.product, item.price_fen, available.get(item.product.id, 0), item.retail_min_fen,
                           item.retail_max_fen, images[item.product.id]) for item in items]


def catalogue_item(level_id, product_id):
    """One product of the catalogue for agents of `level_id`, or NotFound (unknown, unreleased or not priced)."""
    entry = next((entry for entry in catalogue_for_level(level_id) if entry.product.id == product_id), None)
    if entry is None:
        raise NotFound("商品不存在", code="product_not_found")
    return entry


def list_stock(*, warehouse_id=None, product_id=None, below_threshold=False, page=1, per_page=50):
    """Stock rows with names, available and effective threshold, filtered and paged."""
    query = alerts.stock_levels().order_by(Stock.warehouse, Stock.product)
    if warehouse_id is not None:
        query = query.where(Stock.warehouse == warehouse_id)
    if product_id is not None:
        query = query.where(Stock.product == product_id)
    if below_threshold:
        query = query.where(alerts.below_threshold())
    return paginate(query.dicts(), page=page, per_page=per_page)


def _moves_query(*, warehouse_id=None, product_id=None, kind=None, reference=None, since=None, until=None):
    if kind is not None and kind not in MOVE_KINDS:
        raise InvalidInput.on("kind", "类型必须是以下之一：" + "、".join(MOVE_KINDS))
    query = (StockMove.select(StockMove, Warehouse.name.alias("warehouse_name")).join(Warehouse)
             .order_by(StockMove.id.desc()))
    filters = [(warehouse_id, StockMove.warehouse == warehouse_id), (product_id, StockMove.product == product_id),
               (kind, StockMove.kind == kind), (reference, StockMove.reference == reference),
               (since, StockMove.created_at >= since), (until, StockMove.created_at < until)]
    for value, condition in filters:
        if value is not None:
            query = query.where(condition)
    return query


def list_moves(*, page=1, per_page=50, **filters):
    """Stock moves, newest first, filtered by warehouse, product, kind, reference and time; paged."""
    moves, total = paginate(_moves_query(**filters).objects(), page=page, per_page=per_page)
    return _with_product_names(moves), total


def export_moves(**filters):
    """Every stock move matching the filters, newest first (at most MAX_EXPORT_ROWS, else InvalidInput)."""
    moves = list(_moves_query(**filters).limit(MAX_EXPORT_ROWS + 1).objects())
    if len(moves) > MAX_EXPORT_ROWS:
        raise InvalidInput.on("since", f"导出超过{MAX_EXPORT_ROWS}行，请缩小时间范围")
    return _with_product_names(moves)


def _with_product_names(moves):
    products = catalog.products_by_id(move.product_id for move in moves)
    for move in moves:
        move.product_name = products[move.product_id].name
    return moves


@dataclass(frozen=True)
class LedgerDifference:
    """A Stock row whose quantities differ from the sum of its moves."""

    warehouse_id: int
    product_id: int
    on_hand: int
    reserved: int
    ledger_on_hand: int
    ledger_reserved: int


def check_ledger():
    """Every (warehouse, product) whose Stock row differs from the sum of its moves (empty when all agree)."""
    sums = {(w, p): (int(on_hand), int(reserved)) for w, p, on_hand, reserved in
            StockMove.select(StockMove.warehouse, StockMove.product, fn.SUM(StockMove.on_hand_delta),
                             fn.SUM(StockMove.reserved_delta))
            .group_by(StockMove.warehouse, StockMove.product).tuples()}
    rows = {(w, p): (on_hand, reserved) for w, p, on_hand, reserved in
            Stock.select(Stock.warehouse, Stock.product, Stock.on_hand, Stock.reserved).tuples()}
    return [LedgerDifference(w, p, *rows.get((w, p), (0, 0)), *sums.get((w, p), (0, 0)))
            for w, p in sorted(sums.keys() | rows.keys()) if rows.get((w, p), (0, 0)) != sums.get((w, p), (0, 0))]
