"""Authorization in the console: each agent's certificate (with the numbers it was issued before) as JSON, PNG
or PDF, the WeChat ID consumers may search it by, and the verification log.

Everyone who may read agents may see and download certificates and the log; owner and staff set WeChat IDs.
"""
from flask import Response

from app.admin.agents import MANAGERS, READERS
from app.authorization import service as authorization
from app.authorization.schemas import AgentCertificateOut, CertificateOut
from app.http import Blueprint, admin_required
from app.schemas import PageArgs, RowId, Schema, UtcDateTime, fields, page_body, page_schema, validate

blp = Blueprint("admin_authorization", __name__, url_prefix="/admin/api", description="授权书与授权查询")

CHECK_RESULTS = ("authorized", "changed", "expired", "suspended", "revoked", "unauthorized", "not_found", "invalid")


class AdminAgentCertificateOut(AgentCertificateOut):
    history = fields.List(fields.Nested(CertificateOut))


class AdminWechatIdBody(Schema):
    wechat_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class AdminWechatIdOut(Schema):
    wechat_id = fields.String()


class AdminCertificateCheckQuery(PageArgs):
    result = fields.String(validate=validate.OneOf(CHECK_RESULTS))
    agent_id = RowId()


class AdminCertificateCheckOut(Schema):
    id = fields.Integer()
    at = UtcDateTime()
    channel = fields.String()
    query_kind = fields.String()
    query = fields.String()
    result = fields.String()
    certificate_id = fields.Integer(allow_none=True)
    agent_id = fields.Integer(allow_none=True)
    ip = fields.String()
    province = fields.String()
    city = fields.String()
    user_agent = fields.String()
    openid = fields.String()


@blp.route("/agents/<id:agent_id>/certificate", methods=["GET"])
@admin_required(*READERS)
@blp.response(200, AdminAgentCertificateOut)
def agent_certificate(agent_id):
    """The agent's current certificate and every number it was issued."""
    view = authorization.certificate_for_agent(agent_id=agent_id)
    return {**view.__dict__, "history": authorization.certificate_history(agent_id=agent_id)}


def _file(number, content, mimetype, extension):
    return Response(content, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=certificate-{number}.{extension}", "Cache-Control": "no-store"})


@blp.route("/agents/<id:agent_id>/certificate.png", methods=["GET"])
@admin_required(*READERS)
@blp.doc(responses={"200": {"description": "PNG", "content": {"image/png": {}}}})
def agent_certificate_png(agent_id):
    """The agent's certificate as a PNG."""
    return _file(*authorization.certificate_png(agent_id=agent_id), "image/png", "png")


@blp.route("/agents/<id:agent_id>/certificate.pdf", methods=["GET"])
@admin_required(*READERS)
@blp.doc(responses={"200": {"description": "PDF", "content": {"application/pdf": {}}}})
def agent_certificate_pdf(agent_id):
    """The agent's certificate as an A4 PDF."""
    return _file(*authorization.certificate_pdf(agent_id=agent_id), "application/pdf", "pdf")


@blp.route("/agents/<id:agent_id>/wechat-id", methods=["PUT"])
@admin_required(*MANAGERS)
@blp.arguments(AdminWechatIdBody)
@blp.response(200, AdminWechatIdOut)
def set_wechat_id(body, agent_id):
    """The WeChat ID the agent sells under (consumers may search by it; it is never shown to them)."""
    return {"wechat_id": authorization.set_wechat_id(agent_id=agent_id, wechat_id=body["wechat_id"])}


@blp.route("/authorization/checks", methods=["GET"])
@admin_required(*READERS)
@blp.arguments(AdminCertificateCheckQuery, location="query")
@blp.response(200, page_schema(AdminCertificateCheckOut))
def checks(args):
    """The verification log, newest first: what was asked, from where, and what it answered."""
    return page_body(authorization.list_checks(**args), args)
