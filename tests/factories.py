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
    from app.agents.models import Agent

    return Agent.create(level=level or make_level(), upline=upline, status=status, province=province,
                        city=city, wechat_user=wechat_user, name=fields.pop("name", unique("代理")),
                        phone=fields.pop("phone", "138%08d" % next(_sequence)),
                        invite_code=fields.pop("invite_code", unique("INV")), **fields)


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


def signed_query(token=OA_TOKEN, **extra):
    """The query string WeChat sends: timestamp, nonce and their signature with `token`."""
    from wechatpy.utils import WeChatSigner

    timestamp, nonce = str(int(time.time())), unique("nonce")
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
    body = response.get_data(as_text=True)
    if body == "success":
        return None
    return re.search(r"<Content><!\[CDATA\[(.*)\]\]></Content>", body, re.S).group(1)


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
