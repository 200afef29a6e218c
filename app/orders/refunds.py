"""Refunds: the whole order, or some units of some lines, each line refunded at its paid share.

A line's refund is cumulative-exact: refunding n of its q units returns
paid × (refunded + n) / q − paid × refunded / q, so refunding every unit in any
number of steps returns exactly what the line cost. A whole refund also returns
the shipping. Partial refunds are for goods already shipped; before shipment an
order is cancelled or refunded whole. An order stored in cloud stock (已入云仓) may be refunded whole or in part
while its buyer still holds the units: they leave its cloud stock and are free stock again.
"""
from peewee import fn

from app.agents import service as agents
from app.cloud import service as cloud
from app.clock import utcnow
from app.database import atomic_with_retry
from app.errors import Conflict, InvalidInput
from app.finance import service as finance
from app.inventory import service as inventory
from app.money import scale
from app.orders import rollup, service
from app.orders.models import Order, OrderLine, OrderRefund, OrderRefundLine
from app.orders.states import next_state

SHIPPED_STATES = frozenset({"shipped", "received", "completed"})


def _line_amount(line, quantity):
    before = scale(line.paid_fen, line.refunded_quantity, line.quantity)
    return scale(line.paid_fen, line.refunded_quantity + quantity, line.quantity) - before


def _requested(order_lines, items):
    by_product = {line.product_id: line for line in order_lines}
    wanted = {}
    for item in items:
        line = by_product.get(item["product_id"])
        if line is None:
            raise InvalidInput.on("lines", "订单中没有该商品")
        wanted[line.id] = wanted.get(line.id, 0) + item["quantity"]
    for line in order_lines:
        if line.id in wanted and not 0 < wanted[line.id] <= line.quantity - line.refunded_quantity:
            raise InvalidInput.on("lines", f"「{line.product_name}」最多还可退{line.quantity - line.refunded_quantity}件")
    if not wanted:
        raise InvalidInput.on("lines", "请选择要退的商品和数量")
    return [(line, wanted[line.id]) for line in order_lines if line.id in wanted]


def refund(order_id, *, actor, reason, lines=None, goods_back=False):
    """Refund a paid order: whole (`lines` None) or the given [{"product_id", "quantity"}]; returns the refund.

    Before shipment a whole refund releases the reservation; after it, goods that
    came back (`goods_back`) return to the warehouse they left.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.on("reason", "请填写退款原因")

    def work():
        order = service.lock_order(order_id)
        if lines is None and order.status == "refunded":
            return _refund_shipping_left(order, reason=reason, actor=actor)
        next_state(order.status, "refund")
        order_lines = list(OrderLine.select().where(OrderLine.order == order.id).order_by(OrderLine.id))
        if lines is None:
            parts = [(line, line.quantity - line.refunded_quantity) for line in order_lines
                     if line.quantity > line.refunded_quantity]
            shipping = order.shipping_fen
        elif order.status not in SHIPPED_STATES and order.status != "stored":
            raise Conflict("未发货的订单请整单取消或整单退款", code="partial_refund_before_shipment")
        else:
            parts, shipping = _requested(order_lines, lines), 0
        shipped, stored = order.status in SHIPPED_STATES, order.status == "stored"
        rollup.withdraw(order.id)
        record = _record(order, parts, shipping, reason=reason, actor=actor, whole=lines is None,
                         goods_back=(goods_back and shipped) or stored)
        rollup.count(order.id)
        if stored:
            cloud.take_back_refunded(agent_id=order.buyer_agent_id, warehouse_id=order.warehouse_id, actor=actor,
                                     reference=f"{service.stock_reference(order.id)}:refund:{record.id}",
                                     lines=[{"product_id": line.product_id, "quantity": q} for line, q in parts])
        elif not shipped:
            inventory.release(reference=service.stock_reference(order.id), actor=actor)
        elif record.goods_back:
            inventory.return_stock(reference=f"{service.stock_reference(order.id)}:refund:{record.id}",
                                   warehouse_id=order.warehouse_id, reason=reason, actor=actor,
                                   lines=[{"product_id": line.product_id, "quantity": q} for line, q in parts])
        finance.record_refund(service.refund_facts(record.id))
        service.return_to_goods_balance(order, record.amount_fen, reference=f"refund:{record.id}")
        if order.buyer_agent_id:
            agents.reverse_purchase(order_id=order.id, amount_fen=None if lines is None else _goods_refunded(order))
        if order.refunded_units == order.units:
            service.move_order(order, "refund", actor=actor, reason=reason, closed_at=utcnow())
        else:
            service.log_event(order, "partial_refund", actor=actor, reason=reason)
        return record
    return atomic_with_retry(work)


def _refund_shipping_left(order, *, reason, actor):
    """Every unit went back by partial refunds, which return no shipping: a whole refund now returns the shipping."""
    left = order.shipping_fen - int(OrderRefund.select(fn.SUM(OrderRefund.shipping_fen))
                                    .where(OrderRefund.order == order.id).scalar() or 0)
    if left <= 0:
        next_state(order.status, "refund")
    rollup.withdraw(order.id)
    record = _record(order, [], left, reason=reason, actor=actor, whole=False, goods_back=False)
    rollup.count(order.id)
    finance.record_refund(service.refund_facts(record.id))
    service.return_to_goods_balance(order, record.amount_fen, reference=f"refund:{record.id}")
    service.log_event(order, "shipping_refund", actor=actor, reason=reason)
    return record


def _goods_refunded(order):
    """The goods money refunded on the order so far, every refund included (shipping excluded)."""
    return int(OrderLine.select(fn.SUM(OrderLine.refunded_fen)).where(OrderLine.order == order.id).scalar() or 0)


def _record(order, parts, shipping, *, reason, actor, whole, goods_back):
    amounts = [(line, quantity, _line_amount(line, quantity)) for line, quantity in parts]
    total = sum(amount for _, _, amount in amounts) + shipping
    if order.refunded_fen + total > order.total_fen:
        raise Conflict("退款金额超过订单已付金额", code="refund_exceeds_paid")
    record = OrderRefund.create(order=order.id, whole_order=whole, goods_back=goods_back, amount_fen=total,
                                shipping_fen=shipping, reason=reason[:255], actor=actor)
    for line, quantity, amount in amounts:
        OrderRefundLine.create(refund=record.id, order_line=line.id, quantity=quantity, amount_fen=amount)
        (OrderLine.update(refunded_quantity=OrderLine.refunded_quantity + quantity,
                          refunded_fen=OrderLine.refunded_fen + amount).where(OrderLine.id == line.id).execute())
    units = sum(quantity for _, quantity, _ in amounts)
    (Order.update(refunded_fen=Order.refunded_fen + total, refunded_units=Order.refunded_units + units)
     .where(Order.id == order.id).execute())
    order.refunded_fen += total
    order.refunded_units += units
    return record


def list_refunds(order_id):
    """The refunds of an order, oldest first."""
    return list(OrderRefund.select().where(OrderRefund.order == order_id).order_by(OrderRefund.id))
