"""What a person sees instead of internal ids: agents' and accounts' names, order numbers, Chinese names of
message kinds and recipients, 系统 for the jobs.

Templates call these as globals (`agent_link(id)`, `actor_name(actor)`, `reference_link(ref)`,
`recipient_name(r)`, `kind_name(kind)`). Names are looked up once per request and id; a list page names
its rows' ids first with `prefetch(agents=…, orders=…, actors=…)`, so that a page of fifty rows costs one
query per kind of name rather than fifty.
"""
from flask import g, url_for
from markupsafe import Markup, escape

from app.accounts import service as accounts
from app.agents import service as agents
from app.errors import DomainError
from app.notify.service import CHAT_REPLY_KIND
from app.notify.service import KIND_NAMES
from app.orders import service as orders

SYSTEM = "系统"
SYSTEM_ACTORS = ("", "system", "seed", "scheduler", "job", "jobs")
RECIPIENT_NAMES = {"owners": "全体品牌方"}
# References that name a record without a page of its own.
REFERENCE_NAMES = {"topup": "货款充值", "withdrawal": "提现", "refund": "退款"}
UNKNOWN_KIND = "其他消息"
CHAT_REPLY = "聊天回复"


def is_digit_text(value):
    """True for an id as text: ASCII digits only ('²'.isdigit() is True, yet it is no id)."""
    text = str(value) if value is not None else ""
    return text.isascii() and text.isdigit()


def _known(kind):
    """The per-request memo of names of one kind ({id: name})."""
    memo = g.setdefault("_names", {})
    return memo.setdefault(kind, {})


_LOOKUPS = {"agent": agents.names_of, "admin": accounts.display_names, "order": orders.order_numbers}


def _look_up(kind, ids):
    known = _known(kind)
    missing = {int(i) for i in ids if i is not None and str(i).isascii() and str(i).isdigit()} - set(known)
    if missing:
        found = _LOOKUPS[kind](missing)
        known.update({i: found.get(i) for i in missing})
    return known


def _name(kind, raw_id):
    if raw_id is None or not str(raw_id).isascii() or not str(raw_id).isdigit():
        return None
    return _look_up(kind, [raw_id]).get(int(raw_id))


def _split(text):
    """("agent", "12") for "agent:12"; (text, None) when it names no id."""
    head, _, tail = (text or "").partition(":")
    return (head, tail.split(":")[0]) if tail else (text or "", None)


def prefetch(*, agents=(), orders=(), admins=(), actors=(), references=()):
    """Look up at once the names a list is about to show; renders as nothing."""
    agent_ids, order_ids, admin_ids = list(agents), list(orders), list(admins)
    for text in list(actors) + list(references):
        kind, raw = _split(text or "")
        {"agent": agent_ids, "admin": admin_ids, "order": order_ids}.get(kind, []).append(raw)
    for kind, ids in (("agent", agent_ids), ("order", order_ids), ("admin", admin_ids)):
        if ids:
            _look_up(kind, ids)
    return ""


def _link(endpoint, text, **values):
    from app.admin.pages.web import may_open  # the page registry (imported late: web imports this module)

    if g.get("admin") is not None and may_open(g.admin, endpoint):
        return Markup('<a href="{}">{}</a>').format(url_for(endpoint, **values), text)
    return escape(text)


def agent_name(agent_id, blank="—"):
    """An agent's name (blank when none; 已删除的代理 when the id names none)."""
    if agent_id is None:
        return blank
    return _name("agent", agent_id) or "已删除的代理"


def agent_label(value):
    """What an agent picker shows for a chosen agent: "name phone" for an id, the typed text otherwise."""
    text = str(value)
    if not (text.isascii() and text.isdigit()):
        return text
    try:
        agent = agents.get_agent(int(text))
    except DomainError:
        return text
    return f"{agent.name} {agent.phone}"


def agent_link(agent_id, blank="—"):
    """An agent's name linked to its page (when the user may open it)."""
    if agent_id is None:
        return blank
    return _link("console.agent", agent_name(agent_id), agent_id=int(agent_id))


def order_number(order_id):
    """An order's number (订单号), or an empty string when the id names none."""
    return _name("order", order_id) or ""


def order_link(order_id):
    """An order's number linked to its page."""
    if order_id is None:
        return "—"
    number = order_number(order_id)
    return _link("console.order", number, order_id=int(order_id)) if number else "—"


def actor_name(actor):
    """Who did something, as people know them: a console account's display name, an agent's name, 系统 for jobs."""
    if isinstance(actor, int):
        return accounts_name(actor)
    kind, raw = _split(str(actor or "").strip())
    if raw is None:
        return SYSTEM if kind in SYSTEM_ACTORS else kind
    if kind == "admin":
        return accounts_name(raw)
    if kind == "agent":
        return f"代理 {agent_name(raw)}"
    return SYSTEM if kind in SYSTEM_ACTORS else str(actor)


def accounts_name(user_id):
    """A console account's display name (系统 when none)."""
    if user_id is None:
        return SYSTEM
    return _name("admin", user_id) or "已删除的账号"


def reference_link(reference):
    """A stock move's or payment's reference as a person reads it: the order's number (linked), the transfer or
    stock-take it belongs to; blank for none."""
    kind, raw = _split(str(reference or "").strip())
    if raw is None:
        return "" if not kind else kind
    if kind == "order":
        tail = str(reference).split(":")[2:]
        label = order_link(raw)
        return Markup("{} {}").format(label, "退货") if tail[:1] == ["refund"] else label
    if kind == "transfer":
        return _link("console.transfer_detail", f"调拨单 #{raw}", transfer_id=int(raw)) if raw.isdigit() else reference
    if kind in REFERENCE_NAMES:
        return f"{REFERENCE_NAMES[kind]} #{raw}"
    if kind in ("stocktake", "stock_take"):
        return _link("console.stock_take", f"盘点 #{raw}", stock_take_id=int(raw)) if raw.isdigit() else reference
    return reference


def recipient_name(recipient):
    """A message's recipient as people know them: 全体品牌方, a console account's name, an agent's name."""
    recipient = str(recipient or "")
    if recipient in RECIPIENT_NAMES:
        return RECIPIENT_NAMES[recipient]
    kind, raw = _split(recipient)
    if kind == "admin":
        return accounts_name(raw)
    if kind == "agent":
        return f"代理 {agent_name(raw)}"
    if kind == "openid":
        return "公众号用户"
    return recipient


def kind_name(kind):
    """A message kind's Chinese name (其他消息 for one without a name)."""
    return CHAT_REPLY if kind == CHAT_REPLY_KIND else KIND_NAMES.get(kind, UNKNOWN_KIND)


TEMPLATE_GLOBALS = {"agent_link": agent_link, "agent_name": agent_name, "order_link": order_link,
                    "order_number": order_number, "actor_name": actor_name, "reference_link": reference_link,
                    "recipient_name": recipient_name, "kind_name": kind_name, "prefetch": prefetch,
                    "accounts_name": accounts_name, "agent_label": agent_label}
