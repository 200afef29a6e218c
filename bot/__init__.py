"""The official account's message handler at /wechat: WeChat's server calls it with every message and event."""
from flask import Blueprint, Response, request

from app.config import get_settings
from app.errors import BadRequest, DomainError
from bot import conversation, protocol
# Importing a command module registers its commands.
from bot import brand_commands, code_commands, order_commands, review_commands  # noqa: F401

blp = Blueprint("bot", __name__, url_prefix="/wechat")


@blp.errorhandler(DomainError)
def _refuse(exc):
    """Plain text, never JSON: only forged or broken requests end here, and WeChat shows no error page."""
    return Response(exc.message, status=exc.status, mimetype="text/plain")


@blp.route("", methods=["GET"])
def verify():
    """WeChat's server check: echo `echostr` when the signature holds."""
    protocol.check_origin(request.args, get_settings())
    return Response(request.args.get("echostr", ""), mimetype="text/plain")


@blp.route("", methods=["POST"])
def receive():
    """A message or event: answered in the mode it came in (plaintext or safe mode)."""
    settings = get_settings()
    if (request.content_length or 0) > protocol.MAX_MESSAGE_BYTES:
        raise BadRequest("消息过大", code="bad_message")
    body = request.stream.read(protocol.MAX_MESSAGE_BYTES + 1)
    protocol.check_origin(request.args, settings, body)
    envelope = protocol.open_message(body, request.args, settings)
    reply = conversation.answer(envelope.message, budget_seconds=settings.BOT_REPLY_BUDGET_SECONDS)
    return Response(protocol.render_reply(envelope, reply), mimetype="application/xml")
