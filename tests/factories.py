"""Builders for the objects tests need, with sensible defaults."""
import contextlib
import dataclasses
import itertools
import re
import time

from app.accounts import service as accounts

_sequence = itertools.count(1)
DEFAULT_PASSWORD = "correct-horse-9"


def unique(prefix):
    """A name no other object in this test run has."""
    return f"{prefix}{next(_sequence)}"


def make_admin(role="owner", *, username=None, password=DEFAULT_PASSWORD):
    """A console user of `role`."""
    return accounts.create_admin_user(username=username or unique(role), password=password, role=role)


def admin_headers(client, user, password=DEFAULT_PASSWORD):
    """Authorization headers for a console user, obtained through the login endpoint."""
    response = client.post("/admin/api/auth/login", json={"username": user.username, "password": password})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": "Bearer " + response.get_json()["token"]}


def wechat_login(client, fake_wechat, openid=None):
    """Log a WeChat user in through the fake WeChat server; returns (headers, body)."""
    code = fake_wechat.issue_login_code(openid or unique("openid-"))
    response = client.post("/api/mp/auth/login", json={"code": code})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return {"Authorization": "Bearer " + body["token"]}, body


def make_level(name=None, rank=None, **fields):
    """An agent level; rank defaults to one below every existing level."""
    from app.agents.models import AgentLevel

    if rank is None:
        rank = (AgentLevel.select(AgentLevel.rank).order_by(AgentLevel.rank.desc()).scalar() or 0) + 1
    return AgentLevel.create(name=name or unique("等级"), rank=rank, **fields)


def make_wechat_user(openid=None):
    """A WeChat user of the mini-program."""
    from app.accounts.models import WechatUser

    return WechatUser.create(openid=openid or unique("openid-"))


def make_agent(*, level=None, upline=None, status="active", province="广东省", city="深圳市",
               wechat_user=None, **fields):
    """An agent (active, in Shenzhen, at a new level unless given)."""
    from app.agents import tree
    from app.agents.models import Agent

    agent = Agent.create(level=level or make_level(), upline=upline, status=status, province=province,
                         city=city, wechat_user=wechat_user, name=fields.pop("name", unique("代理")),
                         phone=fields.pop("phone", "138%08d" % next(_sequence)),
                         invite_code=fields.pop("invite_code", unique("INV")), **fields)
    tree.attach(agent.id, agent.upline_id)
    return agent


def agent_headers(client, fake_wechat, agent=None, **agent_fields):
    """Log an agent in through the fake WeChat server; returns (headers, agent)."""
    from app.accounts.models import WechatUser
    from app.agents.models import Agent

    headers, body = wechat_login(client, fake_wechat)
    wechat_user = WechatUser.get_by_id(body["user_id"])
    if agent is None:
        agent = make_agent(wechat_user=wechat_user, **agent_fields)
    else:
        Agent.update(wechat_user=wechat_user).where(Agent.id == agent.id).execute()
    return headers, agent


# --- agents: the network (issue 3) ---

def make_network_levels(*, general=None, regional=None, ordinary=None):
    """The three usual levels, highest first: 总代理, 区域代理, 普通代理 (each with optional settings)."""
    return [make_level(unique(name), **(settings or {}))
            for name, settings in (("总代理", general), ("区域代理", regional), ("普通代理", ordinary))]


def make_chain(length, *, level=None, top=None):
    """`length` agents each recruited by the one before (under `top` if given), top first."""
    chain = []
    for _ in range(length):
        chain.append(make_agent(level=level or (top.level if top else None), upline=chain[-1] if chain else top))
    return chain


def buy(agent, amount_yuan, *, days_ago=0):
    """Record a purchase of the agent's through the ledger the orders domain will feed."""
    from datetime import timedelta

    from app.agents import service as agents
    from app.clock import utcnow

    order_id = next(_sequence)
    agents.record_purchase(order_id=order_id, agent_id=agent.id, amount_fen=int(amount_yuan * 100),
                           at=utcnow() - timedelta(days=days_ago))
    return order_id


def apply_with_invite(client, headers, inviter, **body):
    """POST an application with the inviter's code; returns the response."""
    payload = {"invite_code": inviter.invite_code, "name": unique("申请人"), "phone": "13912345678", **body}
    return client.post("/api/mp/agents/applications", headers=headers, json=payload)


def outcomes_in_threads(call, times):
    """Run `call` in `times` threads at once, each on its own connection; sorted outcomes:
    "ok", or the class name of the domain error it raised."""
    import threading

    from app.database import db
    from app.errors import DomainError

    barrier, outcomes = threading.Barrier(times), []

    def run():
        db.connect(reuse_if_open=True)
        try:
            barrier.wait()
            call()
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(type(exc).__name__)
        finally:
            db.close()
    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


# --- catalogue and inventory ---

def make_product(**fields):
    """An active product with a unique name (Chinese, as the brand names them)."""
    from app.catalog import service as catalog

    return catalog.create_product(name=fields.pop("name", unique("玫瑰面霜")), **fields)


def make_warehouse(*, provinces=("广东省",), **fields):
    """An active warehouse serving `provinces`."""
    from app.inventory import service as inventory

    return inventory.create_warehouse(name=fields.pop("name", unique("仓库")), provinces=provinces, **fields)


def stocked(on_hand=20, *, product=None, warehouse=None):
    """A product received into a warehouse (`on_hand` units); returns (product, warehouse)."""
    from app.inventory import service as inventory

    product, warehouse = product or make_product(), warehouse or make_warehouse()
    inventory.receive(warehouse_id=warehouse.id, lines=[{"product_id": product.id, "quantity": on_hand}])
    return product, warehouse


def stock_of(product, warehouse):
    """(on_hand, reserved) of a product in a warehouse, read fresh."""
    from app.inventory.models import Stock

    row = Stock.get_or_none(Stock.product == product.id, Stock.warehouse == warehouse.id)
    return (row.on_hand, row.reserved) if row else (0, 0)


def line(product, quantity):
    """One order line for the stock service."""
    return {"product_id": product.id, "quantity": quantity}


# --- authenticity codes and price control (issue 7) ---

def make_batch(quantity=3, *, product=None, **fields):
    """A batch of `quantity` item codes for a product (a new one unless given)."""
    from app.codes import service as codes

    return codes.create_batch(product_id=(product or make_product()).id, lot=fields.pop("lot", unique("LOT")),
                              quantity=quantity, **fields)


def codes_of(batch, *, boxes=False):
    """The texts of a batch's item (or box) codes, in serial order."""
    from app.codes import service as codes

    return [code for _, code in codes.iter_codes(batch.id, boxes=boxes)]


def shipped(batch, agent, *, order_id=None, count=None):
    """Bind the batch's first `count` item codes (all by default) to an order of `agent`; returns the codes."""
    from app.codes import service as codes

    texts = codes_of(batch)[:count]
    codes.bind_codes_for_shipment(order_id=order_id or next(_sequence), agent_id=agent.id, province="",
                                  dropship=False, expected={batch.product_id: len(texts)}, codes=texts, actor="test")
    return texts


def picked_up(agent, quantity, *, consignee=None):
    """`quantity` units bought into `agent`'s cloud stock, then taken out by a 提货 pickup that ships with the codes
    of a batch of theirs packed (to `consignee`, the agent itself when None); returns (pickup, the codes)."""
    from app.cloud import service as cloud

    product, _ = orderable(on_hand=quantity)
    in_cloud(agent, product, quantity)
    texts = codes_of(make_batch(quantity, product=product))
    taken, _ = cloud.request_pickup(agent=agent, idempotency_key=unique("p-"), consignee=consignee or ADDRESS,
                                    items=[{"product_id": product.id, "quantity": quantity}])
    cloud.pick_pickup(taken.id, actor="admin:1")
    cloud.ship_pickup(taken.id, actor="admin:1", carrier="顺丰", tracking_no=unique("SF"), codes_scanned=texts)
    return taken, texts


def scan_client(app):
    """A test client that looks up codes from an address of its own, never another's in the session (rate limits
    count per address, and a test may use up an address's window)."""
    client = app.test_client()
    number = next(_sequence)
    client.environ_base["REMOTE_ADDR"] = f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"
    return client


def mistype(code):
    """The code with one character changed (the check character then fails)."""
    swapped = "A" if code[0] != "A" else "B"
    return swapped + code[1:]


class overridden_settings:
    """Context manager: run with some settings changed, restored afterwards."""

    def __init__(self, **values):
        self.values = values

    def __enter__(self):
        from dataclasses import replace

        from app.config import configure, get_settings

        self.saved = get_settings()
        configure(replace(self.saved, **self.values))

    def __exit__(self, *exc):
        from app.config import configure

        configure(self.saved)


# --- orders (issue 5) ---

ADDRESS = {"address": "科技园路1号"}


def orderable(price_yuan=100, *, on_hand=50, cost_yuan=40, retail_yuan=300, warehouse=None, **product_fields):
    """A product priced at `price_yuan` for every active level and stocked; returns (product, warehouse)."""
    from app.agents import service as agents
    from app.catalog import service as catalog

    product = make_product(cost_fen=int(cost_yuan * 100), retail_fen=int(retail_yuan * 100), **product_fields)
    for level in agents.active_levels():
        catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=int(price_yuan * 100))
    return stocked(on_hand, product=product, warehouse=warehouse)


def place(agent, *items, key=None, consignee=None, remark=""):
    """An order of `agent` for (product, quantity) pairs, placed as the mini-program does."""
    from app.orders import placement

    return placement.place_order(placed_by=f"agent:{agent.id}", idempotency_key=key or unique("key-"),
                                 buyer_agent=agent, items=[line(p, q) for p, q in items],
                                 consignee=consignee or ADDRESS, remark=remark)


def paid(order, actor="admin:1"):
    """The order with its payment confirmed in full; returns it fresh."""
    from app.orders import service

    service.confirm_payment(order.id, actor=actor, method="offline", amount_fen=order.total_fen)
    return service.get_order(order.id)


def advanced(order, *actions):
    """The order taken through `actions` (pay, pick, ship, receive, complete) in turn; returns it fresh."""
    from app.orders import service

    steps = {"pay": lambda: paid(order), "pick": lambda: service.pick(order.id, actor="admin:1"),
             "ship": lambda: service.ship(order.id, actor="admin:1", carrier="顺丰", tracking_no=unique("SF")),
             "receive": lambda: service.receive(order.id, actor="admin:1"),
             "complete": lambda: service.complete(order.id, actor="admin:1")}
    for action in actions:
        steps[action]()
    return service.get_order(order.id)


# --- chat and notifications (official account, outbox) -------------------------

OA_TOKEN = "oa-token"


@contextlib.contextmanager
def settings_changed(**changes):
    """Run the block with some settings replaced (the services and /wechat read them per call)."""
    from app.config import configure, get_settings

    original = get_settings()
    configure(dataclasses.replace(original, **changes))
    try:
        yield
    finally:
        configure(original)


def signed_query(token=OA_TOKEN, *, timestamp=None, **extra):
    """The query string WeChat sends: timestamp (now unless given), nonce and their signature with `token`."""
    from wechatpy.utils import WeChatSigner

    timestamp, nonce = timestamp or str(int(time.time())), unique("nonce")
    signer = WeChatSigner()
    signer.add_data(token, timestamp, nonce)
    return {"timestamp": timestamp, "nonce": nonce, "signature": signer.signature, **extra}


def text_xml(openid, content, *, msg_id=None):
    """A text message as WeChat posts it."""
    return (f"<xml><ToUserName><![CDATA[gh_brand]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id or next(_sequence) + 10**15}</MsgId></xml>")


def event_xml(openid, event, *, key=None, created=None):
    """An event (subscribe, SCAN, unsubscribe, CLICK) as WeChat posts it."""
    event_key = f"<EventKey><![CDATA[{key}]]></EventKey>" if key is not None else ""
    return (f"<xml><ToUserName><![CDATA[gh_brand]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{created or int(time.time()) + next(_sequence)}</CreateTime>"
            f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>{event_key}</xml>")


def post_wechat(client, xml, *, safe=False, query=None):
    """POST a message to /wechat, signed (and in safe mode encrypted) as WeChat does; returns the response."""
    query = query or signed_query()
    body = xml
    if safe:
        from tests.conftest import OA_AES_KEY, OA_APPID
        from wechatpy.crypto import WeChatCrypto

        crypto = WeChatCrypto(OA_TOKEN, OA_AES_KEY, OA_APPID)
        envelope = crypto.encrypt_message(xml, query["nonce"], query["timestamp"])
        body = envelope
        msg_signature = re.search(r"<MsgSignature><!\[CDATA\[(\w+)\]\]>", envelope).group(1)
        query = {**query, "encrypt_type": "aes", "msg_signature": msg_signature}
    return client.post("/wechat", query_string=query, data=body.encode() if isinstance(body, str) else body,
                       content_type="text/xml")


def reply_content(response):
    """The text of a passive reply (plaintext mode), or None for "success"."""
    from xml.etree.ElementTree import fromstring

    body = response.get_data(as_text=True)
    if body == "success":
        return None
    return fromstring(body).findtext("Content")


def chat(client, openid, content, **kwargs):
    """Send a text message and return the reply text."""
    response = post_wechat(client, text_xml(openid, content, **kwargs))
    assert response.status_code == 200, response.get_data(as_text=True)
    return reply_content(response)


def make_binding(account, openid=None):
    """A follower of the official account bound to `account` ("admin:<id>" / "agent:<id>")."""
    from app.chat.models import WechatBinding

    return WechatBinding.create(account=account, openid=openid or unique("oa-openid-"))


def bind_scene_from_fake(fake_wechat):
    """The scene string of the last bind QR created at the fake WeChat server."""
    return fake_wechat.delivered("/cgi-bin/qrcode/create")[-1]["action_info"]["scene"]["scene_str"]


# --- chat commands that reach other domains (issue 8) ---

def bound_admin(role="owner"):
    """A console user of `role` whose WeChat follows the official account; returns (user, openid)."""
    user = make_admin(role)
    return user, make_binding(f"admin:{user.id}").openid


def bound_agent(**fields):
    """An agent whose WeChat follows the official account; returns (agent, openid)."""
    agent = make_agent(**fields)
    return agent, make_binding(f"agent:{agent.id}").openid


def pending_application(inviter=None, *, name=None):
    """An application waiting for the owner, under `inviter` (a new agent unless given)."""
    from app.agents import service as agents

    return agents.apply(wechat_user_id=make_wechat_user().id, invite_code=(inviter or make_agent()).invite_code,
                        name=name or unique("申请人"), phone="13912345678")


def pending_proposal():
    """A promotion waiting for the owner (the top level needs approval); returns (proposal, agent)."""
    from datetime import timedelta

    from app.agents import service as agents
    from app.agents.models import LevelProposal
    from app.clock import utcnow

    _, regional, _ = make_network_levels(general={"promote_purchase_fen": 100, "level_changes_need_approval": True})
    agent = make_agent(level=regional, level_since=utcnow() - timedelta(days=200))
    buy(agent, 1)
    agents.review_levels()
    return LevelProposal.get(LevelProposal.agent == agent.id, LevelProposal.status == "pending"), agent


# --- finance: settlement, commission, withdrawals (issue 6) ---

def make_rules(*, max_depth=3, allow_deeper=False, **sections):
    """A commission rule version in force from today: e.g. make_rules(level_difference={"enabled": True})."""
    from app.clock import local_today
    from app.finance import service as finance

    rules = {name: {"enabled": True, **body} for name, body in sections.items()}
    version, _ = finance.create_version(rules=rules, effective_from=local_today(), max_depth=max_depth,
                                        allow_deeper=allow_deeper)
    return version


def priced_product(prices, *, cost_fen=0):
    """A product with a level price (fen) for each level in `prices` {level: fen}."""
    from app.catalog import service as catalog

    product = make_product(cost_fen=cost_fen)
    for level, price_fen in prices.items():
        catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=price_fen)
    return product


def paid_order(buyer, items, *, shipping_fen=0, paid_at=None, order_id=None):
    """The PaidOrder facts orders hand finance: `items` are (product, quantity, unit price fen[, discount fen[, cost]])."""
    from app.clock import utcnow
    from app.finance.inputs import PaidOrder, SoldLine

    lines = tuple(SoldLine(product_id=item[0].id, quantity=item[1], unit_price_fen=item[2],
                           discount_fen=item[3] if len(item) > 3 else 0,
                           unit_cost_fen=item[4] if len(item) > 4 else item[0].cost_fen) for item in items)
    subtotal = sum(line.unit_price_fen * line.quantity for line in lines)
    discount = sum(line.discount_fen for line in lines)
    order_id = order_id or next(_sequence)
    return PaidOrder(order_id=order_id, order_no=f"WS{order_id:08d}", buyer_agent_id=buyer.id if buyer else None,
                     paid_at=paid_at or utcnow(), lines=lines, subtotal_fen=subtotal, discount_fen=discount,
                     shipping_fen=shipping_fen, total_fen=subtotal - discount + shipping_fen)


def refund_of(paid, items=(), *, shipping_fen=0, whole=False, refund_id=None, at=None, goods_back=True):
    """An OrderRefund of `paid`: `items` are (product, quantity, amount fen)."""
    from app.clock import utcnow
    from app.finance.inputs import OrderRefund, RefundedLine

    return OrderRefund(refund_id=refund_id or unique("RF"), order_id=paid.order_id, refunded_at=at or utcnow(),
                       lines=tuple(RefundedLine(product_id=p.id, quantity=q, amount_fen=a) for p, q, a in items),
                       shipping_fen=shipping_fen, whole_order=whole, goods_back=goods_back)


def earned(agent):
    """{rule: fen} of the agent's commission lines, net of reversals."""
    from app.finance.models import CommissionLine

    totals = {}
    for line in CommissionLine.select().where(CommissionLine.agent == agent.id):
        totals[line.rule] = totals.get(line.rule, 0) + line.amount_fen - line.reversed_fen
    return totals


def balance_of(agent):
    """(pending, available, held, withdrawn) of the agent's balance, in fen."""
    from app.finance import ledger

    row = ledger.balance_of(agent.id)
    return (row.pending_fen, row.available_fen, row.held_fen, row.withdrawn_fen)


def completed_and_released(paid):
    """Mark the order completed long enough ago that its commission is released now."""
    from datetime import timedelta

    from app.clock import utcnow
    from app.finance import service as finance

    finance.mark_order_completed(order_id=paid.order_id, at=utcnow() - timedelta(days=30))
    finance.release_available_commissions()


def with_available(amount_fen, *, agent=None):
    """An agent with `amount_fen` of available commission (a released level difference on one order)."""
    levels = [make_level(), make_level()]
    product = priced_product({levels[0]: 10000, levels[1]: 10000 + amount_fen})
    make_rules(level_difference={})
    agent = agent or make_agent(level=levels[0])
    paid = paid_order(make_agent(level=levels[1], upline=agent), [(product, 1, 10000 + amount_fen)])
    from app.finance import service as finance

    finance.settle_paid_order(paid)
    completed_and_released(paid)
    return agent


def ladder_order(*, quantity=2, discount_fen=0, shipping_fen=0):
    """A settled order of a buyer (¥100) under uplines at ¥80, ¥60 and ¥50 (cost ¥30 a unit): returns
    (paid, product, [buyer, regional, general, top])."""
    from app.finance import service as finance

    levels = [make_level() for _ in range(4)]
    product = priced_product(dict(zip(levels, (5000, 6000, 8000, 10000))), cost_fen=3000)
    make_rules(level_difference={})
    chain = []
    for level in levels:
        chain.append(make_agent(level=level, upline=chain[-1] if chain else None))
    paid = paid_order(chain[-1], [(product, quantity, 10000, discount_fen)], shipping_fen=shipping_fen)
    finance.settle_paid_order(paid)
    return paid, product, chain[::-1]


# --- console pages (issue 9) ---

def console_login(client, user, password=DEFAULT_PASSWORD):
    """Sign `user` in to the console pages through the login form; returns the session's CSRF token."""
    client.get("/admin/login")
    with client.session_transaction() as session:
        token = session["csrf_token"]
    response = client.post("/admin/login", data={"username": user.username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return console_csrf(client)


def console_as(client, role):
    """`client` signed in to the console as a new user of `role`; returns the user."""
    user = make_admin(role)
    console_login(client, user)
    return user


def console_csrf(client):
    """The CSRF token of the client's current console session."""
    with client.session_transaction() as session:
        return session["csrf_token"]


def console_post(client, path, data=None, **kwargs):
    """A console form POST carrying the session's CSRF token."""
    return client.post(path, data={**(data or {}), "csrf_token": console_csrf(client)}, **kwargs)


def make_application(inviter=None, **fields):
    """A pending application to join under `inviter` (a new agent unless given), as the mini-program makes it."""
    from app.agents import service as agents

    inviter = inviter or make_agent()
    return agents.apply(wechat_user_id=make_wechat_user().id, invite_code=inviter.invite_code,
                        name=fields.pop("name", unique("申请人")), phone=fields.pop("phone", "13912345678"), **fields)


def pending_withdrawal(amount_fen=20000):
    """An agent's pending withdrawal of `amount_fen` (from as much available commission)."""
    from app.finance import service as finance

    return finance.request_withdrawal(agent_id=with_available(amount_fen).id, amount_fen=amount_fen)


def queued_message(status="pending", kind="low_stock", recipient="owners"):
    """A message in the outbox, moved to `status` (with an error unless pending)."""
    from app.notify import service as notify
    from app.notify.models import Notification

    key = unique("k-")
    notify.enqueue(kind=kind, recipient=recipient, data={"product": "面霜"}, dedupe_key=key)
    Notification.update(status=status, last_error="x" if status != "pending" else "").where(
        Notification.dedupe_key == key).execute()
    return Notification.get(Notification.dedupe_key == key)


def price_violation():
    """An open price_low violation: an agent sold at 1.00 a product ranged 99.00–129.00 for its level."""
    from app.catalog import service as catalog
    from app.codes import service as codes
    from app.codes.models import Violation

    level, product = make_level(), make_product()
    catalog.set_price_range(product_id=product.id, level_id=level.id, min_fen=9900, max_fen=12900)
    agent = make_agent(level=level)
    codes.record_retail_sale(agent_id=agent.id, client_ref="v", customer_name="王",
                             items=[{"product_id": product.id, "quantity": 1, "unit_fen": 100}])
    return Violation.get(Violation.agent == agent.id)


# --- cloud stock (云仓, issue 19) ---

def in_cloud(agent, product, quantity, *, key=None):
    """A cloud order of `agent` for `quantity` units of `product`, placed and paid: the units are in its cloud
    stock. Returns the order, fresh."""
    from app.orders import placement

    order = placement.place_order(placed_by=f"agent:{agent.id}", idempotency_key=key or unique("cloud-"),
                                  buyer_agent=agent, items=[line(product, quantity)], to_cloud=True)
    return paid(order)


def cloud_units(agent, product, warehouse=None):
    """The agent's cloud units of a product (in one warehouse, or all), read fresh."""
    from app.cloud.models import CloudStock

    query = CloudStock.select().where(CloudStock.agent == agent.id, CloudStock.product == product.id)
    if warehouse is not None:
        query = query.where(CloudStock.warehouse == warehouse.id)
    return sum(row.units for row in query)


# --- parcel tracking (issue 21) ---

CUSTOMER = {"name": "王小美", "phone": "13911112222", "province": "浙江省", "city": "杭州市", "district": "西湖区",
            "address": "文三路100号"}


def tracked_order(*, agent=None, carrier="zhongtong", tracking_no=None, price_yuan=100, quantity=2):
    """An agent's order shipped straight to a customer (一件代发) with `carrier`; returns it fresh."""
    from app.orders import service

    agent = agent or make_agent()
    product, _ = orderable(price_yuan)
    order = advanced(place(agent, (product, quantity), consignee=CUSTOMER), "pay", "pick")
    service.ship(order.id, actor="admin:1", carrier=carrier, tracking_no=tracking_no or unique("ZT"))
    return service.get_order(order.id)


def push_to(client, fake, order, *, sign=None, **trace):
    """The fake 快递100 pushing `trace` (state, lines …) for the order's parcel through `client`; the response."""
    from urllib.parse import urlsplit

    from tests.fake_kuaidi100 import md5_upper

    company, number = next((key for key in fake.subscriptions if key[1] == order.tracking_no))
    parameters = fake.subscriptions[(company, number)]
    param = trace.pop("param", None) or fake.push_body(company, number, **trace)
    return client.post(urlsplit(parameters["callbackurl"]).path,
                       data={"param": param, "sign": sign or md5_upper(param + parameters["salt"])})
# --- goods-payment balance (货款) ---

def with_goods(amount_fen, *, agent=None):
    """An agent with `amount_fen` in its goods balance (a confirmed top-up)."""
    from app.database import db
    from app.finance import service as finance

    agent = agent or make_agent()
    with db.atomic():
        finance.credit_goods(agent_id=agent.id, amount_fen=amount_fen, reason="topup", reference=unique("test-topup"))
    return agent


def goods_of(agent):
    """(balance, held) of the agent's goods balance, in fen."""
    from app.finance import service as finance

    view = finance.goods_balance(agent_id=agent.id)
    return (view.balance_fen, view.held_fen)
