"""Linking a console user's WeChat to the official account, and the notification outbox."""
from flask import g

from app.chat import service as chat
from app.clock import isoformat
from app.http import Blueprint, admin_required
from app.notify import service as notify
from app.notify.service import STATUSES, recipient_admin
from app.schemas import Schema, fields, page_body, page_schema, validate

blp = Blueprint("admin_wechat", __name__, url_prefix="/admin/api", description="公众号绑定与消息发件箱")


class WechatBindQrOut(Schema):
    url = fields.String(metadata={"description": "二维码内容，可自行生成二维码图片"})
    image_url = fields.String(metadata={"description": "微信提供的二维码图片地址"})
    expires_in = fields.Integer()


class WechatBindingOut(Schema):
    bound = fields.Boolean()
    bound_at = fields.String(allow_none=True)


class AdminOutboxQuery(Schema):
    status = fields.String(validate=validate.OneOf(STATUSES))
    kind = fields.String(validate=validate.Length(max=48))
    recipient = fields.String(validate=validate.Length(max=48))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AdminOutboxMessageOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    recipient = fields.String()
    dedupe_key = fields.String()
    data = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String()
    next_attempt_at = fields.Function(lambda m: isoformat(m.next_attempt_at))
    created_at = fields.Function(lambda m: isoformat(m.created_at))
    sent_at = fields.Function(lambda m: isoformat(m.sent_at))


def binding_status(account):
    """{bound, bound_at} for an account (shared with the mini-program door)."""
    binding = chat.binding_of(account)
    return {"bound": binding is not None, "bound_at": isoformat(binding.created_at) if binding else None}


@blp.route("/wechat/bind-qr", methods=["POST"])
@admin_required()
@blp.response(201, WechatBindQrOut)
def bind_qr():
    """A one-time QR that links the scanner's WeChat to the signed-in console user."""
    return chat.issue_bind_qr(account=recipient_admin(g.admin.id))


@blp.route("/wechat/binding", methods=["GET"])
@admin_required()
@blp.response(200, WechatBindingOut)
def binding():
    """Whether the signed-in console user has linked a WeChat."""
    return binding_status(recipient_admin(g.admin.id))


@blp.route("/wechat/binding", methods=["DELETE"])
@admin_required()
@blp.response(204)
def unbind():
    """Unlink the signed-in console user's WeChat."""
    chat.unbind_account(account=recipient_admin(g.admin.id))


@blp.route("/outbox", methods=["GET"])
@admin_required("staff")
@blp.arguments(AdminOutboxQuery, location="query")
@blp.response(200, page_schema(AdminOutboxMessageOut))
def outbox(query):
    """The notification outbox, newest first, filtered by status, kind or recipient."""
    return page_body(notify.list_outbox(**query), query)


@blp.route("/outbox/<id:message_id>/retry", methods=["POST"])
@admin_required("staff")
@blp.response(200, AdminOutboxMessageOut)
def retry(message_id):
    """Send a failed, unknown or held message again."""
    return notify.retry_message(message_id)
