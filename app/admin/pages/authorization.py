"""Console pages: an agent's authorization certificate (the image, PNG and PDF downloads, every number it was
issued, the WeChat ID consumers may search it by) and the verification log. Roles are the JSON API's
(`app/admin/authorization.py`)."""
from flask import Response, request, url_for

from app.admin import authorization as api
from app.admin.agents import MANAGERS, READERS
from app.admin.pages.web import act, download, form_values, load, page, query_args, render
from app.agents import service as agents
from app.authorization import service as authorization
from app.errors import Conflict

RESULT_NAMES = authorization.CHECK_RESULT_NAMES
KIND_NAMES = authorization.CHECK_KIND_NAMES
CHANNEL_NAMES = authorization.CHECK_CHANNEL_NAMES


def _certificate_page(agent_id, *, status=200, error=None, values=None):
    agent = agents.get_agent(agent_id)
    try:
        view, refusal = authorization.certificate_for_agent(agent_id=agent_id), None
    except Conflict as exc:
        view, refusal = None, exc.message
    return render("agents/certificate.html", status, agent=agent, view=view, refusal=refusal,
                  history=authorization.certificate_history(agent_id=agent_id), values=values or {},
                  message=error.message if error else None, errors=error.fields if error else {})


@page("/agents/<id:agent_id>/certificate", roles=READERS)
def agent_certificate(agent_id):
    """An agent's certificate as consumers' QR scans verify it, with downloads and its earlier numbers."""
    return _certificate_page(agent_id)


@page("/agents/<id:agent_id>/certificate.png", roles=READERS)
def agent_certificate_png(agent_id):
    """The certificate image, shown on its page."""
    _, png = authorization.certificate_png(agent_id=agent_id)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})


@page("/agents/<id:agent_id>/certificate/download.<any(png, pdf):fmt>", roles=READERS)
def agent_certificate_download(agent_id, fmt):
    """The certificate to save, as PNG or PDF."""
    if fmt == "pdf":
        number, content = authorization.certificate_pdf(agent_id=agent_id)
        return download(content, "application/pdf", f"授权书-{number}.pdf")
    number, content = authorization.certificate_png(agent_id=agent_id)
    return download(content, "image/png", f"授权书-{number}.png")


@page("/agents/<id:agent_id>/wechat-id", roles=MANAGERS, methods=("POST",))
def agent_wechat_id(agent_id):
    """Set the WeChat ID the agent sells under."""
    values = form_values()
    return act(lambda: authorization.set_wechat_id(agent_id=agent_id, **load(api.AdminWechatIdBody(), values)),
               done=url_for("console.agent_certificate", agent_id=agent_id), message="已保存微信号",
               redisplay=lambda exc: _certificate_page(agent_id, status=exc.status, error=exc, values=values))


@page("/agents/verifications", roles=READERS)
def authorization_checks():
    """The verification log: every look-up of a number, WeChat ID or phone, what it answered and from where."""
    args, errors = query_args(api.AdminCertificateCheckQuery())
    items, total = authorization.list_checks(**args)
    return render("agents/verifications.html", items=items, total=total, args=args, errors=errors,
                  filters=form_values(request.args), results=RESULT_NAMES, kinds=KIND_NAMES, channels=CHANNEL_NAMES)
