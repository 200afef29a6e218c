"""转货: a downline buys from its direct upline's cloud stock (units and money move together), what it may buy, and
the brand's reversal of a 转货."""
from dataclasses import dataclass

from peewee import fn

from app.agents import service as agents
from app.catalog import service as catalog
from app.clock import utcnow
from app.cloud.ledger import Change, body_hash, checked_key, checked_quantity, once, post, sql
from app.cloud.models import CloudStock, CloudTransfer
from app.database import atomic_with_retry, db
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.finance import service as finance
from app.money import format_yuan
from app.notify.service import enqueue, recipient_agent

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
    key = checked_key(idempotency_key)
    quantity = checked_quantity(quantity, "quantity")
    if isinstance(product_id, bool) or not isinstance(product_id, int) or product_id <= 0:
        raise InvalidInput.on("product_id", "商品编号无效")
    actor = (actor or f"agent:{downline.id}")[:48]
    request_hash = body_hash({"product": product_id, "quantity": quantity, "warehouse": warehouse_id})
    try:
        upline_id, product, price, source = _transfer_terms(downline, product_id, warehouse_id)
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
        # MariaDB (bench/cloud.py); credited earlier by its id, a middle agent buying and selling at once took its
        # own two rows in opposite orders and deadlocked (money rows first, always: app/cloud/ledger.py).
        now = utcnow()
        transfer_id = db.execute_sql(sql(INSERT_TRANSFER), (
            upline_id, downline.id, product_id, source, quantity, price, amount, key, request_hash, actor,
            now)).lastrowid
        enqueue(kind="cloud_transfer_sold", recipient=recipient_agent(upline_id),
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
        post([Change(downline.id, product_id, source, quantity), Change(upline_id, product_id, source, -quantity)],
              reason_in="transfer_in", reason_out="transfer_out", reference=reference, actor=actor, now=now,
              before_rows=lambda: finance.pay_goods(payer_id=downline.id, payee_id=upline_id, amount_fen=amount,
                                                    reason="transfer", reference=reference, actor=actor))
        return CloudTransfer(id=transfer_id, upline=upline_id, downline=downline.id, product=product_id,
                             warehouse=source, quantity=quantity, unit_price_fen=price, amount_fen=amount,
                             idempotency_key=key, request_hash=request_hash, actor=actor, created_at=now,
                             commission_fen=commission)
    transfer, earlier = once(work, lambda: _earlier_transfer(downline.id, key, request_hash))
    return earlier or TransferResult(transfer, product.name, repeated=False)


def _transfer_terms(downline, product_id, warehouse_id):
    """(upline id, product, the downline's unit price, the warehouse the units come from) of a 转货, or why not."""
    agents.ensure_may_order(downline)
    if downline.upline_id is None:
        raise Conflict("您没有上级，请向品牌方进货", code="no_upline")
    # The upline's powers (agents.ensure_upline_powers) are its standing: read alone, as nothing else of it is used.
    if agents.standing_of(agent_id=downline.upline_id) != "active":
        raise Conflict("上级当前不能出货（已暂停或已过期），请向品牌方进货", code="upline_unavailable")
    upline_id = downline.upline_id
    product, price = catalog.order_prices(product_ids=[product_id], level_id=downline.level_id,
                                          agent_asking=True)[product_id]
    source = warehouse_id if warehouse_id is not None else _fullest_warehouse(upline_id, product_id)
    if source is None:
        raise Conflict(f"上级云仓没有「{product.name}」", code="insufficient_cloud_stock")
    return upline_id, product, price, source


# Read or written on every 转货: plain SQL, as building them with peewee cost more than running them.
EARLIER_TRANSFER = "SELECT id, request_hash FROM cloud_transfer WHERE downline_id = ? AND idempotency_key = ?"
FULLEST_WAREHOUSE = ("SELECT warehouse_id FROM cloud_stock WHERE agent_id = ? AND product_id = ? AND units > 0 "
                     "ORDER BY units DESC, warehouse_id LIMIT 1")
INSERT_TRANSFER = ("INSERT INTO cloud_transfer (upline_id, downline_id, product_id, warehouse_id, quantity, "
                   "unit_price_fen, amount_fen, idempotency_key, request_hash, actor, created_at, reversed_by, "
                   "reversal_reason, commission_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', 0)")


def _earlier_transfer(downline_id, key, request_hash):
    row = db.execute_sql(sql(EARLIER_TRANSFER), (downline_id, key)).fetchone()
    if row is None:
        return None
    if row[1] != request_hash:
        raise Conflict("该幂等键已用于另一笔不同内容的转货", code="idempotency_key_reused")
    transfer = CloudTransfer.get_by_id(row[0])
    return TransferResult(transfer, catalog.get_product(transfer.product_id).name, repeated=True)


def _fullest_warehouse(agent_id, product_id):
    row = db.execute_sql(sql(FULLEST_WAREHOUSE), (agent_id, product_id)).fetchone()
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


REVERSE_TRANSFER = ("UPDATE cloud_transfer SET reversed_at = ?, reversed_by = ?, reversal_reason = ? "
                    "WHERE id = ? AND reversed_at IS NULL")


def _tell_reversal(transfer, reason):
    """Queue a message to each of the two agents of a 转货 being reversed, once each (dedupe keys); runs inside
    the reversal's transaction, so a refused reversal tells nobody."""
    names = agents.names_of({transfer.upline_id, transfer.downline_id})
    common = {"transfer_id": transfer.id, "product": catalog.get_product(transfer.product_id).name,
              "quantity": transfer.quantity, "amount": format_yuan(transfer.amount_fen), "reason": reason}
    for role, agent_id, other_id, result in (
            ("downline", transfer.downline_id, transfer.upline_id, "货款已退回您的货款余额"),
            ("upline", transfer.upline_id, transfer.downline_id, "货已退回您的云仓，货款已扣回")):
        enqueue(kind="cloud_transfer_reversed", recipient=recipient_agent(agent_id),
                data={**common, "other": names.get(other_id, ""), "result": result},
                dedupe_key=f"cloud_transfer:{transfer.id}:reversed:{role}")


def reverse_transfer(transfer_id, *, actor, reason):
    """The brand undoes a 转货, once, with a reason: its units go back from the downline's cloud stock to the
    upline's, its money from the upline's goods balance to the downline's; moves (`reversal`) and goods entries
    (`reversal`, the reason in their memo) record it under the 转货's reference. Refused (409, nothing moves) when
    the downline no longer holds the units (`transfer_units_moved`), the upline's balance cannot cover the money
    (`insufficient_goods_balance`), it was reversed before (`transfer_already_reversed`) or the rules paid
    commission on it (`transfer_commission_paid`: commission is finance's to take back, by hand). The downline and
    the upline are each told (outbox kind `cloud_transfer_reversed`)."""
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
        if not db.execute_sql(sql(REVERSE_TRANSFER), (now, actor, reason, transfer.id)).rowcount:
            raise Conflict("该转货已撤销", code="transfer_already_reversed")
        _tell_reversal(transfer, reason)
        reference = f"transfer:{transfer.id}"
        try:
            # The money rows in a 转货's order, the downline's first, then the cloud rows, so a reversal racing a
            # new 转货 by the same downline never waits on it the other way round.
            post([Change(transfer.upline_id, transfer.product_id, transfer.warehouse_id, transfer.quantity),
                   Change(transfer.downline_id, transfer.product_id, transfer.warehouse_id, -transfer.quantity)],
                  reason_in="reversal", reason_out="reversal", reference=reference, actor=actor, now=now,
                  before_rows=lambda: finance.pay_goods(payer_id=transfer.upline_id, payee_id=transfer.downline_id,
                                                        amount_fen=transfer.amount_fen, reason="reversal",
                                                        reference=reference, actor=actor,
                                                        memo=f"转货撤销：{reason}", payee_first=True))
        except Conflict as exc:
            if exc.code != "insufficient_cloud_stock":
                raise Conflict(f"上级{exc.message}，无法撤销该转货", code=exc.code) from exc
            raise Conflict(f"{exc.message}：下级已转出或提货，无法撤销该转货", code="transfer_units_moved") from exc
        return transfer.id
    return CloudTransfer.get_by_id(atomic_with_retry(work))
