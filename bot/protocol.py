"""WeChat's message protocol: signatures, safe-mode crypto, defused parsing and replies.

Every body is checked by defusedxml (no DTD, no entities) before wechatpy's parser sees
it, in safe mode both the envelope and the decrypted message.
"""
import re
import time
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

import wechatpy
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from app.chat import service as chat
from app.errors import BadRequest, Forbidden, Unavailable

MAX_MESSAGE_BYTES = 16 * 1024
MAX_REPLY_BYTES = 2000
NO_REPLY = "success"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_NONCE = re.compile(r"[0-9A-Za-z_-]{1,64}")
TEXT_REPLY = ("<xml><ToUserName>{to}</ToUserName><FromUserName>{sender}</FromUserName><CreateTime>{time}</CreateTime>"
              "<MsgType><![CDATA[text]]></MsgType><Content>{content}</Content></xml>")
# Characters XML 1.0 forbids even inside CDATA (control characters other than tab and newlines, lone surrogates).
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Envelope:
    """A parsed message and how to answer it (crypto is set in safe mode)."""

    message: object
    crypto: WeChatCrypto = None
    nonce: str = ""
    timestamp: str = ""


def check_origin(args, settings, body=b""):
    """Forbidden unless the query's signature proves the request comes from WeChat, now, and for this body.

    The signature covers only token, timestamp and nonce: a timestamp outside the window, or
    a (timestamp, nonce) seen before with another body, is a replay of a signature that leaked.
    """
    if not settings.WECHAT_OA_TOKEN:
        raise Unavailable("公众号消息接口尚未配置", code="wechat_not_configured")
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    try:
        check_signature(settings.WECHAT_OA_TOKEN, args.get("signature", ""), timestamp, nonce)
    except InvalidSignatureException as exc:
        raise Forbidden("签名无效", code="bad_signature") from exc
    if not _TIMESTAMP.fullmatch(timestamp) or abs(time.time() - int(timestamp)) > chat.SIGNATURE_WINDOW_SECONDS:
        raise Forbidden("签名已过期", code="signature_expired")
    if not _NONCE.fullmatch(nonce):
        raise Forbidden("签名无效", code="bad_signature")
    chat.spend_signature(timestamp=timestamp, nonce=nonce, body=body)


def open_message(body, args, settings):
    """Check, decrypt (safe mode) and parse a POSTed message; BadRequest for anything malformed or hostile."""
    _check_safe_xml(body)
    if args.get("encrypt_type", "raw") == "raw":
        # In safe mode only an encrypted body is signed (msg_signature covers it); a plaintext one could be anything.
        if settings.WECHAT_OA_AES_KEY:
            raise BadRequest("安全模式只接受加密消息", code="bad_encryption")
        return Envelope(_parse(body))
    if args.get("encrypt_type") != "aes" or not settings.WECHAT_OA_AES_KEY:
        raise BadRequest("不支持的加密方式", code="bad_encryption")
    crypto = WeChatCrypto(settings.WECHAT_OA_TOKEN, settings.WECHAT_OA_AES_KEY, settings.WECHAT_OA_APPID)
    nonce, timestamp = args.get("nonce", ""), args.get("timestamp", "")
    try:
        plaintext = crypto.decrypt_message(body, args.get("msg_signature", ""), timestamp, nonce)
    except InvalidSignatureException as exc:
        raise Forbidden("签名无效", code="bad_signature") from exc
    except Exception as exc:  # bad base64, padding or appid: whatever it is, the body is not ours to handle
        raise BadRequest("消息无法解密", code="bad_message") from exc
    plaintext = plaintext.encode() if isinstance(plaintext, str) else plaintext
    _check_safe_xml(plaintext)
    return Envelope(_parse(plaintext), crypto, nonce, timestamp)


def render_reply(envelope, text):
    """The HTTP body answering a message: a text reply in the message's mode, or "success" for none."""
    if not text:
        return NO_REPLY
    message = envelope.message
    reply = TEXT_REPLY.format(to=_cdata(message.source), sender=_cdata(message.target), time=int(time.time()),
                              content=_cdata(_fit(text)))
    if envelope.crypto is None:
        return reply
    return envelope.crypto.encrypt_message(reply, envelope.nonce, envelope.timestamp)


def _cdata(value):
    """`value` as CDATA that stays one text node: wechatpy's replies paste text into `<![CDATA[…]]>` unchanged, so a
    `]]>` in an applicant's name closed the section and the rest became elements of the reply."""
    text = _NOT_XML.sub("", str(value or ""))
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _fit(text):
    """Cut a reply to WeChat's limit for a passive text reply."""
    encoded = text.encode()
    if len(encoded) <= MAX_REPLY_BYTES:
        return text
    return encoded[:MAX_REPLY_BYTES - 3].decode(errors="ignore") + "…"


def _check_safe_xml(body):
    if not body or len(body) > MAX_MESSAGE_BYTES:
        raise BadRequest("消息为空或过大", code="bad_message")
    try:
        root = fromstring(body, forbid_dtd=True)
    except (DefusedXmlException, ParseError, ValueError) as exc:
        raise BadRequest("消息格式无效", code="bad_message") from exc
    if root.tag != "xml":
        raise BadRequest("消息格式无效", code="bad_message")


def _parse(body):
    try:
        message = wechatpy.parse_message(body)
    except Exception as exc:  # wechatpy raises KeyError/ValueError/TypeError on missing or odd fields
        raise BadRequest("消息格式无效", code="bad_message") from exc
    if not message.source:
        raise BadRequest("消息格式无效", code="bad_message")
    return message
