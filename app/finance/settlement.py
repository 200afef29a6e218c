"""Settling orders: the figures of each paid order and its commission, refunds and cancellations that
reverse it in proportion, completion, and the job that makes commission available after the return window.

Orders call these with the facts of `app.finance.inputs`; finance never reads order tables.
"""
import functools
import json
from datetime import timedelta

from peewee import IntegrityError

from app.agents import service as agents
from app.catalog import service as catalog
from app.clock import to_local, utcnow
from app.config import get_settings
from app.database import Prepared, atomic_with_retry, bulk_insert, db, for_update, paginate
from app.errors import Conflict, InvalidInput, NotFound
from app.finance import ledger
from app.finance.engine import month_of, order_commissions
from app.finance.inputs import PaidOrder, SoldLine
from app.finance.ledger import Entry
from app.finance.models import BRAND_ACCOUNT, BuyerFirstOrder, CommissionLine, OrderSettlement, SettlementRefund
from app.finance.versions import rules_in_force
from app.money import format_yuan, scale
from app.notify import service as notify

CHUNK = 500


def local_day(moment):
    """The brand's local date of a stored UTC datetime."""
    return to_local(moment).date()


def _check_facts(paid):
    subtotal = sum(line.unit_price_fen * line.quantity for line in paid.lines)
    discount = sum(line.discount_fen for line in paid.lines)
    if (not paid.lines or subtotal != paid.subtotal_fen or discount != paid.discount_fen
            or paid.total_fen != subtotal - discount + paid.shipping_fen or paid.shipping_fen < 0
            or any(line.quantity <= 0 or line.unit_price_fen < 0 or line.unit_cost_fen < 0
                   or not 0 <= line.discount_fen <= line.unit_price_fen * line.quantity for line in paid.lines)):
        raise InvalidInput(f"订单 {paid.order_no} 的金额不一致，无法结算", code="settlement_facts_inconsistent")


def settle_paid_order(paid):
    """Settle one paid order: its figures and its commission lines (pending). Settling again changes nothing."""
    settle_paid_orders([paid])
    return OrderSettlement.get_by_id(paid.order_id)


def settle_paid_orders(paid_orders):
    """Settle many paid orders in one transaction (a catch-up or import); orders settled before are skipped.

    Returns how many were settled now. Two callers settling the same order at once:
    one insert wins, the other's transaction is retried and then skips it.
    """
    by_id = {}
    for paid in paid_orders:
        _check_facts(paid)
        by_id.setdefault(paid.order_id, paid)
    for attempt in range(3):
        try:
            return atomic_with_retry(lambda: _settle_new(list(by_id.values())))
        except IntegrityError:
            if attempt == 2 or db.in_transaction():
                raise


def settle_first_payment(paid):
    """Settle an order whose payment is being confirmed for the first time (the caller holds the order's row and
    moves it to paid now, so no settlement of it can exist and none is looked for; one would be an IntegrityError).
    Runs inside the caller's transaction."""
    _check_facts(paid)
    _settle_new([paid], known_new=True)


def _settle_new(paid_orders, *, known_new=False):
    settled = set()
    ids = [] if known_new else [paid.order_id for paid in paid_orders]
    for start in range(0, len(ids), CHUNK):
        settled.update(row[0] for row in OrderSettlement.select(OrderSettlement.order_id)
                       .where(OrderSettlement.order_id.in_(ids[start:start + CHUNK])).tuples())
    new = sorted((p for p in paid_orders if p.order_id not in settled), key=lambda p: (p.paid_at, p.order_id))
    if not new:
        return 0
    days = {paid.order_id: local_day(paid.paid_at) for paid in new}
    versions = rules_in_force(set(days.values()))
    buyers = {paid.buyer_agent_id for paid in new if paid.buyer_agent_id is not None}
    deepest = max((rules.max_depth for _, rules in versions.values()), default=0)
    chains = agents.upline_chains(buyers, max_depth=deepest) if buyers and deepest else {}
    # Level prices matter only where an upline may earn a level difference (级差).
    priced = {line.product_id for paid in new for line in paid.lines
              if len(chains.get(paid.buyer_agent_id, ())) > 1 and versions[days[paid.order_id]][1].level_difference}
    prices = catalog.price_table(priced) if priced else {}
    first_orders = _claim_first_orders(new)
    settlements, lines, entries, messages = [], [], [], []
    for paid in new:
        version, rules = versions[days[paid.order_id]]
        first_order = paid.buyer_agent_id is not None and first_orders.get(paid.buyer_agent_id) == paid.order_id
        commissions = order_commissions(paid=paid, chain=chains.get(paid.buyer_agent_id, []), prices=prices,
                                        rules=rules, first_order=first_order)
        settlements.append(_settlement_row(paid, days[paid.order_id], version, commissions))
        lines += [_line_row(paid, days[paid.order_id], version, c) for c in commissions]
        entries.append(Entry(key=f"commission:{paid.order_id}", kind="commission", at=paid.paid_at,
                             order_id=paid.order_id, memo=f"订单 {paid.order_no} 佣金",
                             postings=_credit_postings(commissions)))
        messages += _credited_messages(paid, commissions)
    bulk_insert(OrderSettlement, settlements)
    bulk_insert(CommissionLine, lines)
    notify.enqueue_many(messages)
    ledger.post_entries(entries)
    return len(new)


def commission_on_cloud_transfers(*, at=None):
    """Whether the rules in force (today, or on the local day of `at`) pay commission on 转货."""
    day = local_day(at or utcnow())
    return rules_in_force({day})[day][1].cloud_transfers


def settle_cloud_transfer(*, transfer_id, transfer_no, buyer_agent_id, paid_at, product_id, quantity, unit_price_fen):
    """Commission on a 转货 (a downline buying from its upline's cloud stock), only when the rules in force that
    day say so (`cloud_transfers`): computed as for an order of the buyer, keyed by the 转货 (so settling again pays
    nothing) and available at once (a 转货 is never returned). Runs inside the caller's transaction; returns the
    commission paid, in fen."""
    day = local_day(paid_at)
    version, rules = rules_in_force({day})[day]
    if not rules.cloud_transfers:
        return 0
    paid = PaidOrder(order_id=None, order_no=transfer_no, buyer_agent_id=buyer_agent_id, paid_at=paid_at,
                     lines=(SoldLine(product_id, quantity, unit_price_fen, 0, 0),),
                     subtotal_fen=unit_price_fen * quantity, discount_fen=0, shipping_fen=0,
                     total_fen=unit_price_fen * quantity)
    chains = agents.upline_chains({buyer_agent_id}, max_depth=rules.max_depth)
    commissions = [c for c in order_commissions(paid=paid, chain=chains.get(buyer_agent_id, []),
                                                prices=catalog.price_table({product_id}), rules=rules,
                                                first_order=False) if c.amount_fen > 0]
    if not commissions:
        return 0
    key = f"transfer:{transfer_id}"
    bulk_insert(CommissionLine, [
        {**_line_row(paid, day, version, c), "key": f"{key}:agent:{c.agent_id}:{c.rule}", "order_id": None,
         "status": "available", "available_at": paid_at} for c in commissions])
    totals = _per_agent((c.agent_id, c.amount_fen) for c in commissions)
    postings = [(agent_id, "available", amount) for agent_id, amount in sorted(totals.items())]
    ledger.post_entries([Entry(key=f"commission:{key}", kind="commission", at=paid_at, memo=f"转货 {transfer_no} 佣金",
                               postings=postings + [(None, BRAND_ACCOUNT, -sum(totals.values()))])])
    return sum(totals.values())


def _claim_first_orders(new):
    """{buyer: the id of the order that counts as its first}, claimed now for the earliest of `new` where unclaimed.

    The claim is an INSERT IGNORE keyed by the buyer: a settlement claiming the same
    buyer at the same moment waits for ours to commit and then finds our claim, which
    the locking read returns (a plain read would see the transaction's older snapshot).
    """
    earliest = {}
    for paid in new:
        if paid.buyer_agent_id is not None:
            earliest.setdefault(paid.buyer_agent_id, paid.order_id)
    claimed = _first_orders_of(earliest)
    unclaimed = {buyer: order_id for buyer, order_id in earliest.items() if buyer not in claimed}
    if unclaimed:
        inserted = bulk_insert(BuyerFirstOrder, [{"buyer_agent": buyer, "order_id": order_id}
                                                 for buyer, order_id in sorted(unclaimed.items())],
                               ignore_duplicates=True)
        # Every claim ours: nothing to read back. Otherwise another settlement claimed some buyer first.
        claimed.update(unclaimed if inserted == len(unclaimed) else _first_orders_of(unclaimed, locking=True))
    return claimed


def _first_orders_of(buyers, *, locking=False):
    found = {}
    buyers = sorted(buyers)
    for start in range(0, len(buyers), CHUNK):
        chunk = buyers[start:start + CHUNK]
        found.update(_first_orders_query(len(chunk), locking).rows(*chunk))
    return found


@functools.lru_cache(maxsize=64)
def _first_orders_query(count, locking):
    """The prepared read of `count` buyers' first-order claims, locked (shared) or not (every payment looks its
    buyer's claim up)."""
    def build(param):
        query = (BuyerFirstOrder.select(BuyerFirstOrder.buyer_agent, BuyerFirstOrder.order_id)
                 .where(BuyerFirstOrder.buyer_agent.in_([param] * count)).tuples())
        return for_update(query, shared=True) if locking else query
    return Prepared(build)


def _settlement_row(paid, day, version, commissions):
    return {
        "order_id": paid.order_id, "order_no": paid.order_no, "buyer_agent": paid.buyer_agent_id,
        "paid_at": paid.paid_at, "paid_on": day, "period": month_of(day), "rule_version": version,
        "subtotal_fen": paid.subtotal_fen, "discount_fen": paid.discount_fen, "shipping_fen": paid.shipping_fen,
        "total_fen": paid.total_fen, "cost_fen": sum(line.unit_cost_fen * line.quantity for line in paid.lines),
        "commission_fen": sum(c.amount_fen for c in commissions),
        "lines": json.dumps([[line.product_id, line.quantity, line.unit_price_fen, line.discount_fen,
                              line.unit_cost_fen] for line in paid.lines]),
    }


def _line_row(paid, day, version, commission):
    return {"key": f"order:{paid.order_id}:agent:{commission.agent_id}:{commission.rule}",
            "order_id": paid.order_id, "period": month_of(day), "agent": commission.agent_id,
            "rule": commission.rule, "rule_version": version, "depth": commission.depth,
            "amount_fen": commission.amount_fen, "explanation": commission.explanation,
            "details": json.dumps(commission.details, ensure_ascii=False), "created_at": paid.paid_at}


def _credit_postings(commissions):
    """One pending posting per agent (its commission lines say by which rules), the brand's side balancing them."""
    totals = _per_agent((c.agent_id, c.amount_fen) for c in commissions)
    postings = [(agent_id, "pending", amount) for agent_id, amount in sorted(totals.items()) if amount]
    total = sum(amount for _, _, amount in postings)
    return postings + [(None, BRAND_ACCOUNT, -total)] if total else []


def _per_agent(pairs):
    totals = {}
    for agent_id, amount in pairs:
        totals[agent_id] = totals.get(agent_id, 0) + amount
    return totals


def _credited_messages(paid, commissions):
    totals = _per_agent((c.agent_id, c.amount_fen) for c in commissions)
    return [{"kind": "commission_credited", "recipient": notify.recipient_agent(agent_id),
             "dedupe_key": f"commission_credited:{paid.order_id}:{agent_id}",
             "data": {"order_id": paid.order_id, "order_no": paid.order_no, "amount": format_yuan(amount)}}
            for agent_id, amount in sorted(totals.items()) if amount]


def get_settlement(order_id):
    """The settlement of an order, or NotFound."""
    settlement = OrderSettlement.get_or_none(OrderSettlement.order_id == order_id)
    if settlement is None:
        raise NotFound("该订单尚未结算", code="settlement_not_found")
    return settlement


def list_settlements(*, start=None, end=None, buyer_agent_id=None, page=1, per_page=50):
    """Settlements, latest paid first, optionally between two local dates or of one buyer: (items, total)."""
    query = OrderSettlement.select()
    if start is not None:
        query = query.where(OrderSettlement.paid_on >= start)
    if end is not None:
        query = query.where(OrderSettlement.paid_on <= end)
    if buyer_agent_id is not None:
        query = query.where(OrderSettlement.buyer_agent == buyer_agent_id)
    return paginate(query.order_by(OrderSettlement.paid_at.desc(), OrderSettlement.order_id.desc()),
                    page=page, per_page=per_page)


def _locked_settlement(order_id):
    settlement = for_update(OrderSettlement.select().where(OrderSettlement.order_id == order_id)).first()
    if settlement is None:
        raise NotFound("该订单尚未结算", code="settlement_not_found")
    return settlement


def record_refund(refund):
    """Reverse a refund's share of the order's figures and commission (to the fen); once per refund id."""
    return atomic_with_retry(lambda: _refund(refund.refund_id, refund.order_id, refund.refunded_at,
                                             goods_fen=sum(line.amount_fen for line in refund.lines),
                                             shipping_fen=refund.shipping_fen, whole=refund.whole_order,
                                             returned=[(line.product_id, line.quantity) for line in refund.lines],
                                             goods_back=refund.goods_back))


def cancel_settlement(*, order_id, at):
    """A paid order was cancelled: everything not yet refunded goes back, every commission is reversed."""
    return atomic_with_retry(lambda: _refund(f"cancel:{order_id}", order_id, at, goods_fen=0, shipping_fen=0,
                                             whole=True, returned=[], kind="cancel"))


def _refund(refund_id, order_id, at, *, goods_fen, shipping_fen, whole, returned, kind="refund", goods_back=True):
    settlement = _locked_settlement(order_id)
    existing = SettlementRefund.get_or_none(SettlementRefund.refund_id == refund_id)
    if existing is not None:
        return existing
    if settlement.status == "cancelled":
        raise Conflict("该订单已取消，不能再退款", code="settlement_cancelled")
    goods_paid = settlement.subtotal_fen - settlement.discount_fen
    unit_costs = {product_id: cost for product_id, _, _, _, cost in json.loads(settlement.lines)}
    if whole:
        goods_fen = goods_paid - settlement.refunded_goods_fen
        shipping_fen = settlement.shipping_fen - settlement.refunded_shipping_fen
        cost_fen = settlement.cost_fen - settlement.returned_cost_fen
    else:
        cost_fen = sum(unit_costs.get(product_id, 0) * quantity for product_id, quantity in returned)
        cost_fen = min(cost_fen, settlement.cost_fen - settlement.returned_cost_fen)
    if not goods_back:
        # Money went back but the goods stayed with the buyer: they were still sold at their cost.
        cost_fen = 0
    if goods_fen < 0 or shipping_fen < 0 or goods_fen > goods_paid - settlement.refunded_goods_fen:
        raise Conflict("退款金额超过订单未退部分", code="refund_exceeds_order")
    if shipping_fen > settlement.shipping_fen - settlement.refunded_shipping_fen:
        raise Conflict("退还运费超过订单运费", code="refund_exceeds_order")
    refunded_goods = settlement.refunded_goods_fen + goods_fen
    reversed_fen = _reverse_commission(settlement, refund_id, at, refunded_goods, goods_paid, full=whole)
    record = SettlementRefund.create(refund_id=refund_id, order=order_id, kind=kind, refunded_at=at,
                                     refunded_on=local_day(at), period=month_of(local_day(at)), goods_fen=goods_fen,
                                     shipping_fen=shipping_fen, cost_fen=cost_fen,
                                     commission_reversed_fen=reversed_fen)
    (OrderSettlement.update(refunded_goods_fen=refunded_goods,
                            refunded_shipping_fen=OrderSettlement.refunded_shipping_fen + shipping_fen,
                            returned_cost_fen=OrderSettlement.returned_cost_fen + cost_fen,
                            commission_reversed_fen=OrderSettlement.commission_reversed_fen + reversed_fen,
                            status="cancelled" if kind == "cancel" else settlement.status)
     .where(OrderSettlement.order_id == order_id).execute())
    return record


def _reverse_commission(settlement, refund_id, at, refunded_goods, goods_paid, *, full):
    """Bring each line's reversed amount to its share of the goods refunded so far (all of it when full)."""
    lines = list(CommissionLine.select().where(CommissionLine.order_id == settlement.order_id,
                                               CommissionLine.status != "reversed").order_by(CommissionLine.id))
    postings = []
    for line in lines:
        if full or refunded_goods >= goods_paid:
            target = line.amount_fen
        else:
            target = scale(line.amount_fen, refunded_goods, goods_paid)
        delta = target - line.reversed_fen
        if delta <= 0:
            continue
        postings.append((line.agent_id, line.status, -delta))
        (CommissionLine.update(reversed_fen=target, status="reversed" if target == line.amount_fen else line.status)
         .where(CommissionLine.id == line.id).execute())
    total = -sum(amount for _, _, amount in postings)
    if total:
        ledger.post_entries([Entry(key=f"refund:{refund_id}", kind="reversal", at=at, order_id=settlement.order_id,
                                   memo=f"订单 {settlement.order_no} 退款冲回佣金",
                                   postings=postings + [(None, BRAND_ACCOUNT, total)])])
    return total


def mark_order_completed(*, order_id, at):
    """The order was signed for: its return window starts now; once it has passed, its commission becomes available."""
    window = timedelta(days=get_settings().COMMISSION_RETURN_WINDOW_DAYS)
    with db.atomic():
        settlement = _locked_settlement(order_id)
        if settlement.status == "cancelled":
            raise Conflict("该订单已取消", code="settlement_cancelled")
        if settlement.status == "paid":
            (OrderSettlement.update(status="completed", completed_at=at, release_after=at + window)
             .where(OrderSettlement.order_id == order_id).execute())
    return get_settlement(order_id)


def release_available_commissions(*, now=None, batch=CHUNK):
    """Make pending commission available for every completed order whose return window has passed; how many orders."""
    now = now or utcnow()
    released = 0
    while True:
        count = atomic_with_retry(lambda: _release_batch(now, batch))
        released += count
        if count < batch:
            return released


def _release_batch(now, batch):
    due = list(for_update(OrderSettlement.select(OrderSettlement.order_id, OrderSettlement.order_no)
                          .where(OrderSettlement.released_at.is_null(), OrderSettlement.status == "completed",
                                 OrderSettlement.release_after <= now)
                          .order_by(OrderSettlement.order_id).limit(batch)))
    if not due:
        return 0
    order_ids = [s.order_id for s in due]
    lines = list(CommissionLine.select().where(CommissionLine.order_id.in_(order_ids),
                                               CommissionLine.status == "pending"))
    entries, messages = [], []
    for settlement in due:
        own = [line for line in lines if line.order_id == settlement.order_id]
        totals = _per_agent((line.agent_id, line.amount_fen - line.reversed_fen) for line in own)
        postings = [(agent_id, account, sign * amount) for agent_id, amount in sorted(totals.items()) if amount
                    for account, sign in (("pending", -1), ("available", 1))]
        entries.append(Entry(key=f"release:{settlement.order_id}", kind="release", at=now,
                             order_id=settlement.order_id, memo=f"订单 {settlement.order_no} 退货期满，佣金可提现",
                             postings=postings))
        messages += [{"kind": "commission_available", "recipient": notify.recipient_agent(agent_id),
                      "dedupe_key": f"commission_available:{settlement.order_id}:{agent_id}",
                      "data": {"order_id": settlement.order_id, "order_no": settlement.order_no,
                               "amount": format_yuan(amount)}}
                     for agent_id, amount in sorted(totals.items()) if amount]
    (CommissionLine.update(status="available", available_at=now)
     .where(CommissionLine.order_id.in_(order_ids), CommissionLine.status == "pending").execute())
    OrderSettlement.update(released_at=now).where(OrderSettlement.order_id.in_(order_ids)).execute()
    notify.enqueue_many(messages)
    ledger.post_entries(entries)
    return len(due)
