"""Answering one message or event: handled once, within WeChat's reply window or later by customer service."""
import logging
import time

from wechatpy.events import ClickEvent, ScanEvent, SubscribeEvent, SubscribeScanEvent, UnsubscribeEvent
from wechatpy.messages import TextMessage

from app.chat import service as chat
from app.errors import DomainError
from app.notify import service as notify
from bot import commands

log = logging.getLogger(__name__)

WELCOME = "欢迎关注！"
BUSY = "系统繁忙，请稍后再试。"


def message_key(message):
    """WeChat's identity of a delivery: MsgId for messages, sender + CreateTime (+ event) for events."""
    msg_id = getattr(message, "id", None)
    if msg_id:
        return f"msg:{msg_id}"
    return f"ev:{message.source}:{message.time}:{getattr(message, 'event', message.type)}"[:191]


def answer(message, *, budget_seconds):
    """The passive reply to a message (None for "success"), handling a repeated delivery once.

    When the answer took longer than `budget_seconds`, WeChat has stopped waiting: it
    goes out through the outbox as a customer-service message instead.
    """
    key = message_key(message)

    def respond():
        started = time.monotonic()
        text = _respond(message)
        if text and time.monotonic() - started > budget_seconds:
            notify.enqueue_chat_reply(openid=message.source, text=text, dedupe_key="chat:" + key)
            return None
        return text

    return chat.handle_once(key, respond)[1]


def _respond(message):
    """The answer, even on failure: never WeChat's "unavailable" page (each service undoes its own failed changes)."""
    try:
        return _dispatch(message, chat.who_is(message.source))
    except DomainError as exc:
        return exc.message
    except Exception:
        log.exception("chat message %s failed", message_key(message))
        return BUSY


def _dispatch(message, asker):
    if isinstance(message, TextMessage):
        return commands.answer_text(message.content or "", asker)
    if isinstance(message, (SubscribeScanEvent, ScanEvent)) and chat.is_bind_scene(message.scene_id):
        chat.bind_by_scene(scene=message.scene_id, openid=message.source)
        return "绑定成功！\n" + commands.menu(chat.who_is(message.source))
    if isinstance(message, (SubscribeEvent, SubscribeScanEvent)):
        return WELCOME + "\n" + commands.menu(asker)
    if isinstance(message, UnsubscribeEvent):
        chat.unbind_openid(openid=message.source)
        return None
    if isinstance(message, ClickEvent):
        return commands.answer_text(message.key or "", asker)
    if message.type == "event":
        return None
    return commands.menu(asker)
