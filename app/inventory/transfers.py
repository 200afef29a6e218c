"""Transfers (调拨): stock leaves one warehouse at dispatch and is in transit until it arrives at another."""
from peewee import fn

from app.clock import utcnow
from app.database import paginate
from app.errors import InvalidInput, NotFound
from app.inventory import ledger
from app.inventory.ledger import Delta
from app.inventory.models import TRANSFER_STATUSES, Transfer, TransferLine
from app.inventory.alerts import run_and_alert


def dispatch_transfer(*, from_warehouse_id, to_warehouse_id, lines, note="", actor=""):
    """Send goods between two active warehouses; they leave the source now and are in transit."""
    quantities = ledger.product_quantities(lines)
    if from_warehouse_id == to_warehouse_id:
        raise InvalidInput.on("to_warehouse_id", "调出和调入仓库不能相同")
    ledger.require_usable_warehouse(from_warehouse_id)
    ledger.require_usable_warehouse(to_warehouse_id)

    created = {}

    def work():
        transfer = Transfer.create(from_warehouse=from_warehouse_id, to_warehouse=to_warehouse_id,
                                   note=(note or "")[:255], actor=actor)
        created["id"] = transfer.id
        TransferLine.insert_many([{"transfer": transfer.id, "product": product_id, "quantity": q}
                                  for product_id, q in quantities.items()]).execute()
        deltas = [Delta(from_warehouse_id, product_id, on_hand=-q) for product_id, q in quantities.items()]
        return ledger.post_moves("transfer_out", deltas, reference=_reference(transfer.id), actor=actor,
                                 reason=note or "")

    run_and_alert(work)
    return get_transfer(created["id"])


def arrive_transfer(transfer_id, *, actor=""):
    """Book an in-transit transfer into its destination; arriving twice changes nothing."""
    transfer = get_transfer(transfer_id)

    def work():
        if not Transfer.update(status="arrived", arrived_at=utcnow()).where(
                Transfer.id == transfer.id, Transfer.status == "in_transit").execute():
            raise ledger.RepeatedChange("transfer_in", _reference(transfer.id))
        deltas = [Delta(transfer.to_warehouse_id, line.product_id, on_hand=line.quantity) for line in transfer.lines]
        return ledger.post_moves("transfer_in", deltas, reference=_reference(transfer.id), actor=actor)

    run_and_alert(work)
    return get_transfer(transfer_id)


def _reference(transfer_id):
    return f"transfer:{transfer_id}"


def get_transfer(transfer_id):
    """The transfer with its lines, or NotFound."""
    transfer = Transfer.get_or_none(Transfer.id == transfer_id)
    if transfer is None:
        raise NotFound("调拨单不存在", code="transfer_not_found")
    transfer.line_list = list(transfer.lines.order_by(TransferLine.product))
    return transfer


def list_transfers(*, status=None, warehouse_id=None, page=1, per_page=50):
    """Transfers, newest first, optionally by status or by a warehouse at either end."""
    if status is not None and status not in TRANSFER_STATUSES:
        raise InvalidInput.on("status", "状态必须是以下之一：" + "、".join(TRANSFER_STATUSES))
    query = Transfer.select().order_by(Transfer.id.desc())
    if status is not None:
        query = query.where(Transfer.status == status)
    if warehouse_id is not None:
        query = query.where((Transfer.from_warehouse == warehouse_id) | (Transfer.to_warehouse == warehouse_id))
    transfers, total = paginate(query, page=page, per_page=per_page)
    return [get_transfer(t.id) for t in transfers], total


def in_transit_by_product(warehouse_id=None):
    """Units in transit per (destination warehouse, product)."""
    query = (TransferLine.select(Transfer.to_warehouse, TransferLine.product, fn.SUM(TransferLine.quantity))
             .join(Transfer).where(Transfer.status == "in_transit")
             .group_by(Transfer.to_warehouse, TransferLine.product))
    if warehouse_id is not None:
        query = query.where(Transfer.to_warehouse == warehouse_id)
    return {(to_warehouse, product): int(units) for to_warehouse, product, units in query.tuples()}
