"""Refunds: the whole order, or some units of some lines, each line refunded at its paid share.

A line's refund is cumulative-exact: refunding n of its q units returns
paid × (refunded + n) / q − paid × refunded / q, so refunding every unit in any
number of steps returns exactly what the line cost. A whole refund also returns
the shipping. Partial refunds are for goods already shipped; before shipment an
order is cancelled or refunded whole. An order stored in cloud stock (已入云仓) may be refunded whole or in part
while its buyer still holds the units: they leave its cloud stock and are free stock again.
"""
from dataclasses import dataclass

from peewee import fn

from app.agents import service as agents
from app.cloud import service as cloud
from app.clock import utcnow
from app.database import atomic_with_retry
from app.errors import Conflict, InvalidInput
from app.finance import service as finance
from app.finance.schemas import OrderRefund as RefundFacts, RefundedLine
from app.inventory import service as inventory
from app.inventory.schemas import StockLine
from app.money import scale
from app.orders import lifecycle, rollup
from app.orders.models import Order, OrderLine, OrderRefund, OrderRefundLine
from app.orders.states import next_state

SHIPPED_STATES = frozenset({"shipped", "received", "completed"})


@dataclass(frozen=True)
class Part:
    """Units of one order line a refund gives back, and the money they stand for."""

    line: object
    quantity: int
    amount_fen: int


def _line_amount(line, quantity, *, pending_quantity=0, pending_fen=0):
    """The paid share of `quantity` more units of `line`, after those refunded and those being refunded; the last
    units take exactly what is left, so refunding every unit returns exactly what the line cost."""
    base = line.refunded_quantity + pending_quantity
    if base + quantity == line.quantity:
        return line.paid_fen - line.refunded_fen - pending_fen
    return scale(line.paid_fen, base + quantity, line.quantity) - scale(line.paid_fen, base, line.quantity)


def _requested(order_lines, items, pending):
    by_product = {line.product_id: line for line in order_lines}
    wanted = {}
    for item in items:
        line = by_product.get(item["product_id"])
        if line is None:
            raise InvalidInput.on("lines", "订单中没有该商品")
        wanted[line.id] = wanted.get(line.id, 0) + item["quantity"]
    for line in order_lines:
        left = line.quantity - line.refunded_quantity - pending.get(line.id, (0, 0))[0]
        if line.id in wanted and not 0 < wanted[line.id] <= left:
            raise InvalidInput.on("lines", f"「{line.product_name}」最多还可退{left}件")
    if not wanted:
        raise InvalidInput.on("lines", "请选择要退的商品和数量")
    return [(line, wanted[line.id]) for line in order_lines if line.id in wanted]


def plan(order, lines, *, order_lines, pending=None, pending_shipping_fen=0):
    """What refunding `lines` ([{"product_id", "quantity"}], None: everything left) of the locked `order` gives
    back: (parts, shipping in fen). `order_lines` are all its lines, as the caller loaded them; `pending` ({line id:
    (units, fen)}) is what refunds still under way at WeChat already take, so that several refunds never give back
    more than was paid."""
    next_state(order.status, "refund")
    pending = pending or {}
    if lines is None:
        wanted = [(line, line.quantity - line.refunded_quantity - pending.get(line.id, (0, 0))[0])
                  for line in order_lines]
        wanted = [(line, quantity) for line, quantity in wanted if quantity > 0]
        shipping = order.shipping_fen - pending_shipping_fen
    elif order.status not in SHIPPED_STATES and order.status != "stored":
        raise Conflict("未发货的订单请整单取消或整单退款", code="partial_refund_before_shipment")
    else:
        wanted, shipping = _requested(order_lines, lines, pending), 0
    parts = [Part(line, quantity, _line_amount(line, quantity, pending_quantity=pending.get(line.id, (0, 0))[0],
                                               pending_fen=pending.get(line.id, (0, 0))[1]))
             for line, quantity in wanted]
    return parts, shipping


def refund(order_id, *, actor, reason, lines=None, goods_back=False):
    """Refund a paid order: whole (`lines` None) or the given [{"product_id", "quantity"}]; returns the refund.

    Before shipment a whole refund releases the reservation; after it, goods that
    came back (`goods_back`) return to the warehouse they left. An order paid through
    WeChat Pay APIv3 is refunded through WeChat (`wechat_refunds`): the answer is the
    refund under way (status `refunding`), the books are written when WeChat says SUCCESS.
    One unit of work: the order and its lines are read once, locked.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.on("reason", "请填写退款原因")
    from app.orders import wechat_refunds  # it writes its books through this module

    if wechat_refunds.paid_through_wechat(order_id):
        return wechat_refunds.request_refund(order_id, actor=actor, reason=reason, lines=lines, goods_back=goods_back)

    def work():
        order, order_lines = lifecycle.lock_order_with_lines(order_id)
        if lines is None and order.status == "refunded":
            return _refund_shipping_left(order, order_lines, reason=reason, actor=actor)
        parts, shipping = plan(order, lines, order_lines=order_lines)
        return write_books(order, order_lines, parts, shipping, reason=reason, actor=actor, whole=lines is None,
                           goods_back=goods_back)
    return atomic_with_retry(work)


def write_books(order, order_lines, parts, shipping, *, reason, actor, whole, goods_back):
    """Write a refund of the locked `order` into the books: the refund record, reports, stock, finance (commission
    clawback), the buyer's purchases and the order's state. Returns the OrderRefund.

    `order_lines` are all the order's lines, loaded with it; `parts` refer to them. Runs inside the caller's
    transaction.
    """
    shipped, stored = order.status in SHIPPED_STATES, order.status == "stored"
    # The rows every payment and refund share are locked last, in the payment's order: the stock rows, then the
    # day's figures (written on leaving the block).
    with rollup.recounted(order, order_lines):
        record = _record(order, parts, shipping, reason=reason, actor=actor, whole=whole,
                         goods_back=(goods_back and shipped) or stored)
        finance.record_refund(_facts(order, record, parts))
        lifecycle.return_to_goods_balance(order, record.amount_fen, reference=f"refund:{record.id}")
        if order.buyer_agent_id:
            goods_refunded = sum(line.refunded_fen for line in order_lines)  # every refund so far, shipping excluded
            agents.reverse_purchase(order_id=order.id, amount_fen=None if whole else goods_refunded)
        if order.refunded_units == order.units:
            lifecycle.move_order(order, "refund", actor=actor, reason=reason, closed_at=utcnow())
        else:
            lifecycle.log_event(order, "partial_refund", actor=actor, reason=reason)
        _stock_back(order, parts, record, shipped=shipped, stored=stored, reason=reason, actor=actor)
    return record


def _stock_back(order, parts, record, *, shipped, stored, reason, actor):
    """The refund's stock effect: cloud units taken back, the reservation released, or returned goods on hand."""
    units = [StockLine(part.line.product_id, part.quantity) for part in parts]
    if stored:
        cloud.take_back_refunded(agent_id=order.buyer_agent_id, warehouse_id=order.warehouse_id, actor=actor,
                                 reference=f"{lifecycle.stock_reference(order.id)}:refund:{record.id}", lines=units)
    elif not shipped:
        inventory.release(reference=lifecycle.stock_reference(order.id), actor=actor)
    elif record.goods_back:
        inventory.return_stock(reference=f"{lifecycle.stock_reference(order.id)}:refund:{record.id}",
                               warehouse_id=order.warehouse_id, reason=reason, actor=actor, lines=units)


def _refund_shipping_left(order, order_lines, *, reason, actor):
    """Every unit went back by partial refunds, which return no shipping: a whole refund now returns the shipping."""
    left = order.shipping_fen - int(OrderRefund.select(fn.SUM(OrderRefund.shipping_fen))
                                    .where(OrderRefund.order == order.id).scalar() or 0)
    if left <= 0:
        next_state(order.status, "refund")
    with rollup.recounted(order, order_lines):
        record = _record(order, [], left, reason=reason, actor=actor, whole=False, goods_back=False)
    finance.record_refund(_facts(order, record, []))
    lifecycle.return_to_goods_balance(order, record.amount_fen, reference=f"refund:{record.id}")
    lifecycle.log_event(order, "shipping_refund", actor=actor, reason=reason)
    return record


def _facts(order, record, parts):
    """The refund as finance needs it (which units of which products, for how much, the shipping returned), from
    what was just written."""
    return RefundFacts(
        refund_id=f"refund:{record.id}", order_id=order.id, refunded_at=record.created_at,
        lines=tuple(RefundedLine(part.line.product_id, part.quantity, part.amount_fen) for part in parts),
        shipping_fen=record.shipping_fen, whole_order=record.whole_order,
        goods_back=record.goods_back or order.shipped_at is None)


def _record(order, parts, shipping, *, reason, actor, whole, goods_back):
    """Write the refund record and what it takes off the order and its lines, in the database and in memory."""
    total = sum(part.amount_fen for part in parts) + shipping
    if order.refunded_fen + total > order.total_fen:
        raise Conflict("退款金额超过订单已付金额", code="refund_exceeds_paid")
    record = OrderRefund.create(order=order.id, whole_order=whole, goods_back=goods_back, amount_fen=total,
                                shipping_fen=shipping, reason=reason[:255], actor=actor)
    if parts:
        OrderRefundLine.insert_many([{"refund": record.id, "order_line": part.line.id, "quantity": part.quantity,
                                      "amount_fen": part.amount_fen} for part in parts]).execute()
    for part in parts:
        (OrderLine.update(refunded_quantity=OrderLine.refunded_quantity + part.quantity,
                          refunded_fen=OrderLine.refunded_fen + part.amount_fen)
         .where(OrderLine.id == part.line.id).execute())
        part.line.refunded_quantity += part.quantity
        part.line.refunded_fen += part.amount_fen
    units = sum(part.quantity for part in parts)
    (Order.update(refunded_fen=Order.refunded_fen + total, refunded_units=Order.refunded_units + units)
     .where(Order.id == order.id).execute())
    order.refunded_fen += total
    order.refunded_units += units
    return record


def list_refunds(order_id):
    """The refunds of an order, oldest first."""
    return list(OrderRefund.select().where(OrderRefund.order == order_id).order_by(OrderRefund.id))
