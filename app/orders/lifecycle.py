"""The order lifecycle after placement: reading, every transition with its stock effect, the facts for finance.

Private to the orders domain: `service.py`, the face, re-exports it; the siblings that the face re-exports
(placement, payments, refunds, tracking …) import this module, never the face.

Each transition locks the order row, asks the state machine (states.py) for the
next state, applies the stock effect through the inventory service (reference
"order:<id>"), and writes an OrderEvent (who, when, why) in the same transaction.
"""
import re
from dataclasses import dataclass
from datetime import timedelta

from peewee import JOIN, fn

from app.agents import service as agents
from app.cloud import service as cloud
from app.codes import service as codes
from app.clock import to_local, utc_start_of_local_day, utcnow
from app.config import get_settings
from app.database import (Prepared, atomic_with_retry, create_row, db, for_update, is_mysql, paginate, reads_replica,
                          update_row)
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.finance import service as finance
from app.finance.schemas import OrderRefund as RefundFacts, PaidOrder, RefundedLine, SoldLine
from app.inventory import service as inventory
from app.inventory.schemas import StockLine
from app.money import format_yuan
from app.notify.service import RECIPIENT_OWNERS
from app.notify.service import enqueue, recipient_agent
from app.orders import holdings, rollup, tracking
from app.orders.models import (Order, OrderEvent, OrderLine, OrderRefund, OrderRefundLine, WechatPayment,
                               WechatRefund)
from app.orders.states import PAID_STATES, next_state

SYSTEM = "system"


def payment_due(moment):
    """When an order that became payable at `moment` is cancelled if still unpaid."""
    return moment + timedelta(minutes=get_settings().ORDER_PAYMENT_TIMEOUT_MINUTES)


def stock_reference(order_id):
    """The inventory reference of an order's reservation and shipment."""
    return f"order:{order_id}"


def order_no(order):
    """The order number people see: the local date of placement and the id (e.g. 250314000123)."""
    return f"{to_local(order.created_at):%y%m%d}{order.id:06d}"


def order_numbers(order_ids):
    """{order id: its order number} for the orders among `order_ids` that exist (one query)."""
    ids = {order_id for order_id in order_ids if order_id}
    if not ids:
        return {}
    return {order.id: order_no(order)
            for order in Order.select(Order.id, Order.created_at).where(Order.id.in_(list(ids)))}


ORDER_NO_PATTERN = re.compile(r"[0-9]{12,24}")


def id_from_order_no(text):
    """The order id an order number names, or None when it is not one.

    Only ASCII digits count ('²'.isdigit() is True yet int() refuses it) and the
    length is bounded, so the id part always fits a 64-bit column on both databases.
    """
    text = (text or "").strip() if isinstance(text, str) else ""
    if not ORDER_NO_PATTERN.fullmatch(text):
        return None
    order = Order.get_or_none(Order.id == int(text[6:]))
    return order.id if order is not None and order_no(order) == text else None


# Reading

def get_order(order_id, *, agent=None):
    """The order (with .lines and .event_log); for an agent only its own, anyone else's is NotFound."""
    return _order_with_log(order_id, buyer_agent_id=agent.id if agent is not None else None)


def get_order_by_no(text, *, buyer_agent_id=None):
    """The order an order number names, as get_order (an agent's own only when `buyer_agent_id` is given)."""
    return _order_with_log(id_from_order_no(text), buyer_agent_id=buyer_agent_id)


def _order_with_log(order_id, *, buyer_agent_id):
    query = Order.select().where(Order.id == order_id)
    if buyer_agent_id is not None:
        query = query.where(Order.buyer_agent == buyer_agent_id)
    order = query.first() if order_id is not None else None
    if order is None:
        raise NotFound("订单不存在", code="order_not_found")
    order.line_list = list(order.lines.order_by(OrderLine.id))
    order.event_log = list(order.events.order_by(OrderEvent.id))
    return order


def list_orders(*, status=None, buyer_agent_id=None, customers_only=False, province=None, since=None, until=None,
                search=None, buyers=None, page=1, per_page=50):
    """Orders matching every filter given (since/until: local dates placed), newest first, one page: (items, total)."""
    query = Order.select().order_by(Order.id.desc())
    for column, value in ((Order.status, status), (Order.buyer_agent, buyer_agent_id), (Order.province, province)):
        if value is not None:
            query = query.where(column == value)
    if buyers is not None:
        query = query.where(Order.buyer_agent.in_(buyers))
    if customers_only:
        query = query.where(Order.buyer_agent.is_null())
    if since is not None:
        query = query.where(Order.created_at >= utc_start_of_local_day(since))
    if until is not None:
        query = query.where(Order.created_at < utc_start_of_local_day(until + timedelta(days=1)))
    if search:
        order_id = id_from_order_no(search)
        query = query.where((Order.id == order_id) if order_id else
                            (Order.consignee_name.startswith(search) | Order.consignee_phone.startswith(search)
                             | (Order.tracking_no == search)))
    return paginate(query, page=page, per_page=per_page)


def awaiting_my_approval(agent, *, page=1, per_page=50):
    """Orders of the agent's downline waiting for its approval, by the tree as it is now (403 without upline
    powers)."""
    return list_orders(status="awaiting_approval", buyers=agents.approval_scope(agent), page=page, per_page=per_page)


@dataclass(frozen=True)
class AgentTodo:
    """What needs an agent's hand: its orders to pay, its downline's orders to approve, products it runs low on."""

    orders_to_pay: int
    approvals_waiting: int
    low_stock: list


def agent_todo(agent):
    """The agent's to-do figures for the mini-program's home page (low: at most AGENT_LOW_STOCK_UNITS on hand and none on the way)."""
    to_pay = Order.select().where(Order.buyer_agent == agent.id, Order.status == "pending_payment").count()
    try:
        _, waiting = awaiting_my_approval(agent, per_page=1)
    except Forbidden:  # a suspended or expired agent has no upline powers, so nothing waits for it
        waiting = 0
    at_most = get_settings().AGENT_LOW_STOCK_UNITS
    low = [holding for holding in holdings.agent_holdings(agent.id)
           if holding.on_hand <= at_most and not holding.on_the_way]
    return AgentTodo(to_pay, waiting, low)


def order_shipped_with_code(code_text, *, wechat_user_id):
    """The signed-in agent's own order a scanned code was shipped in (codes bound at packing), or None (also for
    anyone who is not an agent, and for other agents' goods)."""
    agent = agents.agent_of_wechat_user(wechat_user_id) if wechat_user_id else None
    order_id = codes.shipment_of(code_text, agent_id=agent.id) if agent else None
    return Order.get_or_none(Order.id == order_id, Order.buyer_agent == agent.id) if order_id else None


# Transitions

def lock_order(order_id, *, agent=None, approver=None):
    """The order, its row locked for this transaction (an agent's or approver's own only), or NotFound."""
    query = Order.select().where(Order.id == order_id)
    if agent is not None:
        query = query.where(Order.buyer_agent == agent.id)
    if approver is not None:
        query = query.where(Order.buyer_agent.in_(agents.approval_scope(approver)))
    order = for_update(query).first()
    if order is None:
        raise NotFound("订单不存在", code="order_not_found")
    return order


def _order_with_lines(param):
    return (Order.select(Order, OrderLine)
            .join(OrderLine, JOIN.LEFT_OUTER, on=(OrderLine.order == Order.id), attr="joined_line")
            .where(Order.id == param).order_by(OrderLine.id))


# Every money path starts by locking its order with its lines: a wide row the query builder took longer to write
# than the database to answer.
_LOCKED_ORDER_WITH_LINES = Prepared(lambda param: for_update(_order_with_lines(param)))
_LOCKED_AGENTS_ORDER_WITH_LINES = Prepared(
    lambda param: for_update(_order_with_lines(param).where(Order.buyer_agent == param)))


# What a payment's confirmation reads of the order and its lines (`confirm_locked_payment` and the steps it calls:
# the state, the money and units for the figures and the settlement, the address for the warehouse, the payment's
# fields it keeps, the times it writes), and nothing else: a WeChat Pay notification locks the order only to confirm
# it, and the driver's time grows with every column answered.
PAYMENT_ORDER_FIELDS = (Order.id, Order.buyer_agent, Order.level, Order.status, Order.province, Order.city,
                        Order.to_cloud, Order.units, Order.subtotal_fen, Order.level_discount_fen,
                        Order.promotion_discount_fen, Order.shipping_fen, Order.total_fen, Order.refunded_fen,
                        Order.refunded_units, Order.warehouse, Order.payment_method, Order.payment_ref,
                        Order.payment_proof, Order.created_at, Order.paid_at, Order.received_at)
PAYMENT_LINE_FIELDS = (OrderLine.id, OrderLine.product, OrderLine.quantity, OrderLine.unit_price_fen,
                       OrderLine.discount_fen, OrderLine.paid_fen, OrderLine.unit_cost_fen, OrderLine.refunded_quantity,
                       OrderLine.refunded_fen, OrderLine.paid_at)
_LOCKED_ORDER_FOR_PAYMENT = Prepared(lambda param: for_update(
    Order.select(*PAYMENT_ORDER_FIELDS, *PAYMENT_LINE_FIELDS)
    .join(OrderLine, JOIN.LEFT_OUTER, on=(OrderLine.order == Order.id), attr="joined_line")
    .where(Order.id == param).order_by(OrderLine.id)))


def lock_order_for_payment(order_id):
    """`lock_order_with_lines` reading only what `confirm_locked_payment` needs (PAYMENT_ORDER_FIELDS and
    PAYMENT_LINE_FIELDS): for a use case that confirms the payment and shows nothing else of the order."""
    return _order_and_lines(_LOCKED_ORDER_FOR_PAYMENT.rows(order_id))


def _order_and_lines(rows):
    """(the order, its lines) of the rows of an order LEFT JOINed to its lines; or NotFound."""
    if not rows:
        raise NotFound("订单不存在", code="order_not_found")
    return rows[0], [row.joined_line for row in rows if row.joined_line.id is not None]


def lock_order_with_lines(order_id, *, agent=None):
    """(the order, its lines by id), the order's row and its lines' locked for this transaction, in one query (an
    agent's own only); or NotFound."""
    return _order_and_lines(_LOCKED_ORDER_WITH_LINES.rows(order_id) if agent is None
                            else _LOCKED_AGENTS_ORDER_WITH_LINES.rows(order_id, agent.id))


def move_order(order, action, *, actor, reason="", **changes):
    """Set the order's next state (and `changes`) and log the event; the caller holds the row lock."""
    target = next_state(order.status, action)
    update_row(Order, order.id, status=target, **changes)
    return _moved(order, action, target, actor=actor, reason=reason, changes=changes)


def _moved(order, action, target, *, actor, reason, changes):
    """After the order's row is written: the event logged, the order in memory moved too."""
    create_row(OrderEvent, order=order.id, action=action, from_state=order.status, to_state=target, actor=actor,
               reason=(reason or "")[:255], created_at=utcnow())
    for field, value in changes.items():
        setattr(order, field, value)
    order.status = target
    return order


def log_event(order, action, *, actor, reason=""):
    """Write an event that does not change the state (a repeated confirmation, a partial refund …)."""
    create_row(OrderEvent, order=order.id, action=action, from_state=order.status, to_state=order.status,
               actor=actor, reason=(reason or "")[:255])


def _transition(order_id, action, *, actor, reason="", agent=None, approver=None, effect=None, **changes):
    def work():
        order = lock_order(order_id, agent=agent, approver=approver)
        next_state(order.status, action)
        if effect:
            effect(order)
        return move_order(order, action, actor=actor, reason=reason, **changes)
    return atomic_with_retry(work)


def _required_reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.on("reason", "请填写原因")
    return reason


def _follow_the_tree(order):
    """Before a decision: when the buyer moved (or its upline lost its powers) since placement, the order's
    approver follows the tree, and its history says so."""
    current = agents.approving_upline_id(order.buyer_agent_id)
    if current == order.approver_id:
        return
    old, new = (agents.agent_with_level(i).name if i else "品牌方" for i in (order.approver_id, current))
    log_event(order, "approver_changed", actor=SYSTEM, reason=f"上级变动，审核人由{old}改为{new}")
    Order.update(approver=current).where(Order.id == order.id).execute()
    order.approver_id = current


def approve(order_id, *, actor, approver=None, reason=""):
    """The upline (or staff) approves a downline's order: it becomes payable."""
    def decide(order):
        _follow_the_tree(order)
        enqueue(kind="order_approved", recipient=recipient_agent(order.buyer_agent_id),
                data={"order_id": order.id, "order_no": order_no(order)}, dedupe_key=f"order:{order.id}:approved")
    return _transition(order_id, "approve", actor=actor, approver=approver, reason=reason, effect=decide,
                       payment_due_at=payment_due(utcnow()))


def reject(order_id, *, actor, reason, approver=None):
    """The upline (or staff) rejects a downline's order, with a reason the agent is told."""
    reason = _required_reason(reason)

    def decide(order):
        _follow_the_tree(order)
        enqueue(kind="order_rejected", recipient=recipient_agent(order.buyer_agent_id),
                data={"order_id": order.id, "order_no": order_no(order), "reason": reason},
                dedupe_key=f"order:{order.id}:rejected")
    return _transition(order_id, "reject", actor=actor, approver=approver, reason=reason, effect=decide,
                       closed_at=utcnow())


def stock_lines(order_lines):
    """The order's lines as inventory's and cloud stock's StockLines."""
    return [StockLine(line.product_id, line.quantity) for line in order_lines]


def reserve_stock(order, *, lines=None):
    """Reserve the order's goods in the warehouse the inventory rules choose; False when stock is short.

    `lines`: the order's lines when the caller has them loaded (else they are read). Runs inside the caller's
    transaction.
    """
    return _stock_short(_reserve, order, lines) is None


def _reserve(order, lines):
    warehouse = inventory.reserve_where_best(reference=stock_reference(order.id), province=order.province,
                                             lines=lines, actor=SYSTEM)
    Order.update(warehouse=warehouse.id).where(Order.id == order.id).execute()
    order.warehouse_id = warehouse.id


def store_in_cloud(order, *, lines=None):
    """Hold a paid cloud order's units in the warehouse for its buyer and credit its cloud stock (the order is then
    已入云仓); False when stock is short. Runs inside the caller's transaction, the order row locked (`lines`: its
    lines when the caller has them loaded, else they are read)."""
    return _stock_short(_store_in_cloud, order, lines) is None


def _store_in_cloud(order, lines):
    warehouse = inventory.choose_warehouse(province=order.province, lines=lines)
    inventory.hold_for_cloud(reference=stock_reference(order.id), warehouse_id=warehouse.id, lines=lines,
                             actor=SYSTEM)
    cloud.add_purchase(agent_id=order.buyer_agent_id, warehouse_id=warehouse.id, lines=lines,
                       reference=stock_reference(order.id), actor=SYSTEM)
    move_order(order, "store", actor=SYSTEM, warehouse=warehouse.id, received_at=utcnow())


def _stock_short(effect, order, lines):
    """Run a stock effect of `order`; the inventory's Conflict (naming every product short) when stock is short,
    else None."""
    try:
        effect(order, stock_lines(lines if lines is not None else order.lines))
    except Conflict as short:
        return short
    return None


def _refused_for_stock(short, doing):
    return Conflict(f"无法{doing}，{short.message}", code="insufficient_stock")


def store(order_id, *, actor):
    """Staff retry storing a paid cloud order whose stock was short at payment (409 if still short)."""
    def work():
        order = lock_order(order_id)
        if not order.to_cloud:
            raise Conflict("该订单不是云仓订单", code="not_cloud_order")
        next_state(order.status, "store")
        short = _stock_short(_store_in_cloud, order, None)
        if short is not None:
            raise _refused_for_stock(short, "入云仓")
        finance.mark_order_completed(order_id=order.id, at=order.received_at)
        return order
    return atomic_with_retry(work)


def confirm_payment(order_id, *, actor, method, amount_fen, payment_ref="", proof=""):
    """Mark an order paid (offline transfer or WeChat Pay) and reserve its stock; returns (order, confirmed_now).

    A second confirmation of a paid order changes nothing and answers confirmed_now
    False; an amount that is not the order's total is refused. When stock is short
    the payment still counts (the money is in) and picking waits for stock.
    """
    def work():
        order, lines = lock_order_with_lines(order_id)
        return confirm_locked_payment(order, lines=lines, actor=actor, method=method, amount_fen=amount_fen,
                                      payment_ref=payment_ref, proof=proof)
    return atomic_with_retry(work)


def confirm_locked_payment(order, *, lines, actor, method, amount_fen, payment_ref="", proof="", wechat_paid=None):
    """`confirm_payment` of an order the caller has locked with its `lines` (`lock_order_with_lines`), for a use
    case that does more in the same transaction (a WeChat Pay notification, a payment from the goods balance);
    runs inside the caller's transaction and works on the order and lines in memory, reading neither back.

    `wechat_paid`: (transaction id, moment) of a WeChat Pay notification: the order's WechatPayment, unless paid
    already, is marked paid by them (status, transaction_id, checked_at and paid_at) whatever the order's state —
    in the order's own UPDATE when the order moves to paid now (one statement on MySQL), else by itself."""
    if order.status in PAID_STATES or (order.paid_at and order.status == "refunded"):
        if wechat_paid is not None:
            _mark_wechat_paid(order.id, wechat_paid)
        log_event(order, "pay_repeated", actor=actor, reason=f"重复的付款确认 {payment_ref}".strip())
        return order, False
    next_state(order.status, "pay")
    if amount_fen != order.total_fen:
        raise Conflict(f"付款金额{format_yuan(amount_fen)}元与订单应付{format_yuan(order.total_fen)}元不符",
                       code="amount_mismatch")
    with rollup.recounted(order, lines):
        _pay(order, lines, actor=actor, method=method, payment_ref=payment_ref, proof=proof, wechat_paid=wechat_paid)
    return order, True


# The SET follows the model's column order (checked_at before paid_at): both take the moment given.
_WECHAT_PAID = Prepared(lambda param: WechatPayment.update(status=param, transaction_id=param, paid_at=param,
                                                          checked_at=param).where(WechatPayment.order == param,
                                                                                  WechatPayment.status != param))


def _wechat_paid_values(wechat_paid):
    """The payment's status, transaction_id, checked_at and paid_at as written when it is marked paid."""
    transaction_id, moment = wechat_paid
    at = WechatPayment.paid_at.db_value(moment)
    return ["paid", transaction_id, at, at]


def _mark_wechat_paid(order_id, wechat_paid):
    _WECHAT_PAID.execute(*_wechat_paid_values(wechat_paid), order_id, "paid")


_LINES_PAID = Prepared(lambda param: OrderLine.update(paid_at=param).where(OrderLine.order == param))
_PAID_WITH_LINES = {}  # (the order's columns set, with the WeChat payment): MySQL's one UPDATE of them all


def _paid_with_lines_sql(names, *, wechat):
    """MySQL's UPDATE of the order's columns `names`, its lines' paid_at and (`wechat`) its WeChat payment unless
    paid already; values in the order of the placeholders: ["paid" if wechat], the order's, the lines' paid_at,
    [the payment's status, transaction_id, checked_at, paid_at if wechat], the order's id. LEFT JOINs: the order is
    written whether or not it has lines or a payment to mark."""
    fields = Order._meta.fields
    assigned = [f"o.`{fields[name].column_name}` = %s" for name in names]
    assigned.append(f"l.`{OrderLine.paid_at.column_name}` = %s")
    joined = (f"`{Order._meta.table_name}` AS o LEFT JOIN `{OrderLine._meta.table_name}` AS l"
              f" ON l.`{OrderLine.order.column_name}` = o.`id`")
    if wechat:
        joined += (f" LEFT JOIN `{WechatPayment._meta.table_name}` AS p ON p.`{WechatPayment.order.column_name}` ="
                   f" o.`id` AND p.`{WechatPayment.status.column_name}` != %s")
        assigned += [f"p.`{WechatPayment._meta.fields[name].column_name}` = %s"
                     for name in ("status", "transaction_id", "checked_at", "paid_at")]
    return f"UPDATE {joined} SET {', '.join(assigned)} WHERE o.`id` = %s"


def _move_to_paid(order, lines, *, actor, paid_at, wechat_paid, **changes):
    """`move_order(order, "pay", paid_at=…, **changes)` with its lines' paid_at written too, and its WeChat payment
    marked paid when `wechat_paid` (see confirm_locked_payment): on MySQL in the order's own UPDATE (a multi-table
    UPDATE: a round trip less for each), elsewhere each in an UPDATE of its own."""
    target = next_state(order.status, "pay")
    changes = {"status": target, **changes, "paid_at": paid_at}
    if not is_mysql():
        if wechat_paid is not None:
            _mark_wechat_paid(order.id, wechat_paid)
        update_row(Order, order.id, **changes)
        _LINES_PAID.execute(OrderLine.paid_at.db_value(paid_at), order.id)
    else:
        fields = Order._meta.fields
        names = tuple(field.name for field in Order._meta.sorted_fields if field.name in changes)
        statement = _PAID_WITH_LINES.get((names, wechat_paid is not None))
        if statement is None:
            statement = _PAID_WITH_LINES[(names, wechat_paid is not None)] = _paid_with_lines_sql(
                names, wechat=wechat_paid is not None)
        values = [*(fields[name].db_value(changes[name]) for name in names), OrderLine.paid_at.db_value(paid_at)]
        if wechat_paid is not None:
            values = ["paid", *values, *_wechat_paid_values(wechat_paid)]
        db.execute_sql(statement, [*values, order.id])
    del changes["status"]
    _moved(order, "pay", target, actor=actor, reason="", changes=changes)
    for line in lines:
        line.paid_at = paid_at


def _pay(order, lines, *, actor, method, payment_ref, proof, wechat_paid=None):
    """The payment's writes, in the order that keeps hot rows locked briefly; runs inside the caller's
    transaction, the order's row locked."""
    now = utcnow()
    wanted = stock_lines(lines)
    # The warehouse is chosen by a plain read (no lock) and written with the payment; the reservation, which
    # locks the stock rows every payment shares, comes last.
    warehouse = None if order.to_cloud else _warehouse_for(order, wanted)
    # Without a proof or reference of its own, the confirmation keeps the ones the agent uploaded.
    _move_to_paid(order, lines, actor=actor, payment_method=method, paid_at=now, wechat_paid=wechat_paid,
                  payment_ref=payment_ref[:64] or order.payment_ref, payment_proof=proof[:128] or order.payment_proof,
                  **({"warehouse": warehouse.id} if warehouse else {}))
    finance.settle_first_payment(_paid_facts(order, lines))
    if order.buyer_agent_id:
        agents.record_first_purchase(order_id=order.id, agent_id=order.buyer_agent_id,
                                     amount_fen=order.total_fen - order.shipping_fen, at=now)
        enqueue(kind="order_paid", recipient=recipient_agent(order.buyer_agent_id),
                data={"order_id": order.id, "order_no": order_no(order), "amount": format_yuan(order.total_fen)},
                dedupe_key=f"order:{order.id}:paid")
    if order.to_cloud:
        stocked = store_in_cloud(order, lines=lines)
    else:
        stocked = warehouse is not None and _reserve_in(order, warehouse, wanted)
    if not stocked:
        log_event(order, "stock_short", actor=SYSTEM, reason="库存不足，补货后再配货")
        enqueue(kind="order_stock_short", recipient=RECIPIENT_OWNERS, data={"order_id": order.id},
                dedupe_key=f"order:{order.id}:stock_short")
    elif order.status == "stored":  # signed for at once: the commission's return window starts now
        finance.mark_order_completed(order_id=order.id, at=order.received_at)


def _warehouse_for(order, wanted):
    """The warehouse the inventory rules choose for the order's goods, or None when no warehouse is active."""
    try:
        return inventory.choose_warehouse(province=order.province, lines=wanted)
    except Conflict:
        return None


def _reserve_in(order, warehouse, wanted):
    """Reserve the paid order's goods in the warehouse written on it; when stock is short the order keeps no
    warehouse (picking reserves later). Runs inside the caller's transaction."""
    try:
        inventory.reserve_in_chosen(reference=stock_reference(order.id), warehouse=warehouse, lines=wanted,
                                    actor=SYSTEM)
    except Conflict:
        Order.update(warehouse=None).where(Order.id == order.id).execute()
        order.warehouse_id = None
        return False
    return True


def _no_whole_refund_under_way(order):
    """The goods of an order being refunded whole through WeChat stay in the warehouse until WeChat answers."""
    if WechatRefund.select().where(WechatRefund.order == order.id, WechatRefund.status == "refunding",
                                   WechatRefund.whole_order == True).exists():  # noqa: E712  (SQL, not Python)
        raise Conflict("该订单正在整单退款（等待微信确认），暂不能配货或发货", code="refund_under_way")


def pick(order_id, *, actor):
    """Start picking (配货); an order paid while stock was short reserves it now (409 if still short)."""
    def need_stock(order):
        if order.to_cloud:
            raise Conflict("云仓订单不发货，无需配货", code="cloud_order")
        _no_whole_refund_under_way(order)
        short = _stock_short(_reserve, order, None) if order.warehouse_id is None else None
        if short is not None:
            raise _refused_for_stock(short, "配货")
    return _transition(order_id, "pick", actor=actor, effect=need_stock)


def ship(order_id, *, actor, carrier, tracking_no, codes_scanned=()):
    """Ship a picked order with its carrier (a code or name of carriers.CARRIERS) and tracking number; stock
    leaves the warehouse, the parcel is registered for tracking and the buyer is told, with the share link.

    Authenticity codes scanned at the packing table (items, boxes or ranges) are bound
    to the order in the same transaction: a refused code stops the whole shipment.
    """
    known, tracking_no = tracking.shipment_fields(carrier, tracking_no)

    def send(order):
        _no_whole_refund_under_way(order)
        inventory.ship(reference=stock_reference(order.id), province=order.province, actor=actor)
        if codes_scanned:
            _bind(order, codes_scanned, actor)
        url = tracking.register_parcel(order, known, tracking_no)
        if order.buyer_agent_id:
            enqueue(kind="order_shipped", recipient=recipient_agent(order.buyer_agent_id),
                    data={"order_id": order.id, "order_no": order_no(order), "carrier": known.name,
                          "tracking_no": tracking_no, "tracking_url": url}, dedupe_key=f"order:{order.id}:shipped")
    return _transition(order_id, "ship", actor=actor, effect=send, carrier=known.name, tracking_no=tracking_no,
                       shipped_at=utcnow())


CODE_BINDING_STATES = ("picking", "shipped", "received", "completed")


def bind_codes(order_id, *, codes_scanned, actor):
    """Bind authenticity codes to an order being packed or already shipped (all or nothing)."""
    def work():
        order = lock_order(order_id)
        if order.status not in CODE_BINDING_STATES:
            raise Conflict("订单配货或发货后才能绑定防伪码", code="codes_not_bindable")
        return _bind(order, codes_scanned, actor)
    return atomic_with_retry(work)


def _bind(order, codes_scanned, actor):
    expected = dict(OrderLine.select(OrderLine.product, fn.SUM(OrderLine.quantity))
                    .where(OrderLine.order == order.id).group_by(OrderLine.product).tuples())
    return codes.bind_codes_for_shipment(order_id=order.id, agent_id=order.buyer_agent_id, province=order.province,
                                         dropship=order.dropship, expected=expected, codes=list(codes_scanned),
                                         actor=actor)


def receive(order_id, *, actor, agent=None, reason=""):
    """Confirm receipt (签收): by the buying agent, staff, or the system after the configured days.

    The commission's return window starts at receipt (finance makes it available once it has passed).
    """
    def work():
        order = lock_order(order_id, agent=agent)
        return receive_step(order, actor=actor, reason=reason)
    return atomic_with_retry(work)


def receive_step(order, *, actor, reason=""):
    """Move a locked shipped order to received and start its commission's return window; runs inside the
    caller's transaction (receive, or the carrier's 签收 in the trace)."""
    now = utcnow()
    next_state(order.status, "receive")
    finance.mark_order_completed(order_id=order.id, at=now)
    return move_order(order, "receive", actor=actor, reason=reason, received_at=now)


def complete(order_id, *, actor):
    """Close a received order as completed."""
    return _transition(order_id, "complete", actor=actor, closed_at=utcnow())


def cancel(order_id, *, actor, reason="", agent=None):
    """Cancel an order not yet picked; a paid one gets its reservation released and its purchase reversed; an
    unpaid one's WeChat payment, if started, is to be closed at WeChat (`wechat_payments`).

    An agent may cancel only its own orders and only while they are unpaid. One unit of work: the order and its
    lines are read once, locked; the reservation is released last.
    """
    def work():
        order, lines = lock_order_with_lines(order_id, agent=agent)
        next_state(order.status, "cancel")
        paid = order.status in PAID_STATES
        # As in a payment, the shared rows are locked last: the stock rows, then the day's figures (on leaving).
        with rollup.recounted(order, lines):
            if paid:
                _undo_payment(order, lines, agent=agent)
            else:
                WechatPayment.update(status="closing").where(WechatPayment.order == order.id,
                                                             WechatPayment.status == "started").execute()
            move_order(order, "cancel", actor=actor, reason=reason, closed_at=utcnow())
            if paid:
                inventory.release(reference=stock_reference(order.id), actor=actor)
        return order
    return atomic_with_retry(work)


def _undo_payment(order, lines, *, agent):
    """Give a cancelled paid order's money back in the books (refunded amounts, in memory too, settlement, goods
    balance, purchases); runs inside the caller's transaction, the order's row locked."""
    if agent is not None:
        raise Conflict("订单已付款，请联系客服取消", code="already_paid")
    if WechatPayment.select().where(WechatPayment.order == order.id, WechatPayment.status == "paid").exists():
        raise Conflict("该订单通过微信支付付款，请用退款（款项原路退回）", code="refund_through_wechat")
    Order.update(refunded_fen=order.total_fen, refunded_units=order.units).where(Order.id == order.id).execute()
    OrderLine.update(refunded_quantity=OrderLine.quantity, refunded_fen=OrderLine.paid_fen).where(
        OrderLine.order == order.id).execute()
    order.refunded_fen, order.refunded_units = order.total_fen, order.units
    for line in lines:
        line.refunded_quantity, line.refunded_fen = line.quantity, line.paid_fen
    finance.cancel_settlement(order_id=order.id, at=utcnow())
    return_to_goods_balance(order, order.total_fen, reference=f"{stock_reference(order.id)}:cancel")
    if order.buyer_agent_id:
        agents.reverse_purchase(order_id=order.id)


def return_to_goods_balance(order, amount_fen, *, reference):
    """Money going back to the buyer of an order paid from its goods balance goes back to that balance (once per
    reference); inside the caller's transaction."""
    if order.payment_method == "goods_balance" and order.buyer_agent_id and amount_fen > 0:
        finance.credit_goods(agent_id=order.buyer_agent_id, amount_fen=amount_fen, reason="refund",
                             reference=reference, memo=f"订单 {order_no(order)} 退款")


def cancel_unapproved(order_id, *, actor):
    """Cancel an order its upline left waiting for approval too long, and tell the buyer why."""
    reason = "上级超时未审核，自动取消"

    def tell_buyer(order):
        enqueue(kind="order_cancelled", recipient=recipient_agent(order.buyer_agent_id),
                data={"order_id": order.id, "order_no": order_no(order), "reason": reason},
                dedupe_key=f"order:{order.id}:cancelled")
    return _transition(order_id, "cancel", actor=actor, reason=reason, effect=tell_buyer, closed_at=utcnow())


# Facts for finance

def paid_order_facts(order_id):
    """The paid order as finance needs it (lines with their snapshotted prices, discount shares and costs)."""
    order = get_order(order_id)
    if order.paid_at is None:
        raise Conflict("订单尚未付款", code="not_paid")
    return _paid_facts(order, order.line_list)


def _paid_facts(order, lines):
    """PaidOrder built from the order and its lines in memory (by id, as the order lists them)."""
    return PaidOrder(
        order_id=order.id, order_no=order_no(order), buyer_agent_id=order.buyer_agent_id, paid_at=order.paid_at,
        lines=tuple(SoldLine(line.product_id, line.quantity, line.unit_price_fen, line.discount_fen,
                             line.unit_cost_fen) for line in lines),
        subtotal_fen=order.subtotal_fen, discount_fen=order.level_discount_fen + order.promotion_discount_fen,
        shipping_fen=order.shipping_fen, total_fen=order.total_fen)


def refund_facts(refund_id):
    """A refund as finance needs it: which units of which products, for how much, and the shipping returned."""
    record = OrderRefund.get_or_none(OrderRefund.id == refund_id)
    if record is None:
        raise NotFound("退款记录不存在", code="refund_not_found")
    rows = (OrderRefundLine.select(OrderRefundLine, OrderLine).join(OrderLine)
            .where(OrderRefundLine.refund == record.id).order_by(OrderRefundLine.id))
    return RefundFacts(
        refund_id=f"refund:{record.id}", order_id=record.order_id, refunded_at=record.created_at,
        lines=tuple(RefundedLine(row.order_line.product_id, row.quantity, row.amount_fen) for row in rows),
        shipping_fen=record.shipping_fen, whole_order=record.whole_order,
        goods_back=record.goods_back or Order.get_by_id(record.order_id).shipped_at is None)


def wechat_money(*, start, end, trade_nos=(), refund_nos=()):
    """Our WeChat Pay money between two UTC moments, for reconciling a day's bill: ({out_trade_no: fen} of the
    orders paid by WeChat Pay, {out_refund_no: fen} of the refunds WeChat Pay made), with those of other times that
    the bill's numbers name (paid just before midnight, say). Refunds are counted when WeChat Pay said SUCCESS."""
    payments, refunds, found_ids = {}, {}, set()
    wechat = Order.payment_method == "wechat"

    def read_orders(where):
        for order in Order.select(Order.id, Order.created_at, Order.total_fen).where(wechat, where):
            payments[order_no(order)] = order.total_fen
            found_ids.add(order.id)
    read_orders((Order.paid_at >= start) & (Order.paid_at < end))
    others = sorted({int(no[6:]) for no in trade_nos if ORDER_NO_PATTERN.fullmatch(no)} - found_ids)
    for chunk in _chunked(others):
        read_orders(Order.id.in_(chunk))

    def read_refunds(where):
        for number, amount in (WechatRefund.select(WechatRefund.out_refund_no, WechatRefund.amount_fen)
                               .where(WechatRefund.status == "succeeded", where).tuples()):
            refunds[number] = amount
    read_refunds((WechatRefund.settled_at >= start) & (WechatRefund.settled_at < end))
    for chunk in _chunked(sorted(no for no in refund_nos if isinstance(no, str) and 0 < len(no) <= 64
                                 and no not in refunds)):
        read_refunds(WechatRefund.out_refund_no.in_(chunk))
    return payments, refunds


def _chunked(ids, size=500):
    return [ids[start:start + size] for start in range(0, len(ids), size)]


# Scheduled work

def overdue(status, *, before, limit=1000):
    """Ids of orders in `status` whose clock for the next automatic step ran out before `before`."""
    column = {"awaiting_approval": Order.created_at, "pending_payment": Order.payment_due_at,
              "shipped": Order.shipped_at, "received": Order.received_at}[status]
    return [row.id for row in Order.select(Order.id).where(Order.status == status, column < before)
            .order_by(Order.id).limit(limit)]


@reads_replica
def day_figures(day):
    """The local day's orders placed, paid (with the amount) and shipped, and the agents who joined."""
    start = utc_start_of_local_day(day)
    end = utc_start_of_local_day(day + timedelta(days=1))

    def between(column):
        return Order.select().where(column >= start, column < end)
    return {"day": day.isoformat(), "placed": between(Order.created_at).count(),
            "paid": between(Order.paid_at).count(),
            "paid_amount": format_yuan(between(Order.paid_at).select(fn.SUM(Order.total_fen)).scalar() or 0),
            "shipped": between(Order.shipped_at).count(), "new_agents": agents.count_joined(since=day, until=day)}
