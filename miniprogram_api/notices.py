"""Which notices the brand's mini-program can send: the subscribe template ids a page asks the agent to accept."""

from app.http import Blueprint, wechat_login_required
from app.notify import service as notify
from app.schemas import Schema, fields

blp = Blueprint("mp_notices", __name__, url_prefix="/api/mp/subscribe-templates", description="订阅消息")


class MpSubscribeTemplateOut(Schema):
    kind = fields.String()
    template_id = fields.String()
    title = fields.String()


class MpSubscribeTemplatesOut(Schema):
    items = fields.List(fields.Nested(MpSubscribeTemplateOut))


@blp.route("", methods=["GET"])
@wechat_login_required
@blp.response(200, MpSubscribeTemplatesOut)
def subscribe_templates():
    """The mini-program subscribe template of each notice kind the brand configured (NOTIFY_TEMPLATES)."""
    return {"items": [{"kind": kind, "template_id": template_id, "title": title}
                      for kind, template_id, title in notify.subscribe_templates()]}
