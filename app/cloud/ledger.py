"""The ledger every cloud use case posts to, and the checks of their input they share.

An agent's cloud units are a ledger: every change is a CloudMove (reason, reference) written with the change of its
CloudStock row in one transaction. A decrement is one guarded UPDATE (`units >= n`), the row's CHECK backs it up, so
units never go negative under any concurrency.
"""
import hashlib
import json
from dataclasses import dataclass

from peewee import IntegrityError, fn

from app.catalog import service as catalog
from app.cloud.models import CloudStock
from app.database import atomic_with_retry, db, is_mysql, portable_sql
from app.errors import Conflict, InvalidInput

MAX_QUANTITY = 9999

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


sql = portable_sql


@dataclass(frozen=True)
class Change:
    """One change of one agent's cloud units."""

    agent_id: int
    product_id: int
    warehouse_id: int
    delta: int


def post(changes, *, reason_in, reason_out, reference, actor, now, before_rows=None):
    """Write the moves, then (after `before_rows()`, when given) the credits, then the debits (guarded, last);
    Conflict when a debit lacks units.

    A 转货 and its reversal post the goods balances in `before_rows()`, so every one of them takes the agents'
    money rows before their cloud rows: crediting a buyer's cloud row before its money (to keep fewer rows under
    the hot lock) took a middle agent's two rows in opposite orders when it bought and sold at once, and deadlocked.

    Runs inside the caller's transaction; each reason/reference happens once per row (unique key)."""
    rows = [(c.agent_id, c.product_id, c.warehouse_id, c.delta, reason_in if c.delta > 0 else reason_out,
             reference, actor[:48], now) for c in changes]
    db.execute_sql(sql(INSERT_MOVES + ", ".join([MOVE_VALUES] * len(rows))), [v for row in rows for v in row])
    if before_rows is not None:
        before_rows()
    give = sql(GIVE_MYSQL if is_mysql() else GIVE_SQLITE)
    for c in sorted((c for c in changes if c.delta > 0), key=lambda c: (c.product_id, c.warehouse_id, c.agent_id)):
        db.execute_sql(give, (c.agent_id, c.product_id, c.warehouse_id, c.delta, now, now))
    debits = sorted((c for c in changes if c.delta < 0), key=lambda c: (c.product_id, c.warehouse_id, c.agent_id))
    for index, c in enumerate(debits):
        units = -c.delta
        if db.execute_sql(sql(TAKE), (units, units, now, c.agent_id, c.product_id, c.warehouse_id,
                                       units)).rowcount != 1:
            held = [(d.product_id, units_held(d.agent_id, d.product_id, d.warehouse_id), -d.delta) for d in debits[index:]]
            raise shortfall([held[0], *(h for h in held[1:] if h[1] < h[2])])


def shortfall(shortfalls):
    """409 naming every product short: [(product_id, units held, units needed), …]."""
    parts = []
    for product_id, held, needed in shortfalls:
        product = catalog.get_product(product_id)
        unit = product.unit
        missing = f"（缺 {needed - held}{unit}）" if needed > held else ""
        parts.append(f"「{product.name}」可用 {held}{unit}，需要 {needed}{unit}{missing}")
    return Conflict("云仓库存不足：" + "；".join(parts), code="insufficient_cloud_stock")


def units_held(agent_id, product_id, warehouse_id=None):
    query = CloudStock.select(fn.COALESCE(fn.SUM(CloudStock.units), 0)).where(
        CloudStock.agent == agent_id, CloudStock.product == product_id)
    if warehouse_id is not None:
        query = query.where(CloudStock.warehouse == warehouse_id)
    return int(query.scalar() or 0)


def checked_quantity(value, field):
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        raise InvalidInput.on(field, f"数量须是1到{MAX_QUANTITY}之间的整数")
    return value


def checked_key(idempotency_key):
    key = (idempotency_key or "").strip() if isinstance(idempotency_key, str) else ""
    if not key or len(key) > 64:
        raise InvalidInput.on("idempotency_key", "请提供1到64个字符的幂等键")
    return key


def body_hash(body):
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True, default=str).encode()).hexdigest()


def once(work, earlier):
    """Run `work` in its transaction: (its result, None); when a concurrent retry with the same idempotency key
    committed first (the unique key refused ours), (None, what `earlier()` finds)."""
    try:
        return atomic_with_retry(work), None
    except IntegrityError:
        found = earlier()
        if found is None:
            raise
        return None, found
