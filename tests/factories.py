"""Builders for the objects tests need, with sensible defaults."""
import itertools

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
                                  expected={batch.product_id: len(texts)}, codes=texts, actor="test")
    return texts


def scan_client(app):
    """A test client that looks up codes from an address of its own (rate limits count per address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.{next(_sequence) % 250}.{next(_sequence) % 250}.7"
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


# --- console pages (issue 9) ---

def console_login(client, user, password=DEFAULT_PASSWORD):
    """Sign `user` in to the console pages through the login form; returns the session's CSRF token."""
    client.get("/admin/login")
    with client.session_transaction() as session:
        token = session["csrf_token"]
    response = client.post("/admin/login", data={"username": user.username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return console_csrf(client)


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
