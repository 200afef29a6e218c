"""Official-account chat use cases: binding accounts to followers, knowing who asks, handling each message once."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from app import wechat
from app.accounts import service as accounts
from app.agents import service as agents
from app.chat.models import BindToken, InboundMessage, SeenSignature, WechatBinding
from app.clock import utcnow
from app.config import get_settings
from app.database import db, paginate
from app.errors import Conflict, Forbidden, NotFound, Unavailable

BIND_SCENE_PREFIX = "bind:"
HANDLED_MESSAGE_RETENTION_DAYS = 3
# How far a signed request's timestamp may lie from our clock; a signature is remembered this long (twice, to be safe).
SIGNATURE_WINDOW_SECONDS = 300
ACTIVE_AGENT_STATUSES = ("pending", "active", "suspended", "expired")


@dataclass(frozen=True)
class BindQr:
    """A temporary parametric QR of the official account whose scan binds the scanner."""

    url: str
    image_url: str
    expires_in: int


@dataclass(frozen=True)
class Asker:
    """Who sent a chat message: always an openid; an account and role once bound."""

    openid: str
    account: str = None
    role: str = None
    name: str = ""
    rebind: bool = False  # bound to a console account whose sessions were revoked since: it must bind again

    @property
    def bound(self):
        return self.account is not None

    @property
    def record_id(self):
        """The admin user's or agent's id behind the account."""
        return int(self.account.split(":", 1)[1]) if self.account else None


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue_bind_qr(*, account):
    """A one-time bind QR for `account` ("admin:<id>" or "agent:<id>"), valid BIND_TOKEN_TTL_SECONDS."""
    settings = get_settings()
    if not settings.wechat_oa_configured:
        raise Unavailable("公众号尚未配置，无法生成绑定二维码", code="wechat_not_configured")
    token = secrets.token_urlsafe(18)
    ttl = settings.BIND_TOKEN_TTL_SECONDS
    with db.atomic():
        BindToken.create(token_hash=_hash(token), account=account, token_version=_token_version(account),
                         expires_at=utcnow() + timedelta(seconds=ttl))
    client = wechat.official_account_client()
    request = {"expire_seconds": ttl, "action_name": "QR_STR_SCENE",
               "action_info": {"scene": {"scene_str": BIND_SCENE_PREFIX + token}}}
    with wechat.failures_as_domain_errors("qrcode/create"):
        qr = wechat.call_with_token_refresh(client, lambda: client.qrcode.create(request))
    return BindQr(url=qr["url"], image_url=client.qrcode.get_url(qr["ticket"]),
                  expires_in=int(qr.get("expire_seconds", ttl)))


def is_bind_scene(scene):
    """True when a QR scene is one of our bind scenes."""
    return bool(scene) and scene.startswith(BIND_SCENE_PREFIX)


def bind_by_scene(*, scene, openid):
    """Bind the follower to the account whose unused, unexpired token the scene carries; returns the account.

    The token is spent in the same transaction; an earlier binding of the account or of
    the openid is replaced.
    """
    token_hash = _hash(scene[len(BIND_SCENE_PREFIX):])
    now = utcnow()
    with db.atomic():
        spent = (BindToken.update(used_at=now)
                 .where(BindToken.token_hash == token_hash, BindToken.used_at.is_null(), BindToken.expires_at > now)
                 .execute())
        if not spent:
            raise Conflict("绑定二维码已过期或已使用，请重新生成", code="bind_token_invalid")
        spent_token = BindToken.get(BindToken.token_hash == token_hash)
        account = spent_token.account
        WechatBinding.delete().where((WechatBinding.account == account) | (WechatBinding.openid == openid)).execute()
        # The version the QR was made under: a QR made before the sessions were revoked binds powerless.
        WechatBinding.create(account=account, openid=openid, token_version=spent_token.token_version)
    return account


def _token_version(account):
    """A console account's current token version (0 for agents, whose bindings answer to their status)."""
    kind, _, record_id = account.partition(":")
    user = accounts.active_admin_user(int(record_id)) if kind == "admin" else None
    return user.token_version if user is not None else 0


def unbind_account(*, account):
    """Remove the account's binding; True if there was one."""
    return bool(WechatBinding.delete().where(WechatBinding.account == account).execute())


def unbind_openid(*, openid):
    """Remove whatever binding the follower has; True if there was one."""
    return bool(WechatBinding.delete().where(WechatBinding.openid == openid).execute())


def binding_of(account):
    """The account's binding while it may act (see `binding_state`), or None."""
    binding = WechatBinding.get_or_none(WechatBinding.account == account)
    return binding if binding is not None and _resolve(binding)[1] == LIVE else None


def openid_of(account):
    """The official-account openid bound to `account` while the binding may act, or None (nothing is sent)."""
    binding = binding_of(account)
    return binding.openid if binding else None


LIVE, REBIND, INACTIVE = "live", "rebind", "inactive"


def _resolve(binding):
    """(asker, state) of a binding: LIVE, REBIND (its console account's sessions were revoked since it was made)
    or INACTIVE (the account is disabled, gone, or an agent no longer in the network)."""
    kind, _, record_id = binding.account.partition(":")
    unbound = Asker(binding.openid)
    if kind == "admin":
        user = accounts.admin_user_or_none(int(record_id))
        name = (user.display_name or user.username) if user else ""
        if user is None or not user.active:
            return unbound, INACTIVE, name
        if user.token_version != binding.token_version:
            return Asker(binding.openid, rebind=True), REBIND, name
        return Asker(binding.openid, binding.account, user.role, name), LIVE, name
    if kind == "agent":
        agent = agents.agent_with_level(int(record_id))
        if agent is not None and agent.status in ACTIVE_AGENT_STATUSES:
            return Asker(binding.openid, binding.account, "agent", agent.name), LIVE, agent.name
        return unbound, INACTIVE, agent.name if agent else ""
    return unbound, INACTIVE, ""


def who_is(openid):
    """The asker behind an openid; unbound when no binding, the account is gone or inactive, or its
    sessions were revoked since it bound (then `rebind`)."""
    binding = WechatBinding.get_or_none(WechatBinding.openid == openid)
    return Asker(openid) if binding is None else _resolve(binding)[0]


@dataclass(frozen=True)
class BindingRow:
    """One binding as the owner's console lists it."""

    id: int
    account: str
    name: str
    state: str
    openid: str
    created_at: object


def list_bindings(*, page=1, per_page=50):
    """Every binding, newest first, with whose it is and whether it may act: (items, total)."""
    bindings, total = paginate(WechatBinding.select().order_by(WechatBinding.id.desc()), page=page, per_page=per_page)
    rows = []
    for binding in bindings:
        _, state, name = _resolve(binding)
        rows.append(BindingRow(binding.id, binding.account, name, state, binding.openid, binding.created_at))
    return rows, total


def remove_binding(*, binding_id):
    """Remove one binding (the owner's console); NotFound when it is already gone."""
    if not WechatBinding.delete().where(WechatBinding.id == binding_id).execute():
        raise NotFound("该绑定不存在或已解除", code="binding_not_found")


def handle_once(key, respond):
    """Run `respond()` for the first delivery of `key` only; a repeat gets the reply given the first time.

    The claim, whatever `respond` changes and the reply it returns commit in one
    transaction: a repeat arriving meanwhile waits on the unique key, then reads the reply.
    Returns (first delivery?, reply).
    """
    with db.atomic():
        claimed = InboundMessage.insert(key=key).on_conflict_ignore().as_rowcount().execute()
        if not claimed:
            return False, InboundMessage.get(InboundMessage.key == key).reply
        reply = respond()
        InboundMessage.update(reply=reply).where(InboundMessage.key == key).execute()
        return True, reply


def spend_signature(*, timestamp, nonce, body):
    """Record that WeChat's (timestamp, nonce) came with `body`; Forbidden when it came before with another body.

    The pair is claimed in its own transaction, so every web process sees it at once: a
    racing second body waits on the unique key, then finds the first.
    """
    key, digest = f"{timestamp}:{nonce}", hashlib.sha256(body).hexdigest()
    with db.atomic():
        if SeenSignature.insert(key=key, body_sha256=digest).on_conflict_ignore().as_rowcount().execute():
            return
        first = SeenSignature.get(SeenSignature.key == key)
    if first.body_sha256 != digest:
        raise Forbidden("签名已使用", code="signature_replayed")


def prune_handled_messages():
    """Forget handled messages older than WeChat could ever repeat them, and signatures past their window;
    returns how many."""
    now = utcnow()
    signatures = SeenSignature.delete().where(
        SeenSignature.created_at < now - timedelta(seconds=2 * SIGNATURE_WINDOW_SECONDS)).execute()
    cutoff = now - timedelta(days=HANDLED_MESSAGE_RETENTION_DAYS)
    return signatures + InboundMessage.delete().where(InboundMessage.created_at < cutoff).execute()
