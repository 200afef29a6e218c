"""Cloud stock (云仓) use cases: buying into it, 转货 from an upline, 提货 (pickups), the views and the check.

An agent's cloud units are a ledger: every change is a CloudMove (reason,
reference) written with the change of its CloudStock row in one transaction. A
decrement is one guarded UPDATE (`units >= n`), the row's CHECK backs it up, so
units never go negative under any concurrency. In the warehouse the same units
sit in the Stock row's `reserved` (inventory's `cloud_in` / `cloud_out` moves):

    on-hand = free stock + every agent's cloud units + order reservations

`check_ledger` verifies it (`flask stock check`).
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from peewee import IntegrityError, fn

from app.agents import service as agents
from app.catalog import service as catalog
from app.clock import utc_start_of_local_day, utcnow
from app.cloud.models import MOVE_REASONS, CloudMove, CloudStock, CloudTransfer, Pickup, PickupLine
from app.codes import service as codes
from app.database import atomic_with_retry, db, for_update, is_mysql, paginate, portable_sql
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.finance import service as finance
from app.inventory import service as inventory
from app.inventory.schemas import StockLine
from app.money import format_yuan
from app.notify.service import enqueue, recipient_agent

MAX_QUANTITY = 9999
MAX_LINES = 50
MAX_EXPORT_ROWS = 50_000
DAYS_PER_MONTH = 30

# The hot path is plain SQL, as inventory's: a 转货 is a handful of statements, and the guarded UPDATE of the
# upline's row runs last, just before COMMIT, so that row is locked as briefly as possible.
INSERT_MOVES = ("INSERT INTO cloud_move (agent_id, product_id, warehouse_id, delta, reason, reference, actor, "
                "created_at) VALUES ")
MOVE_VALUES = "(?, ?, ?, ?, ?, ?, ?, ?)"
TAKE = ("UPDATE cloud_stock SET held_since = CASE WHEN units = ? THEN NULL ELSE held_since END, "
        "units = units - ?, updated_at = ? "
        "WHERE agent_id = ? AND product_id = ? AND warehouse_id = ? AND units >= ?")
GIVE_SQLITE = ("INSERT INTO cloud_stock (agent_id, product_id, warehouse_id, units, held_since, updated_at) "
               "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (agent_id, product_id, warehouse_id) DO UPDATE SET "
               "held_since = CASE WHEN units = 0 THEN excluded.held_since ELSE held_since END, "
               "units = units + excluded.units, updated_at = excluded.updated_at")
GIVE_MYSQL = ("INSERT INTO cloud_stock (agent_id, product_id, warehouse_id, units, held_since, updated_at) "
              "VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
              "held_since = CASE WHEN units = 0 THEN VALUES(held_since) ELSE held_since END, "
              "units = units + VALUES(units), updated_at = VALUES(updated_at)")


_sql = portable_sql


@dataclass(frozen=True)
class Change:
    """One change of one agent's cloud units."""

    agent_id: int
    product_id: int
    warehouse_id: int
    delta: int


def _post(changes, *, reason_in, reason_out, reference, actor, now, before_rows=None):
    """Write the moves, then (after `before_rows()`, when given) the credits, then the debits (guarded, last);
    Conflict when a debit lacks units.

    Runs inside the caller's transaction; each reason/reference happens once per row (unique key)."""
    rows = [(c.agent_id, c.product_id, c.warehouse_id, c.delta, reason_in if c.delta > 0 else reason_out,
             reference, actor[:48], now) for c in changes]
    db.execute_sql(_sql(INSERT_MOVES + ", ".join([MOVE_VALUES] * len(rows))), [v for row in rows for v in row])
    if before_rows is not None:
        before_rows()
    give = _sql(GIVE_MYSQL if is_mysql() else GIVE_SQLITE)
    for c in sorted((c for c in changes if c.delta > 0), key=lambda c: (c.product_id, c.warehouse_id, c.agent_id)):
        db.execute_sql(give, (c.agent_id, c.product_id, c.warehouse_id, c.delta, now, now))
    debits = sorted((c for c in changes if c.delta < 0), key=lambda c: (c.product_id, c.warehouse_id, c.agent_id))
    for index, c in enumerate(debits):
        units = -c.delta
        if db.execute_sql(_sql(TAKE), (units, units, now, c.agent_id, c.product_id, c.warehouse_id,
                                       units)).rowcount != 1:
            held = [(d.product_id, _units(d.agent_id, d.product_id, d.warehouse_id), -d.delta) for d in debits[index:]]
            raise _short([held[0], *(h for h in held[1:] if h[1] < h[2])])


def _short(shortfalls):
    """409 naming every product short: [(product_id, units held, units needed), …]."""
    parts = []
    for product_id, held, needed in shortfalls:
        product = catalog.get_product(product_id)
        unit = product.unit
        missing = f"（缺 {needed - held}{unit}）" if needed > held else ""
        parts.append(f"「{product.name}」可用 {held}{unit}，需要 {needed}{unit}{missing}")
    return Conflict("云仓库存不足：" + "；".join(parts), code="insufficient_cloud_stock")


def _units(agent_id, product_id, warehouse_id=None):
    query = CloudStock.select(fn.COALESCE(fn.SUM(CloudStock.units), 0)).where(
        CloudStock.agent == agent_id, CloudStock.product == product_id)
    if warehouse_id is not None:
        query = query.where(CloudStock.warehouse == warehouse_id)
    return int(query.scalar() or 0)


def _quantity(value, field):
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        raise InvalidInput.on(field, f"数量须是1到{MAX_QUANTITY}之间的整数")
    return value


def _key(idempotency_key):
    key = (idempotency_key or "").strip() if isinstance(idempotency_key, str) else ""
    if not key or len(key) > 64:
        raise InvalidInput.on("idempotency_key", "请提供1到64个字符的幂等键")
    return key


def _hash(body):
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def _once(work, earlier):
    """Run `work` in its transaction: (its result, None); when a concurrent retry with the same idempotency key
    committed first (the unique key refused ours), (None, what `earlier()` finds)."""
    try:
        return atomic_with_retry(work), None
    except IntegrityError:
        found = earlier()
        if found is None:
            raise
        return None, found


# Buying into cloud stock (the orders domain calls this when a cloud order is paid)

def add_purchase(*, agent_id, warehouse_id, lines, reference, actor="system"):
    """Credit a paid cloud order's units (`lines`: inventory's StockLines) to its buyer's cloud stock. Runs inside
    the caller's transaction, after inventory held the same units (`cloud_in`)."""
    changes = [Change(agent_id, line.product_id, warehouse_id, line.quantity) for line in lines]
    _post(changes, reason_in="purchase", reason_out="purchase", reference=reference, actor=actor, now=utcnow())


def take_back_refunded(*, agent_id, warehouse_id, lines, reference, actor="system"):
    """A refund of a stored cloud order: its units leave the buyer's cloud stock (guarded: 409
    cloud_units_moved when it no longer holds them, transferred or picked up) and are free stock again. Runs inside
    the caller's transaction."""
    try:
        _post([Change(agent_id, line.product_id, warehouse_id, -line.quantity) for line in lines],
              reason_in="refund", reason_out="refund", reference=reference, actor=actor, now=utcnow())
    except Conflict as exc:
        raise Conflict(f"{exc.message}：云仓中的货已转出或提货，无法按此数量退款", code="cloud_units_moved") from exc
    inventory.release_from_cloud(reference=reference, warehouse_id=warehouse_id, lines=lines, actor=actor)


# 转货: a downline buys from its upline's cloud stock

@dataclass(frozen=True)
class TransferResult:
    """A 转货 done (or found again by its idempotency key: `repeated`)."""

    transfer: CloudTransfer
    product_name: str
    repeated: bool


def transfer_from_upline(*, downline, product_id, quantity, idempotency_key, warehouse_id=None, actor=None):
    """The downline buys `quantity` units of a product from its direct upline's cloud stock, at its own level's
    price: the units move from the upline's cloud stock to the downline's in one transaction.

    The money moves in the same unit of work: the downline's goods balance (货款) is debited, the upline's credited
    (409 insufficient_goods_balance when short). The units come from the upline's warehouse holding the most of
    them (or `warehouse_id`). Not enough there: 409 insufficient_cloud_stock and nothing moves. A retry with the
    same key finds the first 转货 (even when the upline has no units left since); the same key with another body
    is 409. Commission is not paid on units that move inside the network (it was paid when they were first bought)
    unless the rules in force say so (`cloud_transfers`).
    """
    key = _key(idempotency_key)
    quantity = _quantity(quantity, "quantity")
    if isinstance(product_id, bool) or not isinstance(product_id, int) or product_id <= 0:
        raise InvalidInput.on("product_id", "商品编号无效")
    actor = (actor or f"agent:{downline.id}")[:48]
    request_hash = _hash({"product": product_id, "quantity": quantity, "warehouse": warehouse_id})
    try:
        upline, product, price, source = _transfer_terms(downline, product_id, warehouse_id)
    except (Conflict, Forbidden, NotFound):
        # A retry of a 转货 that went through answers it, whatever changed since (the upline may hold no more).
        earlier = _earlier_transfer(downline.id, key, request_hash)
        if earlier is None:
            raise
        return earlier
    rules_pay = finance.commission_on_cloud_transfers()
    amount = price * quantity

    def work():
        # The 转货's own row first: its unique key (downline, idempotency key) stops a retry at once. The hot rows,
        # the upline's goods balance and its cloud row, come last, each one UPDATE: the downline pays (guarded)
        # and the upline is credited, then the downline's cloud row is credited and the upline's, guarded, is the
        # last statement before COMMIT. The downline's row is credited only once the upline's balance is locked:
        # upserted earlier, concurrent downlines' new rows took gap locks that deadlocked against each other on
        # MariaDB (bench/cloud.py).
        now = utcnow()
        transfer_id = db.execute_sql(_sql(INSERT_TRANSFER), (
            upline.id, downline.id, product_id, source, quantity, price, amount, key, request_hash, actor,
            now)).lastrowid
        enqueue(kind="cloud_transfer_sold", recipient=recipient_agent(upline.id),
                data={"transfer_id": transfer_id, "downline": downline.name, "product": product.name,
                      "quantity": quantity, "amount": format_yuan(amount)},
                dedupe_key=f"cloud_transfer:{transfer_id}:sold")
        reference = f"transfer:{transfer_id}"
        commission = 0
        if rules_pay:   # the brand's rules pay commission on 转货 too (off by default: paid once, on purchase)
            commission = finance.settle_cloud_transfer(transfer_id=transfer_id, transfer_no=f"转货{transfer_id}",
                                                       buyer_agent_id=downline.id, paid_at=now, product_id=product_id,
                                                       quantity=quantity, unit_price_fen=price)
            if commission:
                CloudTransfer.update(commission_fen=commission).where(CloudTransfer.id == transfer_id).execute()
        _post([Change(downline.id, product_id, source, quantity), Change(upline.id, product_id, source, -quantity)],
              reason_in="transfer_in", reason_out="transfer_out", reference=reference, actor=actor, now=now,
              before_rows=lambda: finance.pay_goods(payer_id=downline.id, payee_id=upline.id, amount_fen=amount,
                                                    reason="transfer", reference=reference, actor=actor))
        return CloudTransfer(id=transfer_id, upline=upline.id, downline=downline.id, product=product_id,
                             warehouse=source, quantity=quantity, unit_price_fen=price, amount_fen=amount,
                             idempotency_key=key, request_hash=request_hash, actor=actor, created_at=now,
                             commission_fen=commission)
    transfer, earlier = _once(work, lambda: _earlier_transfer(downline.id, key, request_hash))
    return earlier or TransferResult(transfer, product.name, repeated=False)


def _transfer_terms(downline, product_id, warehouse_id):
    """(upline, product, the downline's unit price, the warehouse the units come from) of a 转货, or why not."""
    agents.ensure_may_order(downline)
    if downline.upline_id is None:
        raise Conflict("您没有上级，请向品牌方进货", code="no_upline")
    upline = agents.get_agent(downline.upline_id)
    try:
        agents.ensure_upline_powers(upline)
    except Forbidden as exc:
        raise Conflict("上级当前不能出货（已暂停或已过期），请向品牌方进货", code="upline_unavailable") from exc
    product, price = catalog.order_prices(product_ids=[product_id], level_id=downline.level_id,
                                          agent_asking=True)[product_id]
    source = warehouse_id if warehouse_id is not None else _fullest_warehouse(upline.id, product_id)
    if source is None:
        raise Conflict(f"上级云仓没有「{product.name}」", code="insufficient_cloud_stock")
    return upline, product, price, source


# Read or written on every 转货: plain SQL, as building them with peewee cost more than running them.
EARLIER_TRANSFER = "SELECT id, request_hash FROM cloud_transfer WHERE downline_id = ? AND idempotency_key = ?"
FULLEST_WAREHOUSE = ("SELECT warehouse_id FROM cloud_stock WHERE agent_id = ? AND product_id = ? AND units > 0 "
                     "ORDER BY units DESC, warehouse_id LIMIT 1")
INSERT_TRANSFER = ("INSERT INTO cloud_transfer (upline_id, downline_id, product_id, warehouse_id, quantity, "
                   "unit_price_fen, amount_fen, idempotency_key, request_hash, actor, created_at, reversed_by, "
                   "reversal_reason, commission_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', 0)")


def _earlier_transfer(downline_id, key, request_hash):
    row = db.execute_sql(_sql(EARLIER_TRANSFER), (downline_id, key)).fetchone()
    if row is None:
        return None
    if row[1] != request_hash:
        raise Conflict("该幂等键已用于另一笔不同内容的转货", code="idempotency_key_reused")
    transfer = CloudTransfer.get_by_id(row[0])
    return TransferResult(transfer, catalog.get_product(transfer.product_id).name, repeated=True)


def _fullest_warehouse(agent_id, product_id):
    row = db.execute_sql(_sql(FULLEST_WAREHOUSE), (agent_id, product_id)).fetchone()
    return row[0] if row is not None else None


@dataclass(frozen=True)
class UplineOffer:
    """A product the downline may buy from its upline's cloud stock: its own price and the units there."""

    product_id: int
    product_name: str
    unit: str
    price_fen: int
    available: int


def upline_offers(downline):
    """What the downline can 转货 from its direct upline now: products of its catalogue the upline holds in cloud
    stock, at the downline's price (empty without an upline)."""
    if downline.upline_id is None:
        return []
    held = dict(CloudStock.select(CloudStock.product, fn.SUM(CloudStock.units))
                .where(CloudStock.agent == downline.upline_id, CloudStock.units > 0)
                .group_by(CloudStock.product).tuples())
    return [UplineOffer(item.product.id, item.product.name, item.product.unit, item.price_fen,
                        int(held[item.product.id]))
            for item in catalog.catalogue_for_level(downline.level_id) if held.get(item.product.id)]


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


REVERSE_TRANSFER = ("UPDATE cloud_transfer SET reversed_at = ?, reversed_by = ?, reversal_reason = ? "
                    "WHERE id = ? AND reversed_at IS NULL")


def reverse_transfer(transfer_id, *, actor, reason):
    """The brand undoes a 转货, once, with a reason: its units go back from the downline's cloud stock to the
    upline's, its money from the upline's goods balance to the downline's; moves (`reversal`) and goods entries
    (`reversal`, the reason in their memo) record it under the 转货's reference. Refused (409, nothing moves) when
    the downline no longer holds the units (`transfer_units_moved`), the upline's balance cannot cover the money
    (`insufficient_goods_balance`), it was reversed before (`transfer_already_reversed`) or the rules paid
    commission on it (`transfer_commission_paid`: commission is finance's to take back, by hand)."""
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > 255:
        raise InvalidInput.on("reason", "请填写撤销原因（不超过255个字符）")
    actor = str(actor)[:48]

    def work():
        transfer = CloudTransfer.get_or_none(CloudTransfer.id == transfer_id) if isinstance(transfer_id, int) \
            else None
        if transfer is None:
            raise NotFound("转货记录不存在", code="transfer_not_found")
        if transfer.commission_fen:
            raise Conflict("该转货已按规则发放佣金，不能撤销", code="transfer_commission_paid")
        now = utcnow()
        # The guard on reversed_at makes it once only, however many ask at once (the row stays locked to COMMIT).
        if not db.execute_sql(_sql(REVERSE_TRANSFER), (now, actor, reason, transfer.id)).rowcount:
            raise Conflict("该转货已撤销", code="transfer_already_reversed")
        reference = f"transfer:{transfer.id}"
        try:
            _post([Change(transfer.upline_id, transfer.product_id, transfer.warehouse_id, transfer.quantity),
                   Change(transfer.downline_id, transfer.product_id, transfer.warehouse_id, -transfer.quantity)],
                  reason_in="reversal", reason_out="reversal", reference=reference, actor=actor, now=now,
                  before_rows=lambda: finance.pay_goods(payer_id=transfer.upline_id, payee_id=transfer.downline_id,
                                                        amount_fen=transfer.amount_fen, reason="reversal",
                                                        reference=reference, actor=actor,
                                                        memo=f"转货撤销：{reason}"))
        except Conflict as exc:
            if exc.code != "insufficient_cloud_stock":
                raise Conflict(f"上级{exc.message}，无法撤销该转货", code=exc.code) from exc
            raise Conflict(f"{exc.message}：下级已转出或提货，无法撤销该转货", code="transfer_units_moved") from exc
        return transfer.id
    return CloudTransfer.get_by_id(atomic_with_retry(work))


# 提货: cloud units picked and shipped to the agent or a customer

PICKUP_STATE_NAMES = {"waiting": "待配货", "picking": "配货中", "shipped": "已发货", "cancelled": "已取消"}


def pickup_reference(pickup_id):
    """The inventory reference of a pickup's reservation and shipment."""
    return f"pickup:{pickup_id}"


def shipment_id(pickup_id):
    """The shipment number a pickup's codes are bound to: minus its id (orders use their own, positive, ids)."""
    return -pickup_id


def _pickup_items(items):
    if not isinstance(items, (list, tuple)) or not items:
        raise InvalidInput.on("items", "请至少选择一件商品")
    merged = {}
    for index, item in enumerate(items):
        product_id = item.get("product_id") if isinstance(item, dict) else None
        if isinstance(product_id, bool) or not isinstance(product_id, int) or product_id <= 0:
            raise InvalidInput.on(f"items.{index}.product_id", "商品编号无效")
        merged[product_id] = merged.get(product_id, 0) + _quantity(item.get("quantity"), f"items.{index}.quantity")
        _quantity(merged[product_id], f"items.{index}.quantity")
    if len(merged) > MAX_LINES:
        raise InvalidInput.on("items", f"一次最多提{MAX_LINES}种商品")
    return dict(sorted(merged.items()))


def _pickup_warehouse(agent_id, quantities, warehouse_id):
    """The warehouse to pick from: the one given, else one holding enough of every product for the agent."""
    if warehouse_id is not None:
        return warehouse_id
    held = {}
    for w, p, units in (CloudStock.select(CloudStock.warehouse, CloudStock.product, CloudStock.units)
                        .where(CloudStock.agent == agent_id, CloudStock.product.in_(list(quantities))).tuples()):
        held.setdefault(w, {})[p] = units
    enough = [w for w, units in held.items() if all(units.get(p, 0) >= q for p, q in quantities.items())]
    if enough:
        return min(enough, key=lambda w: (-sum(held[w].values()), w))
    short = [(p, _units(agent_id, p), q) for p, q in quantities.items() if sum(h.get(p, 0) for h in held.values()) < q]
    if short:
        raise _short(short)
    raise Conflict("所选商品分存在不同仓库，请分开提货", code="split_warehouses")


def _goods_value(agent, quantities):
    """The units' worth at the agent's level price (for the templates' free-shipping threshold)."""
    total = 0
    for product_id, quantity in quantities.items():
        try:
            total += catalog.price_for(product_id=product_id, level_id=agent.level_id) * quantity
        except (Conflict, NotFound):
            pass
    return total


def request_pickup(*, agent, idempotency_key, items, consignee=None, remark="", warehouse_id=None, actor=None):
    """提货: the agent has some of its cloud units shipped to itself or a customer (consignee fields missing are
    its own). The units leave its cloud stock at once and wait, reserved, to be picked; shipping, by the shipping
    templates, is paid from its goods balance (货款) in the same transaction. Not enough cloud units or money: 409
    and nothing moves. Returns (pickup, repeated)."""
    key = _key(idempotency_key)
    quantities = _pickup_items(items)
    remark = (remark or "").strip() if isinstance(remark, str) else ""
    if len(remark) > 255:
        raise InvalidInput.on("remark", "备注不超过255个字符")
    from app.orders import service as orders  # on use: the orders domain imports this face (云仓 orders, refunds)
    to = orders.checked_consignee(consignee, agent=agent)
    request_hash = _hash({"items": sorted(quantities.items()), "consignee": to.__dict__, "remark": remark,
                          "warehouse": warehouse_id})
    earlier = _earlier_pickup(agent.id, key, request_hash)
    if earlier is not None:
        return earlier, True
    products = {pid: catalog.get_product(pid) for pid in quantities}
    source = _pickup_warehouse(agent.id, quantities, warehouse_id)
    units = sum(quantities.values())
    shipping = orders.shipping_fen_for(province=to.province, units=units, goods_fen=_goods_value(agent, quantities))
    actor = actor or f"agent:{agent.id}"
    own = (to.name, to.phone) == (agent.name, agent.phone)

    def work():
        now = utcnow()
        pickup = Pickup.create(agent=agent.id, warehouse=source, idempotency_key=key, request_hash=request_hash,
                               consignee_name=to.name, consignee_phone=to.phone, province=to.province, city=to.city,
                               district=to.district, address=to.address, dropship=not own, remark=remark,
                               units=units, shipping_fen=shipping, actor=actor[:48], created_at=now)
        PickupLine.insert_many([{"pickup": pickup.id, "product": pid, "product_name": products[pid].name,
                                 "quantity": q} for pid, q in quantities.items()]).execute()
        reference = pickup_reference(pickup.id)
        if shipping:
            finance.debit_goods(agent_id=agent.id, amount_fen=shipping, reason="order", reference=reference,
                                actor=actor, memo="提货运费")
        inventory.cloud_to_shipment(reference=reference, warehouse_id=source, actor=actor,
                                    lines=[StockLine(p, q) for p, q in quantities.items()])
        _post([Change(agent.id, p, source, -q) for p, q in quantities.items()], reason_in="pickup_cancel",
              reason_out="pickup", reference=reference, actor=actor, now=now)
        return pickup
    pickup, earlier = _once(work, lambda: _earlier_pickup(agent.id, key, request_hash))
    return (earlier, True) if earlier else (get_pickup(pickup.id), False)


def _earlier_pickup(agent_id, key, request_hash):
    pickup = Pickup.get_or_none(Pickup.agent == agent_id, Pickup.idempotency_key == key)
    if pickup is None:
        return None
    if pickup.request_hash != request_hash:
        raise Conflict("该幂等键已用于另一张不同内容的提货单", code="idempotency_key_reused")
    return get_pickup(pickup.id)


def get_pickup(pickup_id, *, agent=None):
    """The pickup with its `.line_list` (an agent's own only), or NotFound."""
    query = Pickup.select().where(Pickup.id == pickup_id)
    if agent is not None:
        query = query.where(Pickup.agent == agent.id)
    pickup = query.first() if isinstance(pickup_id, int) else None
    if pickup is None:
        raise NotFound("提货单不存在", code="pickup_not_found")
    pickup.line_list = list(pickup.lines.order_by(PickupLine.id))
    return pickup


def list_pickups(*, agent_id=None, status=None, page=1, per_page=50):
    """Pickups newest first, of one agent and/or in one status."""
    if status is not None and status not in PICKUP_STATE_NAMES:
        raise InvalidInput.on("status", "状态必须是以下之一：" + "、".join(PICKUP_STATE_NAMES))
    query = Pickup.select().order_by(Pickup.id.desc())
    if agent_id is not None:
        query = query.where(Pickup.agent == agent_id)
    if status is not None:
        query = query.where(Pickup.status == status)
    return paginate(query, page=page, per_page=per_page)


def _locked_pickup(pickup_id, agent=None):
    query = Pickup.select().where(Pickup.id == pickup_id)
    if agent is not None:
        query = query.where(Pickup.agent == agent.id)
    pickup = for_update(query).first()
    if pickup is None:
        raise NotFound("提货单不存在", code="pickup_not_found")
    return pickup


def _refuse(pickup, allowed, action):
    if pickup.status not in allowed:
        raise Conflict(f"提货单{PICKUP_STATE_NAMES[pickup.status]}，不能{action}", code="illegal_transition")


def pick_pickup(pickup_id, *, actor):
    """The warehouse starts picking (配货) a waiting pickup."""
    def work():
        pickup = _locked_pickup(pickup_id)
        _refuse(pickup, ("waiting",), "配货")
        Pickup.update(status="picking", picked_at=utcnow()).where(Pickup.id == pickup.id).execute()
    atomic_with_retry(work)
    return get_pickup(pickup_id)


def ship_pickup(pickup_id, *, actor, carrier, tracking_no, codes_scanned=()):
    """Ship a picked pickup with carrier and tracking number: the units leave the warehouse; codes scanned at
    packing are bound to it, its agent and region (so 窜货 and scans work as for an order), all or nothing."""
    carrier = (carrier or "").strip() if isinstance(carrier, str) else ""
    tracking_no = (tracking_no or "").strip() if isinstance(tracking_no, str) else ""
    if not carrier or len(carrier) > 32:
        raise InvalidInput.on("carrier", "请填写快递公司（不超过32个字符）")
    if not tracking_no or len(tracking_no) > 64:
        raise InvalidInput.on("tracking_no", "请填写快递单号（不超过64个字符）")

    def work():
        pickup = _locked_pickup(pickup_id)
        _refuse(pickup, ("picking",), "发货")
        inventory.ship(reference=pickup_reference(pickup.id), province=pickup.province, actor=actor)
        if codes_scanned:
            expected = dict(PickupLine.select(PickupLine.product, PickupLine.quantity)
                            .where(PickupLine.pickup == pickup.id).tuples())
            codes.bind_codes_for_shipment(order_id=shipment_id(pickup.id), agent_id=pickup.agent_id,
                                          province=pickup.province, dropship=pickup.dropship, expected=expected,
                                          codes=list(codes_scanned), actor=actor)
        Pickup.update(status="shipped", carrier=carrier, tracking_no=tracking_no, shipped_at=utcnow()).where(
            Pickup.id == pickup.id).execute()
        enqueue(kind="pickup_shipped", recipient=recipient_agent(pickup.agent_id),
                data={"pickup_id": pickup.id, "carrier": carrier, "tracking_no": tracking_no},
                dedupe_key=f"pickup:{pickup.id}:shipped")
    atomic_with_retry(work)
    return get_pickup(pickup_id)


def cancel_pickup(pickup_id, *, actor, agent=None):
    """Cancel a pickup not yet shipped (an agent: its own, only while waiting): its units go back to its cloud
    stock, its shipping to its goods balance."""
    def work():
        pickup = _locked_pickup(pickup_id, agent)
        _refuse(pickup, ("waiting",) if agent is not None else ("waiting", "picking"), "取消")
        reference = pickup_reference(pickup.id)
        inventory.shipment_to_cloud(reference=reference, actor=actor)
        lines = PickupLine.select().where(PickupLine.pickup == pickup.id)
        _post([Change(pickup.agent_id, line.product_id, pickup.warehouse_id, line.quantity) for line in lines],
              reason_in="pickup_cancel", reason_out="pickup", reference=reference, actor=actor, now=utcnow())
        if pickup.shipping_fen:
            finance.credit_goods(agent_id=pickup.agent_id, amount_fen=pickup.shipping_fen, reason="refund",
                                 reference=reference, actor=actor, memo="提货取消，退还运费")
        Pickup.update(status="cancelled", closed_at=utcnow()).where(Pickup.id == pickup.id).execute()
    atomic_with_retry(work)
    return get_pickup(pickup_id)


def picked_up_to_self(agent_id):
    """{product id: (name, units)} the agent had shipped from its cloud stock to itself (not to a customer): goods
    now in its own hands (a pickup has no sign-for step, so shipped counts as received)."""
    rows = (PickupLine.select(PickupLine.product, fn.MAX(PickupLine.product_name), fn.SUM(PickupLine.quantity))
            .join(Pickup).where(Pickup.agent == agent_id, Pickup.status == "shipped", Pickup.dropship == False)  # noqa: E712
            .group_by(PickupLine.product).tuples())
    return {product_id: (name, int(units)) for product_id, name, units in rows}


# What can be seen

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
