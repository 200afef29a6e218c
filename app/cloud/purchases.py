"""Buying into cloud stock, and the refund of a stored cloud order (both called by the orders domain)."""
from app.clock import utcnow
from app.cloud.ledger import Change, post
from app.errors import Conflict
from app.inventory import service as inventory

def add_purchase(*, agent_id, warehouse_id, lines, reference, actor="system"):
    """Credit a paid cloud order's units (`lines`: inventory's StockLines) to its buyer's cloud stock. Runs inside
    the caller's transaction, after inventory held the same units (`cloud_in`)."""
    changes = [Change(agent_id, line.product_id, warehouse_id, line.quantity) for line in lines]
    post(changes, reason_in="purchase", reason_out="purchase", reference=reference, actor=actor, now=utcnow())


def take_back_refunded(*, agent_id, warehouse_id, lines, reference, actor="system"):
    """A refund of a stored cloud order: its units leave the buyer's cloud stock (guarded: 409
    cloud_units_moved when it no longer holds them, transferred or picked up) and are free stock again. Runs inside
    the caller's transaction."""
    try:
        post([Change(agent_id, line.product_id, warehouse_id, -line.quantity) for line in lines],
              reason_in="refund", reason_out="refund", reference=reference, actor=actor, now=utcnow())
    except Conflict as exc:
        raise Conflict(f"{exc.message}：云仓中的货已转出或提货，无法按此数量退款", code="cloud_units_moved") from exc
    inventory.release_from_cloud(reference=reference, warehouse_id=warehouse_id, lines=lines, actor=actor)
