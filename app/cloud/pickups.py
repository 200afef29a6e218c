"""提货: cloud units picked and shipped to the agent or a customer, the warehouse's steps, and cancelling."""
from peewee import fn

from app.catalog import service as catalog
from app.clock import utcnow
from app.cloud.ledger import Change, body_hash, checked_key, checked_quantity, once, post, shortfall, units_held
from app.cloud.models import CloudStock, Pickup, PickupLine
from app.codes import service as codes
from app.database import atomic_with_retry, for_update, paginate
from app.errors import Conflict, InvalidInput, NotFound
from app.finance import service as finance
from app.inventory import service as inventory
from app.inventory.schemas import StockLine
from app.notify.service import enqueue, recipient_agent

MAX_LINES = 50

PICKUP_STATE_NAMES = {"waiting": "待配货", "picking": "配货中", "shipped": "已发货", "cancelled": "已取消"}


def pickup_reference(pickup_id):
    """The inventory reference of a pickup's reservation and shipment."""
    return f"pickup:{pickup_id}"


def _pickup_items(items):
    if not isinstance(items, (list, tuple)) or not items:
        raise InvalidInput.on("items", "请至少选择一件商品")
    merged = {}
    for index, item in enumerate(items):
        product_id = item.get("product_id") if isinstance(item, dict) else None
        if isinstance(product_id, bool) or not isinstance(product_id, int) or product_id <= 0:
            raise InvalidInput.on(f"items.{index}.product_id", "商品编号无效")
        merged[product_id] = merged.get(product_id, 0) + checked_quantity(item.get("quantity"), f"items.{index}.quantity")
        checked_quantity(merged[product_id], f"items.{index}.quantity")
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
    short = [(p, units_held(agent_id, p), q) for p, q in quantities.items() if sum(h.get(p, 0) for h in held.values()) < q]
    if short:
        raise shortfall(short)
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
    key = checked_key(idempotency_key)
    quantities = _pickup_items(items)
    remark = (remark or "").strip() if isinstance(remark, str) else ""
    if len(remark) > 255:
        raise InvalidInput.on("remark", "备注不超过255个字符")
    from app.orders import service as orders  # on use: the orders domain imports this face (云仓 orders, refunds)
    to = orders.checked_consignee(consignee, agent=agent)
    request_hash = body_hash({"items": sorted(quantities.items()), "consignee": to.__dict__, "remark": remark,
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
        post([Change(agent.id, p, source, -q) for p, q in quantities.items()], reason_in="pickup_cancel",
              reason_out="pickup", reference=reference, actor=actor, now=now)
        return pickup
    pickup, earlier = once(work, lambda: _earlier_pickup(agent.id, key, request_hash))
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
            codes.bind_codes_for_shipment(pickup_id=pickup.id, agent_id=pickup.agent_id,
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
        post([Change(pickup.agent_id, line.product_id, pickup.warehouse_id, line.quantity) for line in lines],
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
