"""An agent links the official account to receive notifications there."""
from flask import g

from app.admin.wechat import WechatBindingOut, WechatBindQrOut, binding_status
from app.chat import service as chat
from app.http import Blueprint, agent_required
from app.notify.service import recipient_agent

blp = Blueprint("mp_wechat", __name__, url_prefix="/api/mp/wechat", description="公众号绑定")


@blp.route("/bind-qr", methods=["POST"])
@agent_required
@blp.response(201, WechatBindQrOut)
def bind_qr():
    """A one-time QR of the official account that links the scanner's WeChat to the signed-in agent."""
    return chat.issue_bind_qr(account=recipient_agent(g.agent.id))


@blp.route("/binding", methods=["GET"])
@agent_required
@blp.response(200, WechatBindingOut)
def binding():
    """Whether the signed-in agent has linked the official account."""
    return binding_status(recipient_agent(g.agent.id))


@blp.route("/binding", methods=["DELETE"])
@agent_required
@blp.response(204)
def unbind():
    """Unlink the signed-in agent's official-account WeChat."""
    chat.unbind_account(account=recipient_agent(g.agent.id))
