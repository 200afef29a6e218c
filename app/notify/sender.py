"""Delivering the outbox: claim a due message, record the attempt, send it, record the outcome.

Exactly once, even when WeChat fails:
- a message is claimed with a guarded UPDATE (pending → sending, attempts + 1) committed
  *before* the call, so two senders never send the same row;
- WeChat refusing (an errcode, an HTTP 5xx) or the network never reaching it (connection
  refused, connect timeout) is certain non-delivery: retried with exponential backoff,
  except permanent refusals (unfollowed 43004, subscription refused 43101, bad openid or
  template), which fail at once;
- a timeout after the request went out may have been accepted: the message becomes
  `unknown` and is never resent automatically (a person checks and retries it in the
  console). So does a message left in `sending` by a crashed sender once its claim lapses.
"""
import hashlib
import json
import logging
import random
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import NamedTuple

import requests
from urllib3.exceptions import ConnectTimeoutError
from wechatpy.exceptions import WeChatClientException

from app import wechat
from app.accounts import service as accounts
from app.agents import service as agents
from app.chat import service as chat
from app.clock import utcnow
from app.config import get_settings
from app.database import atomic_with_retry
from app.notify import service as outbox
from app.notify import templates
from app.notify.models import RECIPIENT_OPENID_PREFIX, RECIPIENT_OWNERS, Notification

log = logging.getLogger(__name__)

BATCH_SIZE = 200
MAX_ATTEMPTS = 20
BACKOFF_FIRST_SECONDS = 30
BACKOFF_MAX_SECONDS = 3600
SENDING_CLAIM_SECONDS = 120
PERMANENT_ERRCODES = {
    43004: "用户已取消关注公众号",
    43101: "用户拒绝接收该订阅消息",
    40003: "openid 无效",
    40037: "模板 ID 无效",
    47001: "消息格式错误",
}


class Outcome(NamedTuple):
    """How one attempt ended: sent, pending (retry later), failed, held or unknown."""

    status: str
    error: str = ""


@dataclass
class DrainReport:
    """What one pass over the outbox did."""

    sent: int = 0
    pending: int = 0
    failed: int = 0
    held: int = 0
    unknown: int = 0
    expanded: int = 0

    def __str__(self):
        return " ".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self))


def drain_outbox(*, now=None, limit=BATCH_SIZE):
    """Deliver the due messages once each; without official-account credentials nothing is sent."""
    report = DrainReport()
    if not get_settings().wechat_oa_configured:
        return report
    report.unknown += _reconcile_lapsed_claims(now or utcnow())
    report.expanded += _expand_owner_messages(now or utcnow(), limit)
    delivery = _Delivery()
    for message_id in _due_ids(now or utcnow(), limit):
        moment = now or utcnow()
        if not _claim(message_id, moment):
            continue
        outcome = delivery.deliver(Notification.get_by_id(message_id))
        _record(message_id, outcome, moment)
        setattr(report, outcome.status, getattr(report, outcome.status) + 1)
    return report


def backoff_seconds(attempts):
    """Delay before the next attempt after `attempts` failed ones: doubling from 30 s to an hour, with jitter."""
    delay = min(BACKOFF_FIRST_SECONDS * 2 ** (attempts - 1), BACKOFF_MAX_SECONDS)
    return delay * random.uniform(1.0, 1.2)


def _due_ids(now, limit):
    query = (Notification.select(Notification.id)
             .where(Notification.status == "pending", Notification.next_attempt_at <= now,
                    Notification.recipient != RECIPIENT_OWNERS)
             .order_by(Notification.next_attempt_at, Notification.id).limit(limit))
    return [row.id for row in query]


def _claim(message_id, now):
    """Record the attempt before sending; False when another sender claimed it first."""
    # On a cluster, two nodes' claims of one message both match; the node that commits second is refused
    # (a deadlock error), and its retry finds the message claimed.
    return bool(atomic_with_retry(lambda: Notification
                                  .update(status="sending", attempts=Notification.attempts + 1,
                                          next_attempt_at=now + timedelta(seconds=SENDING_CLAIM_SECONDS))
                                  .where(Notification.id == message_id, Notification.status == "pending",
                                         Notification.next_attempt_at <= now)
                                  .execute()))


def _record(message_id, outcome, now):
    message = Notification.get_by_id(message_id)
    values = {"status": outcome.status, "last_error": outcome.error[:255]}
    if outcome.status == "sent":
        values["sent_at"] = now
    elif outcome.status == "pending" and message.attempts >= MAX_ATTEMPTS:
        values.update(status="failed", last_error=f"重试{MAX_ATTEMPTS}次仍失败：{outcome.error}"[:255])
    elif outcome.status == "pending":
        values["next_attempt_at"] = now + timedelta(seconds=backoff_seconds(message.attempts))
    atomic_with_retry(lambda: Notification.update(**values).where(Notification.id == message_id,
                                                                  Notification.status == "sending").execute())


def _reconcile_lapsed_claims(now):
    """A message still `sending` after its claim lapsed was cut off mid-send: mark it unknown, never resend it.

    Row by row by primary key: a range UPDATE over the status index would deadlock on
    MySQL with another sender's claims.
    """
    lapsed = Notification.select(Notification.id).where(Notification.status == "sending",
                                                        Notification.next_attempt_at < now)
    marked = 0
    for row in list(lapsed):
        marked += atomic_with_retry(lambda: Notification
                                    .update(status="unknown", last_error="发送中断，微信可能已收到；请核实后在后台重试")
                                    .where(Notification.id == row.id, Notification.status == "sending",
                                           Notification.next_attempt_at < now)
                                    .execute())
    return marked


def _expand_owner_messages(now, limit):
    """Copy each due "owners" message into one message per bound owner, with derived dedupe keys."""
    due = (Notification.select()
           .where(Notification.status == "pending", Notification.recipient == RECIPIENT_OWNERS,
                  Notification.next_attempt_at <= now)
           .limit(limit))
    expanded = 0
    for message in due:
        owners = [f"admin:{owner_id}" for owner_id in accounts.active_owner_ids()]
        bound = [account for account in owners if chat.openid_of(account)]

        def expand():
            status, error = ("expanded", "") if bound else ("failed", "没有已绑定公众号的老板账号")
            taken = (Notification.update(status=status, last_error=error)
                     .where(Notification.id == message.id, Notification.status == "pending").execute())
            if taken:
                for account in bound:
                    outbox.enqueue(kind=message.kind, recipient=account, data=_data(message),
                                   dedupe_key=_derived_key(message.dedupe_key, account))
            return bool(taken) and status == "expanded"
        expanded += atomic_with_retry(expand)
    return expanded


def _derived_key(parent_key, recipient):
    key = f"{parent_key}>{recipient}"
    return key if len(key) <= 191 else "h:" + hashlib.sha256(key.encode()).hexdigest() + ">" + recipient


def _data(message):
    return json.loads(message.data)


class _Delivery:
    """Sends one message on the right channel, with clients made once per drain."""

    def __init__(self):
        self._clients = {}

    def _client(self, channel):
        if channel not in self._clients:
            make = wechat.mini_program_client if channel == templates.MINI_PROGRAM else wechat.official_account_client
            self._clients[channel] = make()
        return self._clients[channel]

    def deliver(self, message):
        """One attempt at a claimed message."""
        route = self._route(message)
        if isinstance(route, Outcome):
            return route
        channel, call = route
        client = self._client(channel)
        try:
            wechat.call_with_token_refresh(client, lambda: call(client))
        except WeChatClientException as exc:
            return _refused(exc)
        except requests.RequestException as exc:
            if _never_reached_wechat(exc):
                return Outcome("pending", f"网络错误：{type(exc).__name__}")
            log.warning("outbox message %s may have been delivered: %s", message.id, exc)
            return Outcome("unknown", "发送超时，微信可能已收到；请核实后在后台重试")
        return Outcome("sent")

    def _route(self, message):
        """(channel, send function) for a message, or the Outcome when it cannot be sent."""
        data = _data(message)
        if message.recipient.startswith(RECIPIENT_OPENID_PREFIX):
            openid = message.recipient[len(RECIPIENT_OPENID_PREFIX):]
            return templates.OFFICIAL, lambda client: client.message.send_text(openid, data.get("text", ""))
        official = templates.template_for(message.kind, templates.OFFICIAL)
        openid = chat.openid_of(message.recipient)
        if official and openid:
            return templates.OFFICIAL, lambda client: client.message.send_template(
                openid, official.template_id, templates.render(official, data), mini_program=_jump(official),
                url=templates.link_of(official, data))
        subscribe = templates.template_for(message.kind, templates.MINI_PROGRAM)
        mp_openid = _mini_program_openid(message.recipient) if subscribe else None
        if subscribe and mp_openid:
            return templates.MINI_PROGRAM, lambda client: client.wxa.send_subscribe_message(
                mp_openid, subscribe.template_id, templates.render(subscribe, data), page=subscribe.page or None)
        if not official and not subscribe:
            return Outcome("held", f"未配置消息模板：{message.kind}")
        return Outcome("failed", "接收人未绑定公众号，也无法通过小程序送达")


def _mini_program_openid(recipient):
    kind, _, record_id = recipient.partition(":")
    if kind != "agent" or not get_settings().wechat_mp_configured:
        return None
    return agents.mini_program_openid(int(record_id))


def _jump(template):
    settings = get_settings()
    if not template.page or not settings.WECHAT_MP_APPID:
        return None
    return {"appid": settings.WECHAT_MP_APPID, "pagepath": template.page}


def _refused(exc):
    """WeChat answered and did not accept: permanent for a few errcodes, else retried later."""
    if exc.errcode in PERMANENT_ERRCODES:
        return Outcome("failed", f"{PERMANENT_ERRCODES[exc.errcode]}（{exc.errcode}）")
    if exc.errcode is None:
        status = getattr(exc.response, "status_code", "?")
        return Outcome("pending", f"微信服务错误 HTTP {status}")
    return Outcome("pending", f"微信错误 {exc.errcode}：{exc.errmsg}")


def _never_reached_wechat(exc):
    """True when the request certainly never reached WeChat (connection refused, connect timeout, DNS)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(exc, requests.ConnectionError) and isinstance(reason, ConnectTimeoutError)
