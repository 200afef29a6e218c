"""Where a shipped order is: its parcel at the logistics provider, the trace, and the customer's share link.

At shipment (`register_parcel`, inside the ship transaction) the order gets a Parcel, pending
subscription, and a share link. The `subscribe_parcels` job subscribes pending parcels at the
provider (app.kuaidi100), retrying with backoff: a provider down or slow never fails a shipment.
A verified push (or a query from the console) is stored as trace events, each once; the first
签收 receives the order through the order state machine's receive step, with the trace as its
reason; a return notifies the buyer once; `watch_stuck_parcels` notifies a parcel whose trace has
not moved for TRACKING_STUCK_DAYS. Without a provider configured nothing is called and the trace is
simply absent.
"""
import hashlib
import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from app import kuaidi100
from app.brand import service as brand
from app.catalog import service as catalog
from app.clock import utc_from_local, utcnow
from app.config import get_settings
from app.database import atomic_with_retry, for_update
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.money import format_yuan
from app.notify.service import RECIPIENT_OWNERS
from app.notify.service import enqueue, recipient_agent
from app.orders import lifecycle
from app.orders.carriers import CARRIERS, carrier_named, carrier_of_code, names_list
from app.orders.models import Order, OrderEvent, OrderLine, Parcel, ParcelEvent, ParcelPush, TrackingLink

log = logging.getLogger(__name__)

SUBSCRIBE_MAX_ATTEMPTS = 12
SUBSCRIBE_FIRST_RETRY_SECONDS = 60
SUBSCRIBE_MAX_RETRY_SECONDS = 6 * 3600
SUBSCRIBE_CLAIM_SECONDS = 120
SUBSCRIBE_FAILURES_PER_RUN = 3  # then the provider is taken to be down: the rest wait for the next run
MAX_TRACE_EVENTS = 300
TRACKING_NO = re.compile(r"[A-Za-z0-9-]{1,64}")
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,48}")
PUSH_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")
SUBSCRIPTION_NAMES = {"pending": "待订阅", "subscribed": "已订阅", "failed": "订阅失败", "aborted": "已停止跟踪"}


# Shipment

def shipment_fields(carrier, tracking_no):
    """The carrier (one of carriers.CARRIERS, by code or name) and the tracking number checked, or a Chinese 422."""
    found = carrier_named(carrier)
    if found is None:
        raise InvalidInput.on("carrier", f"不支持的快递公司，请选择：{names_list()}")
    tracking_no = (tracking_no or "").strip() if isinstance(tracking_no, str) else ""
    if not TRACKING_NO.fullmatch(tracking_no):
        raise InvalidInput.on("tracking_no", "请填写快递单号（字母、数字或短横线，不超过64个字符）")
    return found, tracking_no


def register_parcel(order, carrier, tracking_no):
    """The shipped order's parcel, pending subscription, and its share link; runs inside the caller's
    transaction (the ship step). Returns the share link's URL."""
    Parcel.create(order=order.id, carrier_code=carrier.code, tracking_no=tracking_no,
                  phone=order.consignee_phone if carrier.needs_phone else "", next_attempt_at=utcnow(),
                  callback_token=secrets.token_urlsafe(24), salt=secrets.token_hex(16))
    return tracking_url(_active_link(order.id, actor="system").token)


def callback_url(parcel):
    """Where the provider pushes this parcel's trace."""
    return f"{get_settings().PUBLIC_BASE_URL.rstrip('/')}/tracking/kuaidi100/{parcel.callback_token}"


# Subscription

def _retry_delay(attempts):
    return timedelta(seconds=min(SUBSCRIBE_FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0),
                                 SUBSCRIBE_MAX_RETRY_SECONDS))


def subscribe_parcels(now=None, *, limit=50):
    """Subscribe the parcels due (new, or a failed attempt's retry time reached); returns how many succeeded.

    Each parcel is claimed with a guarded UPDATE before the call, so a second runner skips it; the
    call runs outside any transaction. A failure is retried with backoff (1 minute doubling to 6
    hours), SUBSCRIBE_MAX_ATTEMPTS in all, then the parcel is `failed` (the console shows why). After
    SUBSCRIBE_FAILURES_PER_RUN failures the run stops, so a provider that hangs holds the job up for a few
    timeouts, not one per parcel.
    """
    if not kuaidi100.configured():
        return 0
    now = now or utcnow()
    due = [row.id for row in Parcel.select(Parcel.id).where(Parcel.subscription == "pending",
                                                            Parcel.next_attempt_at <= now)
           .order_by(Parcel.next_attempt_at, Parcel.id).limit(limit)]
    done = failures = 0
    for parcel_id in due:
        if failures >= SUBSCRIBE_FAILURES_PER_RUN:
            break
        claimed = (Parcel.update(attempts=Parcel.attempts + 1,
                                 next_attempt_at=now + timedelta(seconds=SUBSCRIBE_CLAIM_SECONDS))
                   .where(Parcel.id == parcel_id, Parcel.subscription == "pending", Parcel.next_attempt_at <= now)
                   .execute())
        if not claimed:
            continue
        parcel = Parcel.get_by_id(parcel_id)
        try:
            kuaidi100.subscribe(company=parcel.carrier_code, number=parcel.tracking_no, phone=parcel.phone,
                                callback_url=callback_url(parcel), salt=parcel.salt)
        except kuaidi100.ProviderError as exc:
            given_up = parcel.attempts >= SUBSCRIBE_MAX_ATTEMPTS
            log.warning("parcel %s: subscription attempt %s failed: %s", parcel.id, parcel.attempts, exc)
            Parcel.update(subscription="failed" if given_up else "pending", last_error=str(exc)[:255],
                          next_attempt_at=None if given_up else now + _retry_delay(parcel.attempts)).where(
                Parcel.id == parcel.id).execute()
            failures += 1
            continue
        Parcel.update(subscription="subscribed", last_error="", next_attempt_at=None).where(
            Parcel.id == parcel.id).execute()
        done += 1
    return done


def resubscribe(order_id):
    """Try a failed or stopped parcel's subscription again from the start (the console's button)."""
    def work():
        lifecycle.lock_order(order_id)
        parcel = _parcel_of(order_id)
        if parcel.subscription not in ("failed", "aborted"):
            raise Conflict("该包裹的订阅不需要重试", code="subscription_not_failed")
        Parcel.update(subscription="pending", attempts=0, next_attempt_at=utcnow()).where(
            Parcel.id == parcel.id).execute()
    atomic_with_retry(work)


def _parcel_of(order_id):
    parcel = Parcel.get_or_none(Parcel.order == order_id)
    if parcel is None:
        raise NotFound("该订单没有包裹记录", code="parcel_not_found")
    return parcel


# Pushes and queries

def accept_push(*, callback_token, param, sign):
    """Take a provider push for the parcel named by the callback URL: verified, then stored once.

    An unknown token or a bad signature is 403 and changes nothing; the same body again is a
    replay, 409, and changes nothing; a body that is not a trace of this parcel is 400/422.
    """
    token = callback_token if isinstance(callback_token, str) and TOKEN.fullmatch(callback_token) else None
    parcel = Parcel.get_or_none(Parcel.callback_token == token) if token else None
    if parcel is None or not isinstance(param, str) or not kuaidi100.push_signature_ok(param, sign, parcel.salt):
        raise Forbidden("推送签名无效", code="push_signature_invalid")
    try:
        body = json.loads(param)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting deeper than the parser goes
        raise InvalidInput.on("param", "推送内容不是JSON") from exc
    document = body.get("lastResult") if isinstance(body, dict) else None
    if not isinstance(document, dict):
        raise InvalidInput.on("param", "推送内容缺少物流信息")
    digest = hashlib.sha256(f"{parcel.id}:{param}".encode("utf-8")).hexdigest()
    status = str(body.get("status", ""))[:16]

    def work():
        # The locks come first: the push row's foreign key would otherwise share-lock the parcel, and two
        # pushes holding that shared lock would deadlock wanting it exclusively.
        order, locked = _lock_parcel(parcel.order_id)
        if not ParcelPush.insert(parcel=parcel.id, digest=digest).on_conflict_ignore().as_rowcount().execute():
            raise Conflict("该推送已处理过", code="push_replayed")
        return _take_trace(order, locked, document, aborted=status == "abort", note=str(body.get("message", ""))[:100])
    return atomic_with_retry(work)


def _lock_parcel(order_id):
    """The order and its parcel, both rows locked in that order (as every tracking write takes them)."""
    order = lifecycle.lock_order(order_id)
    return order, for_update(Parcel.select().where(Parcel.order == order_id)).get()


def refresh_trace(order_id):
    """Ask the provider for the parcel's trace now and store what is new (the console's 刷新物流)."""
    if not kuaidi100.configured():
        raise Conflict("未配置物流查询（KUAIDI100_CUSTOMER、KUAIDI100_KEY）", code="tracking_not_configured")
    parcel = _parcel_of(order_id)
    try:
        document = kuaidi100.query(company=parcel.carrier_code, number=parcel.tracking_no, phone=parcel.phone)
    except kuaidi100.ProviderError as exc:
        raise Conflict(f"物流查询失败：{exc}", code="tracking_query_failed") from exc
    return atomic_with_retry(lambda: _take_trace(*_lock_parcel(order_id), document))


@dataclass(frozen=True)
class TraceTaken:
    """What a push or query changed: events added, the parcel's state, whether the order was received now."""

    added: int
    state: str
    received: bool


def _trace_lines(document, parcel):
    number = str(document.get("nu", "") or "")
    company = str(document.get("com", "") or "")
    if (number and number != parcel.tracking_no) or (company and company != parcel.carrier_code):
        raise InvalidInput.on("param", "推送的快递单号与包裹不符")
    lines = document.get("data") or []
    if not isinstance(lines, list) or len(lines) > MAX_TRACE_EVENTS:
        raise InvalidInput.on("param", "物流记录格式不对")
    for item in lines:
        if not isinstance(item, dict):
            raise InvalidInput.on("param", "物流记录格式不对")
        at = _push_time(item.get("ftime") or item.get("time"))
        text = " ".join(str(item.get("context", "") or "").split())[:255]
        if at is None or not text:
            raise InvalidInput.on("param", "物流记录缺少时间或内容")
        yield {"at": at, "text": text, "place": str(item.get("areaName", "") or "")[:64],
               "status": str(item.get("status", "") or "")[:16],
               "digest": hashlib.sha1(f"{at:%Y%m%d%H%M%S}|{text}".encode("utf-8")).hexdigest()}


def _push_time(text):
    for layout in PUSH_TIME_FORMATS:
        try:
            moment = datetime.strptime(str(text or "").strip(), layout)
        except ValueError:
            continue
        if 2000 <= moment.year <= 2099:
            return utc_from_local(moment)
    return None


def _take_trace(order, parcel, document, *, aborted=False, note=""):
    """Store a trace document's new events and act on its state; runs inside the caller's transaction, which
    holds the order's and the parcel's locks."""
    lines = list(_trace_lines(document, parcel))
    # One statement for the whole trace: the lines already stored are skipped by the (parcel, digest) key.
    added = (ParcelEvent.insert_many([{"parcel": parcel.id, **row} for row in lines]).on_conflict_ignore()
             .as_rowcount().execute() if lines else 0)
    state = str(document.get("state", "") or "")[:8] or parcel.state
    if str(document.get("ischeck", "")) == "1":
        state = "3"
    newest = max((row["at"] for row in lines), default=parcel.last_trace_at)
    changes = {"state": state, "last_trace_at": max(filter(None, (newest, parcel.last_trace_at)), default=None)}
    if aborted and state not in kuaidi100.SIGNED_STATES:
        changes.update(subscription="aborted", last_error=f"快递100停止跟踪：{note}"[:255])
    Parcel.update(**changes).where(Parcel.id == parcel.id).execute()
    received = False
    if state in kuaidi100.SIGNED_STATES and order.status == "shipped":
        signed = max(lines, key=lambda row: row["at"], default=None)
        reason = f"快递签收：{signed['text']}" if signed else "快递签收"
        lifecycle.receive_step(order, actor="system:tracking", reason=reason)
        received = True
    if state in kuaidi100.RETURNED_STATES and order.status == "shipped":
        _notify(order, "parcel_returned", f"parcel:{parcel.id}:returned",
                state=kuaidi100.STATE_NAMES.get(state, "退回"))
    return TraceTaken(added, state, received)


def _notify(order, kind, dedupe_key, **data):
    recipient = recipient_agent(order.buyer_agent_id) if order.buyer_agent_id else RECIPIENT_OWNERS
    carrier = carrier_of_code(Parcel.get(Parcel.order == order.id).carrier_code)
    return enqueue(kind=kind, recipient=recipient, dedupe_key=dedupe_key,
                   data={"order_id": order.id, "order_no": lifecycle.order_no(order), "carrier": carrier.name,
                         "tracking_no": order.tracking_no, **data})


def watch_stuck_parcels(now=None):
    """Notify the buyer of each followed parcel whose trace has not moved for TRACKING_STUCK_DAYS (once per
    stall: a later trace line and a new stall notify again); returns how many notices were queued."""
    if not kuaidi100.configured():
        return 0
    now = now or utcnow()
    days = get_settings().TRACKING_STUCK_DAYS
    rows = (Parcel.select(Parcel, Order).join(Order)
            .where(Order.status == "shipped", Parcel.subscription == "subscribed",
                   Parcel.state.not_in(tuple(kuaidi100.SIGNED_STATES | kuaidi100.RETURNED_STATES)),
                   (Parcel.last_trace_at < now - timedelta(days=days))
                   | (Parcel.last_trace_at.is_null() & (Order.shipped_at < now - timedelta(days=days))))
            .order_by(Parcel.id).limit(1000))
    queued = 0
    for parcel in rows:
        stalled_from = parcel.last_trace_at or parcel.order.shipped_at
        if parcel.stuck_since == stalled_from:
            continue
        def work(parcel=parcel, stalled_from=stalled_from):
            order = lifecycle.lock_order(parcel.order_id)
            if not Parcel.update(stuck_since=stalled_from).where(
                    Parcel.id == parcel.id, (Parcel.stuck_since.is_null()) | (Parcel.stuck_since != stalled_from),
                    (Parcel.last_trace_at == parcel.last_trace_at) if parcel.last_trace_at else
                    Parcel.last_trace_at.is_null()).execute():
                return False
            return _notify(order, "parcel_stuck", f"parcel:{parcel.id}:stuck:{stalled_from:%Y%m%d%H%M%S}",
                           days=str(max((now - stalled_from).days, days)))
        queued += bool(atomic_with_retry(work))
    return queued


def returned_orders(order_ids):
    """Those of `order_ids` whose parcel the trace shows coming back (退签, 退回, 拒签), as a set."""
    if not order_ids:
        return set()
    return {row.order_id for row in Parcel.select(Parcel.order).where(
        Parcel.order.in_(list(order_ids)), Parcel.state.in_(tuple(kuaidi100.RETURNED_STATES)))}


# Share links

@dataclass(frozen=True)
class ShareLink:
    """An order's live share link."""

    token: str
    url: str
    show_prices: bool
    created_at: datetime


def tracking_url(token):
    """The customer's page of a share link."""
    return f"{get_settings().PUBLIC_BASE_URL.rstrip('/')}/t/{token}"


def _live_link(order_id):
    return (TrackingLink.select().where(TrackingLink.order == order_id, TrackingLink.revoked_at.is_null())
            .order_by(TrackingLink.id.desc()).first())


def _active_link(order_id, *, actor):
    return _live_link(order_id) or TrackingLink.create(order=order_id, token=secrets.token_urlsafe(24),
                                                       created_by=actor)


def _link_out(link):
    return ShareLink(link.token, tracking_url(link.token), link.show_prices, link.created_at)


def share_link(order_id, *, actor, agent=None, show_prices=None):
    """The order's live share link, made if it has none; `show_prices` (when given) sets whether the page shows
    the products' retail prices. An agent reaches only its own orders."""
    def work():
        lifecycle.lock_order(order_id, agent=agent)
        link = _active_link(order_id, actor=actor)
        if show_prices is not None and bool(show_prices) != link.show_prices:
            TrackingLink.update(show_prices=bool(show_prices)).where(TrackingLink.id == link.id).execute()
            link.show_prices = bool(show_prices)
        return _link_out(link)
    return atomic_with_retry(work)


def current_link(order_id):
    """The order's live share link, or None (reading only)."""
    link = _live_link(order_id)
    return _link_out(link) if link else None


def revoke_links(order_id, *, actor, agent=None):
    """Stop every share link of the order (a new one can be made later); returns how many were live."""
    def work():
        order = lifecycle.lock_order(order_id, agent=agent)
        count = TrackingLink.update(revoked_at=utcnow()).where(
            TrackingLink.order == order_id, TrackingLink.revoked_at.is_null()).execute()
        if count:
            lifecycle.log_event(order, "tracking_link_revoked", actor=actor, reason="分享链接已停用")
        return count
    return atomic_with_retry(work)


# Reading

@dataclass(frozen=True)
class TraceLine:
    at: datetime
    place: str
    text: str
    status: str


@dataclass(frozen=True)
class ParcelTrace:
    """A parcel as people see it: carrier, number, state, subscription and trace lines, newest first."""

    carrier_code: str
    carrier_name: str
    tracking_no: str
    state: str
    state_name: str
    subscription: str
    subscription_name: str
    last_error: str
    provider_configured: bool
    lines: tuple


def trace_of(order_id):
    """The order's parcel and trace, or None when it has no parcel (not shipped, or shipped before tracking)."""
    parcel = Parcel.get_or_none(Parcel.order == order_id)
    if parcel is None:
        return None
    lines = tuple(TraceLine(e.at, e.place, e.text, e.status) for e in
                  ParcelEvent.select().where(ParcelEvent.parcel == parcel.id)
                  .order_by(ParcelEvent.at.desc(), ParcelEvent.id.desc()).limit(MAX_TRACE_EVENTS))
    carrier = carrier_of_code(parcel.carrier_code)
    return ParcelTrace(parcel.carrier_code, carrier.name if carrier else parcel.carrier_code, parcel.tracking_no,
                       parcel.state, kuaidi100.STATE_NAMES.get(parcel.state, ""), parcel.subscription,
                       SUBSCRIPTION_NAMES.get(parcel.subscription, parcel.subscription), parcel.last_error,
                       kuaidi100.configured(), lines)


CUSTOMER_STATUS = {"awaiting_approval": "待确认", "rejected": "已取消", "pending_payment": "待付款", "paid": "已付款",
                   "picking": "配货中", "shipped": "已发货", "received": "已签收", "completed": "已完成",
                   "cancelled": "已取消", "refunded": "已退款"}
CLOSED_NOTES = {"cancelled": "该订单已取消", "rejected": "该订单已取消", "refunded": "该订单已退款"}


@dataclass(frozen=True)
class PageItem:
    name: str
    quantity: int
    amount: str  # the retail price times the quantity, in yuan; "" when prices are not shown or unknown


@dataclass(frozen=True)
class TrackingPage:
    """What the customer's page shows: nothing of the agent, no price the agent paid."""

    brand: str
    order_no: str
    status: str
    status_name: str
    closed_note: str
    consignee: str
    region: str
    items: tuple
    show_prices: bool
    retail_total: str
    timeline: tuple  # (label, at), oldest first
    trace: object  # ParcelTrace or None


def _masked(name):
    name = (name or "").strip()
    return (name[0] + "*" * min(max(len(name) - 1, 1), 3)) if name else ""


def tracking_page(token):
    """The page a share link opens, or NotFound (unknown or revoked link: the same answer)."""
    token = token if isinstance(token, str) and TOKEN.fullmatch(token) else None
    link = TrackingLink.get_or_none(TrackingLink.token == token, TrackingLink.revoked_at.is_null()) if token else None
    if link is None:
        raise NotFound("链接无效或已停用", code="tracking_link_not_found")
    order = Order.get_by_id(link.order_id)
    lines = list(OrderLine.select().where(OrderLine.order == order.id).order_by(OrderLine.id))
    retail = {}
    if link.show_prices:
        for line in lines:
            retail[line.id] = catalog.get_product(line.product_id).retail_fen
    items = tuple(PageItem(line.product_name, line.quantity,
                           format_yuan(retail[line.id] * line.quantity) if retail.get(line.id) else "")
                  for line in lines)
    total = sum(retail[line.id] * line.quantity for line in lines if retail.get(line.id))
    picked = (OrderEvent.select(OrderEvent.created_at).where(OrderEvent.order == order.id, OrderEvent.action == "pick")
              .order_by(OrderEvent.id).first())
    steps = [("下单", order.created_at), ("已付款", order.paid_at), ("配货中", picked.created_at if picked else None),
             ("已发货", order.shipped_at), ("已签收", order.received_at)]
    if order.status == "completed":
        steps.append(("已完成", order.closed_at))
    if order.status in CLOSED_NOTES:
        steps.append((CUSTOMER_STATUS[order.status], order.closed_at or order.received_at))
    return TrackingPage(
        brand=brand.current().name, order_no=lifecycle.order_no(order), status=order.status,
        status_name=CUSTOMER_STATUS.get(order.status, ""), closed_note=CLOSED_NOTES.get(order.status, ""),
        consignee=_masked(order.consignee_name), region=f"{order.province}{order.city}",
        items=items, show_prices=link.show_prices, retail_total=format_yuan(total) if total else "",
        timeline=tuple((label, at) for label, at in steps if at), trace=trace_of(order.id))


@dataclass(frozen=True)
class OrderTracking:
    """An order's parcel trace (None before shipment) and its live share link (None when there is none)."""

    order_id: int
    trace: object
    link: object


def order_tracking(order_id, *, agent=None):
    """The order's trace and share link; an agent sees only its own orders (another's is NotFound)."""
    query = Order.select(Order.id).where(Order.id == order_id)
    if agent is not None:
        query = query.where(Order.buyer_agent == agent.id)
    if query.first() is None:
        raise NotFound("订单不存在", code="order_not_found")
    return OrderTracking(order_id, trace_of(order_id), current_link(order_id))


def carrier_choices():
    """The carriers a shipment may name, in list order: (code, name)."""
    return [(carrier.code, carrier.name) for carrier in CARRIERS]
