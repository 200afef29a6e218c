"""Stock-takes (盘点): open a count of a warehouse, enter counted quantities, see differences, post them."""
from dataclasses import dataclass

from peewee import JOIN, fn

from app.catalog import service as catalog
from app.clock import utcnow
from app.database import db, for_update, paginate, upsert
from app.errors import Conflict, InvalidInput, NotFound
from app.exports import read_xlsx
from app.inventory import ledger
from app.inventory.ledger import Delta
from app.inventory.models import Stock, StockTake, StockTakeCount, Warehouse
from app.inventory.alerts import run_and_alert

SHEET_HEADERS = ("商品ID", "条码", "商品名称", "规格", "盘点数量")
MAX_SHEET_ROWS = 10_000


def open_stock_take(*, warehouse_id, actor=""):
    """Start counting an active warehouse; one open count per warehouse at a time."""
    ledger.require_usable_warehouse(warehouse_id)
    with db.atomic():
        for_update(Warehouse.select().where(Warehouse.id == warehouse_id)).get()
        if StockTake.select().where(StockTake.warehouse == warehouse_id, StockTake.status == "open").exists():
            raise Conflict("该仓库已有进行中的盘点", code="stock_take_open")
        return StockTake.create(warehouse=warehouse_id, opened_by=actor)


def get_stock_take(stock_take_id):
    """The stock-take with this id, or NotFound."""
    stock_take = StockTake.get_or_none(StockTake.id == stock_take_id)
    if stock_take is None:
        raise NotFound("盘点单不存在", code="stock_take_not_found")
    return stock_take


def _open_stock_take(stock_take_id):
    stock_take = get_stock_take(stock_take_id)
    if stock_take.status != "open":
        raise Conflict("盘点单已过账，不能再修改", code="stock_take_posted")
    return stock_take


def enter_counts(stock_take_id, *, counts):
    """Record counted quantities [{"product_id", "counted"}]; a product counted again keeps the last count."""
    stock_take = _open_stock_take(stock_take_id)
    counted = _checked_counts(counts)
    with db.atomic():
        for product_id, quantity in counted.items():
            upsert(StockTakeCount, {"stock_take": stock_take.id, "product": product_id, "counted": quantity},
                   conflict_fields=[StockTakeCount.stock_take, StockTakeCount.product],
                   update_fields=[StockTakeCount.counted])
    return differences(stock_take.id)


def _checked_counts(counts):
    if not isinstance(counts, (list, tuple)) or not counts:
        raise InvalidInput.on("counts", "至少需要一行盘点数量")
    checked = {}
    for index, line in enumerate(counts):
        product_id, quantity = line.get("product_id"), line.get("counted")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= ledger.MAX_QUANTITY:
            raise InvalidInput.on(f"counts.{index}.counted", "盘点数量必须是不小于0的整数")
        catalog.get_product(product_id)
        checked[product_id] = quantity
    return checked


def upload_counts(stock_take_id, *, content):
    """Record counts from an .xlsx sheet whose columns are 商品ID (or 条码) and 盘点数量."""
    stock_take = _open_stock_take(stock_take_id)
    return enter_counts(stock_take.id, counts=_read_sheet(content))


def _read_sheet(content):
    rows = read_xlsx(content, max_rows=MAX_SHEET_ROWS)
    if not rows or len(rows) > MAX_SHEET_ROWS:
        raise InvalidInput.on("file", f"表格须有表头且不超过{MAX_SHEET_ROWS}行")
    header = [str(cell).strip() if cell is not None else "" for cell in rows[0]]
    if "盘点数量" not in header or not {"商品ID", "条码"} & set(header):
        raise InvalidInput.on("file", "表头须包含「商品ID」或「条码」以及「盘点数量」")
    columns = {name: header.index(name) for name in SHEET_HEADERS if name in header}
    counts = []
    for number, row in enumerate(rows[1:], start=2):
        cells = {name: row[i] if i < len(row) else None for name, i in columns.items()}
        if all(value in (None, "") for value in cells.values()):
            continue
        counts.append({"product_id": _sheet_product(cells, number), "counted": _sheet_quantity(cells, number)})
    if not counts:
        raise InvalidInput.on("file", "表格里没有盘点数量")
    return counts


def _sheet_product(cells, number):
    product_id, gtin = cells.get("商品ID"), cells.get("条码")
    if isinstance(product_id, (int, float)) and product_id == int(product_id):
        return int(product_id)
    if gtin not in (None, ""):
        product = catalog.product_with_gtin(gtin)
        if product is not None:
            return product.id
    raise InvalidInput.on("file", f"第{number}行：找不到该商品")


def _sheet_quantity(cells, number):
    quantity = cells.get("盘点数量")
    if isinstance(quantity, (int, float)) and not isinstance(quantity, bool) and quantity == int(quantity) >= 0:
        return int(quantity)
    raise InvalidInput.on("file", f"第{number}行：盘点数量必须是不小于0的整数")


@dataclass(frozen=True)
class CountDifference:
    """One counted product: what the system holds, what was counted, and counted minus on-hand."""

    product_id: int
    product_name: str
    on_hand: int
    reserved: int
    counted: int

    @property
    def difference(self):
        return self.counted - self.on_hand


def differences(stock_take_id):
    """Each counted product of the stock-take against the warehouse's on-hand: now while open, as posted after."""
    stock_take = get_stock_take(stock_take_id)
    same_row = (Stock.product == StockTakeCount.product) & (Stock.warehouse == stock_take.warehouse_id)
    rows = list(StockTakeCount.select(StockTakeCount.product, fn.COALESCE(StockTakeCount.expected, Stock.on_hand, 0),
                                      fn.COALESCE(StockTakeCount.reserved, Stock.reserved, 0), StockTakeCount.counted)
                .join(Stock, on=same_row, join_type=JOIN.LEFT_OUTER)
                .where(StockTakeCount.stock_take == stock_take.id)
                .order_by(StockTakeCount.product).tuples())
    products = catalog.products_by_id(row[0] for row in rows)
    return [CountDifference(product_id, products[product_id].name, on_hand, reserved, counted)
            for product_id, on_hand, reserved, counted in rows]


def post_stock_take(stock_take_id, *, reason, actor=""):
    """Make on-hand equal the counts, one stocktake move per difference; posting twice changes nothing."""
    if not (reason or "").strip():
        raise InvalidInput.on("reason", "请填写盘点差异原因")
    stock_take = get_stock_take(stock_take_id)
    reference = f"stocktake:{stock_take.id}"

    def work():
        if not StockTake.update(status="posted", posted_at=utcnow(), reason=reason.strip()[:255]).where(
                StockTake.id == stock_take.id, StockTake.status == "open").execute():
            raise ledger.RepeatedChange("stocktake", reference)
        _lock_counted_rows(stock_take)
        deltas = []
        for line in differences(stock_take.id):
            if line.counted < line.reserved:
                raise Conflict(f"「{line.product_name}」盘点数量 {line.counted} 少于已预留的 {line.reserved}，"
                               "请先处理预留的订单", code="count_below_reserved")
            (StockTakeCount.update(expected=line.on_hand, reserved=line.reserved)
             .where(StockTakeCount.stock_take == stock_take.id, StockTakeCount.product == line.product_id).execute())
            if line.difference:
                deltas.append(Delta(stock_take.warehouse_id, line.product_id, on_hand=line.difference))
        if not deltas:
            return ledger.StockChange("stocktake", reference)
        return ledger.post_moves("stocktake", deltas, reference=reference, actor=actor, reason=reason.strip())

    run_and_alert(work)
    return get_stock_take(stock_take.id)


def _lock_counted_rows(stock_take):
    counted = StockTakeCount.select(StockTakeCount.product).where(StockTakeCount.stock_take == stock_take.id)
    list(for_update(Stock.select(Stock.id).where(Stock.warehouse == stock_take.warehouse_id,
                                                 Stock.product.in_(counted)).order_by(Stock.product)))


def count_sheet(stock_take_id):
    """The rows of a blank count sheet: every product with stock in the warehouse (SHEET_HEADERS)."""
    stock_take = get_stock_take(stock_take_id)
    stocked = Stock.select(Stock.product).where(Stock.warehouse == stock_take.warehouse_id)
    products = catalog.products_by_id(row.product_id for row in stocked)
    return [(p.id, p.gtin or "", p.name, p.spec, None) for _, p in sorted(products.items())]


def list_stock_takes(*, status=None, page=1, per_page=50):
    """Stock-takes, newest first, optionally only open or posted ones: (items with .warehouse, total)."""
    query = StockTake.select(StockTake, Warehouse).join(Warehouse).order_by(StockTake.id.desc())
    if status:
        query = query.where(StockTake.status == status)
    return paginate(query, page=page, per_page=per_page)
