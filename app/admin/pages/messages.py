"""Console pages: the notification outbox (发件箱) and binding one's WeChat for chat alerts.

Roles are the JSON API's (`app/admin/wechat.py`): staff read and retry the outbox; every user binds its own WeChat.
"""
from flask import g, request, url_for
from markupsafe import Markup
import qrcode
from qrcode.image.svg import SvgPathImage

from app.admin import wechat as wechat_api
from app.admin.pages import exports
from app.admin.pages.names import RECIPIENT_NAMES, is_digit_text, kind_name, recipient_name
from app.admin.pages.web import act, form_values, page, pick_agents, query_args, render
from app.chat import service as chat
from app.clock import local_text
from app.config import get_settings
from app.notify import service as notify
from app.notify.service import recipient_admin
from app.notify.service import KIND_NAMES

OUTBOX_ROLES = ("staff",)
EVERY_ROLE = ("staff", "finance", "warehouse")
STATUS_NAMES = notify.STATUS_NAMES
UNCONFIGURED = "未配置"
OUTBOX_HEADERS = ("编号", "类型", "接收人", "状态", "尝试次数", "创建时间", "发送时间", "错误")


def status_names():
    """The outbox's status names; without official-account credentials a waiting message is 未配置: it stays
    in the outbox and goes out once they are set."""
    if get_settings().wechat_oa_configured:
        return STATUS_NAMES
    return {**STATUS_NAMES, "pending": UNCONFIGURED}


def _recipient_choices():
    return [("owners", RECIPIENT_NAMES["owners"]), (recipient_admin(g.admin.id), f"我（{g.admin.display_name or g.admin.username}）")]


def _outbox_page(status=200, error=None):
    args, errors = query_args(wechat_api.AdminOutboxQuery())
    picked, picker_errors = pick_agents(form_values(request.args), ("agent",))
    agent = picked.get("agent") or (request.args.get("agent") if is_digit_text(request.args.get("agent")) else None)
    if agent:  # a message to one agent, picked by name or phone
        args["recipient"] = notify.recipient_agent(int(agent))
    items, total = notify.list_outbox(**args)
    filters = {key: value for key, value in args.items() if key in ("status", "kind", "recipient")}
    return render("messages/outbox.html", status, items=items, total=total, args=args,
                  errors={**errors, **picker_errors},
                  filters={**filters, **({"agent": agent, "recipient": None} if agent else {})}, export_filters=filters,
                  statuses=status_names(), retryable=notify.RETRYABLE_BY_HAND, configured=get_settings().wechat_oa_configured,
                  kinds=sorted(KIND_NAMES.items(), key=lambda item: item[1]), recipients=_recipient_choices(),
                  message=error.message if error else None)


@page("/outbox", roles=OUTBOX_ROLES)
def outbox():
    """The notification outbox, newest first, filtered by status, kind or recipient."""
    return _outbox_page()


@page("/outbox/<id:message_id>/retry", roles=OUTBOX_ROLES, methods=("POST",))
def outbox_retry(message_id):
    """Send a failed, unknown or held message again."""
    return act(lambda: notify.retry_message(message_id), done=url_for("console.outbox"),
               message=f"消息 #{message_id} 已重新排队", redisplay=lambda exc: _outbox_page(exc.status, exc))


exports.register_list("outbox", title="发件箱", headers=OUTBOX_HEADERS, schema=wechat_api.AdminOutboxQuery,
                      lister=notify.list_outbox,
                      shape=lambda items: ((m.id, kind_name(m.kind), recipient_name(m.recipient),
                                            status_names().get(m.status, m.status), m.attempts,
                                            local_text(m.created_at), local_text(m.sent_at), m.last_error)
                                           for m in items))


@page("/outbox/export", roles=OUTBOX_ROLES)
def outbox_export():
    """The filtered outbox as .xlsx."""
    return exports.send_export("outbox")


def qr_svg(content):
    """`content` as an inline SVG QR code (no image from WeChat's servers: the page's policy allows only ours)."""
    image = qrcode.make(content, image_factory=SvgPathImage, box_size=8)
    return Markup(image.to_string(encoding="unicode"))


@page("/wechat", roles=EVERY_ROLE)
def wechat_binding():
    """Whether the signed-in user's WeChat is bound, and the button for a bind QR."""
    return render("messages/wechat.html", binding=wechat_api.binding_status(recipient_admin(g.admin.id)))


@page("/wechat", roles=EVERY_ROLE, methods=("POST",), endpoint="wechat_bind_qr")
def wechat_bind_qr():
    """A one-time QR that links the scanner's WeChat to the signed-in user."""
    qr = chat.issue_bind_qr(account=recipient_admin(g.admin.id))
    return render("messages/wechat.html", qr=qr, qr_image=qr_svg(qr.url))


@page("/wechat/unbind", roles=EVERY_ROLE, methods=("POST",))
def wechat_unbind():
    """Unlink the signed-in user's WeChat: chat alerts stop until it binds again."""
    return act(lambda: chat.unbind_account(account=recipient_admin(g.admin.id)), done=url_for("console.wechat_binding"),
               message=lambda removed: "已解除绑定，微信将不再收到提醒" if removed else "当前没有绑定微信",
               redisplay=lambda exc: wechat_binding())
