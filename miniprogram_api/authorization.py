"""Authorization in the mini-program: my certificate (JSON and the PNG to save to the album), the WeChat ID
consumers may search me by, and verifying any agent (by number, WeChat ID or phone)."""
from flask import Response, g, request

from app.authorization import service as authorization
from app.authorization.schemas import AgentCertificateOut, VerificationOut
from app.http import Blueprint, agent_required, client_ip, wechat_login_optional
from app.ratelimit import authorization_lookup_limited
from app.schemas import Schema, fields, validate

blp = Blueprint("mp_certificate", __name__, url_prefix="/api/mp", description="授权书与授权查询")


class MpWechatIdBody(Schema):
    wechat_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class MpWechatIdOut(Schema):
    wechat_id = fields.String()


class MpVerifyQuery(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=64),
                      metadata={"description": "a certificate number, a WeChat ID or a phone"})


@blp.route("/me/certificate", methods=["GET"])
@agent_required
@blp.response(200, AgentCertificateOut)
def my_certificate():
    """My authorization certificate (issued anew when my level, region or term changed)."""
    return authorization.certificate_for_agent(agent_id=g.agent.id)


@blp.route("/me/certificate.png", methods=["GET"])
@agent_required
@blp.doc(responses={"200": {"description": "PNG", "content": {"image/png": {}}}})
def my_certificate_image():
    """My certificate as a PNG, to save to the album and post to Moments."""
    number, png = authorization.certificate_png(agent_id=g.agent.id)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, no-cache",
                                                        "Content-Disposition": f"inline; filename={number}.png"})


@blp.route("/me/wechat-id", methods=["PUT"])
@agent_required
@blp.arguments(MpWechatIdBody)
@blp.response(200, MpWechatIdOut)
def set_my_wechat_id(body):
    """The WeChat ID I sell under: consumers may check by it that I am authorized (it is never shown to them)."""
    return {"wechat_id": authorization.set_wechat_id(agent_id=g.agent.id, wechat_id=body["wechat_id"])}


@blp.route("/authorization", methods=["GET"])
@wechat_login_optional
@authorization_lookup_limited
@blp.arguments(MpVerifyQuery, location="query")
@blp.response(200, VerificationOut(many=True))
def verify(query):
    """Whether someone is an authorized agent, by certificate number, WeChat ID or phone (no contact details)."""
    return authorization.verify(text=query["q"], ip=client_ip(), user_agent=request.headers.get("User-Agent", ""),
                                openid=g.openid, channel="mp")
