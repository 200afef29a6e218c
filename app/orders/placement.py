"""Placing an order: the buyer's prices, the consignee, the quote, the refusals and the idempotency key.

A buyer is an agent (prices at its level) or a direct customer (retail prices,
entered by staff). A retried placement (same placer, same idempotency key) finds
the first order; the same key with a different body is a 409.
"""
import hashlib
import json
from dataclasses import dataclass
from peewee import IntegrityError

from app import phones, regions
from app.agents import service as agents
from app.catalog import service as catalog
from app.clock import utcnow
from app.database import Prepared, atomic_with_retry, bulk_insert, create_row
from app.errors import Conflict, InvalidInput
from app.money import format_yuan
from app.notify.service import RECIPIENT_OWNERS
from app.notify.service import enqueue, recipient_agent
from app.orders import lifecycle, rules
from app.orders.models import Order, OrderEvent, OrderLine
from app.orders.pricing import Line, price_order
from app.orders.quick_entry import parse_order_text

MAX_LINES = 50
MAX_CATALOGUE = 10_000
MAX_QUANTITY = 9999


@dataclass(frozen=True)
class Consignee:
    """Who receives the goods and where."""

    name: str
    phone: str
    province: str
    city: str
    district: str
    address: str


@dataclass(frozen=True)
class Quote:
    """What an order would cost: the breakdown and, per line, the product's name and cost."""

    breakdown: object
    names: dict
    costs: dict


def _merged_items(items):
    quantities = {}
    for item in items or ():
        product_id, quantity = item["product_id"], item["quantity"]
        if not 1 <= quantity <= MAX_QUANTITY:
            raise InvalidInput.on("items", f"每件商品数量须在1到{MAX_QUANTITY}之间")
        quantities[product_id] = quantities.get(product_id, 0) + quantity
    if not quantities:
        raise InvalidInput.on("items", "请至少选择一件商品")
    if len(quantities) > MAX_LINES or any(q > MAX_QUANTITY for q in quantities.values()):
        raise InvalidInput.on("items", f"一个订单最多{MAX_LINES}种商品，每种不超过{MAX_QUANTITY}件")
    return quantities


def quote(*, items, province, buyer_agent=None, by_staff=False, to_cloud=False):
    """Price `items` ([{"product_id", "quantity"}]) for an agent (its level) or a customer (retail), to `province`.

    Staff are told why a product cannot be ordered (with its name); an agent asking for itself gets 404 for
    anything outside its catalogue. Goods bought into cloud stock (云仓) are not shipped: no shipping."""
    quantities = _merged_items(items)
    level_id = buyer_agent.level_id if buyer_agent else None
    priced = catalog.order_prices(product_ids=list(quantities), level_id=level_id, agent_asking=not by_staff)
    lines = [Line(pid, quantity, priced[pid][1]) for pid, quantity in quantities.items()]
    province = regions.normalize_province(province) or province
    level_bp, amount_offs, shipping = rules.pricing_terms(level_id=level_id, province=province)
    breakdown = price_order(lines, level_discount_bp=level_bp, promotions=amount_offs,
                            shipping=None if to_cloud else shipping)
    return Quote(breakdown, {pid: product.name for pid, (product, _) in priced.items()},
                 {pid: product.cost_fen for pid, (product, _) in priced.items()})


CLOUD_ADDRESS = "云仓（品牌方仓库代存）"


def consignee_of(given, buyer_agent, *, to_cloud=False):
    """The consignee: the fields given, each missing one taken from the agent's own (name, phone, region); goods
    bought into cloud stock stay in the warehouse, so their address may be left out."""
    given = {key: (value or "").strip() for key, value in (given or {}).items()}
    own = {"name": buyer_agent.name, "phone": buyer_agent.phone, "province": buyer_agent.province,
           "city": buyer_agent.city} if buyer_agent else {}
    if to_cloud:
        own["address"] = CLOUD_ADDRESS
    values = {key: given.get(key) or own.get(key, "") for key in ("name", "phone", "province", "city", "district",
                                                                    "address")}
    if not values["name"] or len(values["name"]) > 64:
        raise InvalidInput.on("consignee.name", "请填写收货人姓名（不超过64个字符）")
    if not values["address"] or len(values["address"]) > 255:
        raise InvalidInput.on("consignee.address", "请填写详细地址（不超过255个字符）")
    phone = phones.normalize_contact(values["phone"], field="consignee.phone", message="收货电话格式不正确")
    if to_cloud and not values["province"]:   # nothing is shipped: an agent without a region may still buy
        return Consignee(values["name"], phone, "", "", "", values["address"])
    region = regions.resolve(values["province"], values["city"], values["district"])
    if region is None or (values["city"] and not region.city) or (values["district"] and not region.district):
        raise InvalidInput.on("consignee.province", "省市区无法识别，请检查（如 广东省 深圳市 南山区）")
    if not region.city and regions.cities(region.province):
        raise InvalidInput.on("consignee.city", "请填写城市")
    return Consignee(values["name"], phone, region.province, region.city, region.district, values["address"])


def _request_hash(buyer_agent, quantities, consignee, remark, to_cloud=False):
    body = {"agent": buyer_agent.id if buyer_agent else None, "items": sorted(quantities.items()),
            "consignee": consignee.__dict__, "remark": remark}
    if to_cloud:
        body["to_cloud"] = True
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def place_order(*, placed_by, idempotency_key, items, buyer_agent=None, consignee=None, remark="",
                by_staff=False, to_cloud=False):
    """Place an order; returns it (with lines and events) and `.repeated`: True when a retry found the first one.

    `placed_by` is "agent:<id>" or "admin:<id>"; an agent's order waits for its
    upline's approval when its level says so, unless staff entered it. `to_cloud`:
    an agent buys into its cloud stock (云仓): priced and settled as any order, no
    shipping; once paid its units are held in the warehouse for it.
    """
    if to_cloud and buyer_agent is None:
        raise InvalidInput.on("to_cloud", "只有代理可以进货到云仓")
    key = (idempotency_key or "").strip()
    if not key or len(key) > 64:
        raise InvalidInput.on("idempotency_key", "请提供1到64个字符的幂等键")
    remark = (remark or "").strip()
    if len(remark) > 255:
        raise InvalidInput.on("remark", "备注不超过255个字符")
    quantities = _merged_items(items)
    consignee = consignee_of(consignee, buyer_agent, to_cloud=to_cloud)
    request_hash = _request_hash(buyer_agent, quantities, consignee, remark, to_cloud)
    existing = _earlier(placed_by, key, request_hash)
    if existing:
        return _answer(existing, repeated=True)
    if buyer_agent is not None:
        agents.ensure_may_order(buyer_agent)
    priced = quote(items=[{"product_id": p, "quantity": q} for p, q in quantities.items()],
                   province=consignee.province, buyer_agent=buyer_agent, by_staff=by_staff, to_cloud=to_cloud)
    if buyer_agent is not None:
        minimum = agents.minimum_first_order_fen(buyer_agent)
        if priced.breakdown.goods_fen < minimum:
            raise InvalidInput(f"首次进货金额不能低于{format_yuan(minimum)}元", code="below_first_order_minimum",
                               fields={"items": f"首次进货金额不能低于{format_yuan(minimum)}元"})
    try:
        order = atomic_with_retry(lambda: _insert(placed_by, key, request_hash, buyer_agent, consignee, remark,
                                                  priced, by_staff, to_cloud))
    except IntegrityError:
        existing = _earlier(placed_by, key, request_hash)
        if existing is None:
            raise
        return _answer(existing, repeated=True)
    return _placed(order)


_LINES_OF = Prepared(lambda param: OrderLine.select().where(OrderLine.order == param).order_by(OrderLine.id))
# A retry's first order: only what tells it apart (the whole order is read again to answer it).
_EARLIER = Prepared(lambda param: Order.select(Order.id, Order.request_hash).where(
    Order.idempotency_scope == param, Order.idempotency_key == param))


def _placed(order):
    """The order just inserted, as get_order gives it, without reading back what is in memory: the row and its
    event as written, only the lines (their ids) from the database."""
    order.line_list = _LINES_OF.rows(order.id)
    order.event_log = [order.placed_event]
    order.repeated = False
    return order


def _answer(order, *, repeated):
    order = lifecycle.get_order(order.id)
    order.repeated = repeated
    return order


def _earlier(placed_by, key, request_hash):
    order = _EARLIER.first(placed_by, key)
    if order is not None and order.request_hash != request_hash:
        raise Conflict("该幂等键已用于另一个不同内容的订单", code="idempotency_key_reused")
    return order


def _insert(placed_by, key, request_hash, buyer_agent, consignee, remark, priced, by_staff, to_cloud=False):
    breakdown, now = priced.breakdown, utcnow()
    needs_approval = (buyer_agent is not None and not by_staff and buyer_agent.upline_id is not None
                      and agents.cached_level(buyer_agent.level_id).orders_need_upline_approval)
    status = "awaiting_approval" if needs_approval else "pending_payment"
    approver_id = agents.approving_upline_id(buyer_agent.id) if needs_approval else None
    own = buyer_agent is not None and (consignee.name, consignee.phone) == (buyer_agent.name, buyer_agent.phone)
    order = create_row(
        Order, buyer_agent=buyer_agent, level=buyer_agent.level_id if buyer_agent else None,
        approver=approver_id, placed_by=placed_by,
        idempotency_scope=placed_by, idempotency_key=key, request_hash=request_hash, status=status,
        consignee_name=consignee.name, consignee_phone=consignee.phone, province=consignee.province,
        city=consignee.city, district=consignee.district, address=consignee.address, dropship=not own and not to_cloud,
        to_cloud=to_cloud,
        remark=remark, units=sum(line.quantity for line in breakdown.lines), subtotal_fen=breakdown.subtotal_fen,
        level_discount_fen=breakdown.level_discount_fen, promotion_discount_fen=breakdown.promotion_discount_fen,
        promotion_name=breakdown.promotion_name[:64], shipping_fen=breakdown.shipping_fen,
        total_fen=breakdown.total_fen, created_at=now,
        payment_due_at=None if needs_approval else lifecycle.payment_due(now))
    # Written as bulk_insert writes a ledger's rows: peewee building the lines' INSERT was the one statement of a
    # placement still written by the query builder, about a twentieth of its CPU.
    bulk_insert(OrderLine, [dict(order=order.id, product=line.product_id, product_name=priced.names[line.product_id],
                                 quantity=line.quantity, unit_price_fen=line.unit_price_fen,
                                 discount_fen=line.discount_fen, paid_fen=line.paid_fen,
                                 unit_cost_fen=priced.costs[line.product_id])
                            for line in breakdown.lines])
    order.placed_event = create_row(OrderEvent, order=order.id, action="place", to_state=status, actor=placed_by,
                                    created_at=now)
    if needs_approval:
        enqueue(kind="order_approval_needed",
                recipient=recipient_agent(approver_id) if approver_id else RECIPIENT_OWNERS,
                data={"order_id": order.id, "buyer": buyer_agent.name, "total": format_yuan(order.total_fen)},
                dedupe_key=f"order:{order.id}:approval_needed")
    return order


def draft_from_text(text, *, buyer_agent=None):
    """Quick entry: chat text parsed into a draft order against the products the buyer can order."""
    if buyer_agent is not None:
        products = [(item.product.id, item.product.name, ()) for item in
                    catalog.catalogue_for_level(buyer_agent.level_id)]
    else:
        products = [(product.id, product.name, ()) for product in
                    catalog.list_products(active=True, per_page=MAX_CATALOGUE)[0]]
    return parse_order_text(text, products)


def _buyer(agent_id):
    return agents.get_agent(agent_id) if agent_id is not None else None


def enter_order(*, actor, idempotency_key, items, agent_id=None, consignee=None, remark="", to_cloud=False):
    """Staff enter an order for an agent (`agent_id`, its level price) or a direct customer (retail price)."""
    return place_order(placed_by=actor, idempotency_key=idempotency_key, items=items, buyer_agent=_buyer(agent_id),
                       consignee=consignee, remark=remark, by_staff=True, to_cloud=to_cloud)


def staff_quote(*, items, province, agent_id=None, to_cloud=False):
    """The quote staff see while entering an order for an agent or a customer."""
    return quote(items=items, province=province, buyer_agent=_buyer(agent_id), by_staff=True, to_cloud=to_cloud)


def staff_draft(text, *, agent_id=None):
    """Quick entry for staff: against the agent's catalogue, or every active product for a customer."""
    return draft_from_text(text, buyer_agent=_buyer(agent_id))
