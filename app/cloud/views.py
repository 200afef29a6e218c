"""What can be seen of cloud stock: holdings by age, moves, 转货 records and their export, and the ledger's check."""
from dataclasses import dataclass
from datetime import timedelta

from peewee import fn

from app.agents import service as agents
from app.catalog import service as catalog
from app.clock import utc_start_of_local_day, utcnow
from app.cloud.models import MOVE_REASONS, CloudMove, CloudStock, CloudTransfer
from app.database import paginate
from app.errors import InvalidInput
from app.inventory import service as inventory

MAX_EXPORT_ROWS = 50_000
DAYS_PER_MONTH = 30

@dataclass(frozen=True)
class Holding:
    """An agent's cloud units of one product in one warehouse, and how long it has held them (囤货)."""

    agent_id: int
    agent_name: str
    product_id: int
    product_name: str
    unit: str
    warehouse_id: int
    warehouse_name: str
    units: int
    held_since: object

    @property
    def held_days(self):
        return max(0, (utcnow() - self.held_since).days) if self.held_since else 0

    @property
    def held_months(self):
        return self.held_days // DAYS_PER_MONTH


def _holdings_query(*, agent_id=None, product_id=None, warehouse_id=None, held_months=None):
    query = CloudStock.select().where(CloudStock.units > 0)
    for column, value in ((CloudStock.agent, agent_id), (CloudStock.product, product_id),
                          (CloudStock.warehouse, warehouse_id)):
        if value is not None:
            query = query.where(column == value)
    if held_months is not None:
        if isinstance(held_months, bool) or not isinstance(held_months, int) or not 0 <= held_months <= 1200:
            raise InvalidInput.on("held_months", "囤货月数须是0到1200之间的整数")
        query = query.where(CloudStock.held_since <= utcnow() - timedelta(days=DAYS_PER_MONTH * held_months))
    return query.order_by(CloudStock.held_since, CloudStock.id)


def _holdings(rows):
    """The rows as Holdings, each name looked up once through its domain's service."""
    agent_names, products, warehouses = {}, {}, {}
    result = []
    for row in rows:
        if row.agent_id not in agent_names:
            agent_names[row.agent_id] = agents.get_agent(row.agent_id).name
        if row.product_id not in products:
            products[row.product_id] = catalog.get_product(row.product_id)
        if row.warehouse_id not in warehouses:
            warehouses[row.warehouse_id] = inventory.get_warehouse(row.warehouse_id).name
        product = products[row.product_id]
        result.append(Holding(row.agent_id, agent_names[row.agent_id], row.product_id, product.name, product.unit,
                              row.warehouse_id, warehouses[row.warehouse_id], row.units, row.held_since))
    return result


def my_cloud_stock(agent):
    """The agent's own cloud stock, oldest holding first."""
    return _holdings(_holdings_query(agent_id=agent.id))


def list_holdings(*, page=1, per_page=50, **filters):
    """Cloud stock per agent, product and warehouse (units > 0), longest held first; paged: (items, total)."""
    rows, total = paginate(_holdings_query(**filters), page=page, per_page=per_page)
    return _holdings(rows), total


def export_holdings(**filters):
    """Every holding matching the filters, longest held first (at most MAX_EXPORT_ROWS, else InvalidInput)."""
    rows = list(_holdings_query(**filters).limit(MAX_EXPORT_ROWS + 1))
    if len(rows) > MAX_EXPORT_ROWS:
        raise InvalidInput.on("held_months", f"导出超过{MAX_EXPORT_ROWS}行，请缩小范围")
    return _holdings(rows)


def list_moves(*, agent_id=None, product_id=None, reason=None, page=1, per_page=50):
    """Cloud moves newest first, filtered by agent, product and reason; paged."""
    if reason is not None and reason not in MOVE_REASONS:
        raise InvalidInput.on("reason", "原因必须是以下之一：" + "、".join(MOVE_REASONS))
    query = CloudMove.select().order_by(CloudMove.id.desc())
    for column, value in ((CloudMove.agent, agent_id), (CloudMove.product, product_id), (CloudMove.reason, reason)):
        if value is not None:
            query = query.where(column == value)
    return paginate(query, page=page, per_page=per_page)


@dataclass(frozen=True)
class CloudDifference:
    """Where cloud stock disagrees: `what` says which rule broke, with the two sides' figures."""

    what: str
    warehouse_id: int
    product_id: int
    agent_id: int | None
    expected: int
    found: int


def check_ledger():
    """Every break of the cloud-stock invariant (empty when all agree):
    - a CloudStock row differs from the sum of its moves (`row`), or is negative (`negative`);
    - a warehouse's cloud units (sum of the rows) differ from what its Stock rows hold for cloud (`warehouse`);
    - a Stock row holds fewer reserved units than its cloud units (`reserved`: order reservations below 0)."""
    sums = {(a, p, w): int(total) for a, p, w, total in
            CloudMove.select(CloudMove.agent, CloudMove.product, CloudMove.warehouse, fn.SUM(CloudMove.delta))
            .group_by(CloudMove.agent, CloudMove.product, CloudMove.warehouse).tuples()}
    rows = {(a, p, w): units for a, p, w, units in
            CloudStock.select(CloudStock.agent, CloudStock.product, CloudStock.warehouse, CloudStock.units).tuples()}
    differences = []
    per_row = {}
    for (a, p, w) in sorted(sums.keys() | rows.keys()):
        found, expected = rows.get((a, p, w), 0), sums.get((a, p, w), 0)
        if found != expected:
            differences.append(CloudDifference("row", w, p, a, expected, found))
        if found < 0:
            differences.append(CloudDifference("negative", w, p, a, 0, found))
        per_row[(w, p)] = per_row.get((w, p), 0) + found
    held, reserved = inventory.cloud_held(), inventory.reserved_by_row()
    for (w, p) in sorted(per_row.keys() | held.keys()):
        if per_row.get((w, p), 0) != held.get((w, p), 0):
            differences.append(CloudDifference("warehouse", w, p, None, held.get((w, p), 0), per_row.get((w, p), 0)))
        if reserved.get((w, p), 0) < held.get((w, p), 0):
            differences.append(CloudDifference("reserved", w, p, None, held.get((w, p), 0), reserved.get((w, p), 0)))
    return differences


# 转货 records

def _transfers_query(*, agent_id=None, product_id=None, date_from=None, date_to=None):
    query = CloudTransfer.select().order_by(CloudTransfer.id.desc())
    if agent_id is not None:
        query = query.where((CloudTransfer.upline == agent_id) | (CloudTransfer.downline == agent_id))
    if product_id is not None:
        query = query.where(CloudTransfer.product == product_id)
    if date_from is not None:
        query = query.where(CloudTransfer.created_at >= utc_start_of_local_day(date_from))
    if date_to is not None:
        query = query.where(CloudTransfer.created_at < utc_start_of_local_day(date_to + timedelta(days=1)))
    return query


def list_transfers(*, page=1, per_page=50, **filters):
    """转货 records, newest first: of one agent (as upline or downline), one product, local days from/to (dates)."""
    return paginate(_transfers_query(**filters), page=page, per_page=per_page)


@dataclass(frozen=True)
class TransferRow:
    """A 转货 as the console lists and exports it: who sold to whom, what, for how much, and whether reversed."""

    transfer: CloudTransfer
    upline_name: str
    downline_name: str
    product_name: str
    unit: str

    @property
    def status(self):
        return "reversed" if self.transfer.reversed_at else "done"

    @property
    def status_name(self):
        return TRANSFER_STATUS_NAMES[self.status]


TRANSFER_STATUS_NAMES = {"done": "已完成", "reversed": "已撤销"}


def transfer_rows(transfers):
    """The transfers as TransferRows, each agent's and product's name looked up once."""
    transfers = list(transfers)
    names = agents.names_of({t.upline_id for t in transfers} | {t.downline_id for t in transfers})
    products = {pid: catalog.get_product(pid) for pid in {t.product_id for t in transfers}}
    return [TransferRow(t, names.get(t.upline_id, ""), names.get(t.downline_id, ""), products[t.product_id].name,
                        products[t.product_id].unit) for t in transfers]


def export_transfers(**filters):
    """Every 转货 matching the filters as TransferRows, newest first (at most MAX_EXPORT_ROWS, else InvalidInput)."""
    rows = list(_transfers_query(**filters).limit(MAX_EXPORT_ROWS + 1))
    if len(rows) > MAX_EXPORT_ROWS:
        raise InvalidInput.on("date_from", f"导出超过{MAX_EXPORT_ROWS}行，请缩小范围")
    return transfer_rows(rows)
