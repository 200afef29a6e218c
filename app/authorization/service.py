"""Authorization certificates (授权书) and their verification (授权查询): the domain's public face.

Every active agent has a certificate stating its level, region and term under a unique number; a change of any
of them issues a new number, and the old one answers "已变更" with the current state (`certificates`). Anyone may
verify a number, a WeChat ID or a phone (`checks`); the answer never carries a contact detail. The certificate is
drawn as a PNG and a PDF (`drawing`).
"""
from dataclasses import dataclass

from app import media
from app.agents import service as agents
from app.authorization import certificates, drawing
from app.authorization.certificates import Certificate, normalize_number  # noqa: F401
from app.authorization.checks import (STATUS_TEXTS, Verification, list_checks, mask_name,  # noqa: F401
                                      set_wechat_id, wechat_id_of)
from app.authorization.checks import look_up as _look_up
from app.authorization.models import AgentCertificate
from app.authorization.models import CHECK_CHANNEL_NAMES, CHECK_KIND_NAMES, CHECK_RESULT_NAMES  # noqa: F401
from app.brand import service as brand_service
from app.config import get_settings
from app.database import atomic_with_retry
from app.errors import Conflict

NO_CERTIFICATE = {
    "pending": "代理资格审核通过后才有授权书",
    "suspended": "代理资格已暂停，暂无有效授权书，请联系品牌方",
    "expired": "代理期限已到期，续期后将生成新的授权书",
    "left": "已退出代理，没有授权书",
}


@dataclass(frozen=True)
class AgentCertificateView:
    """An agent's current certificate with its standing, for the agent and the console."""

    certificate: Certificate
    status: str
    status_text: str
    brand: str
    verify_url: str
    wechat_id: str


def _brand():
    """(the brand's name, its logo's file or "") as the console's brand settings hold them."""
    brand = brand_service.current()
    return brand.name, media.media_path(brand.logo_path.removeprefix("/media/")) if brand.logo_path else ""


def certificate_for_agent(*, agent_id):
    """The agent's current certificate (issued now if it has none or its level, region or term changed), with
    its status; Conflict when the agent never had one and is not in good standing."""
    agent = agents.get_agent(agent_id)
    row = atomic_with_retry(lambda: certificates.ensure_current(agent))
    standing = agents.standing(agent)
    if row is None:
        raise Conflict(NO_CERTIFICATE.get(standing, "暂无授权书"), code="no_certificate")
    certificate = certificates.as_certificate(row, agent)
    return AgentCertificateView(certificate=certificate, status=standing, status_text=STATUS_TEXTS.get(standing, ""),
                                brand=brand_service.current().name, verify_url=drawing.verify_url(certificate.number),
                                wechat_id=wechat_id_of(agent.id))


def certificate_png(*, agent_id):
    """The agent's current certificate as a PNG (for WeChat Moments): (number, bytes)."""
    certificate = certificate_for_agent(agent_id=agent_id).certificate
    name, logo_file = _brand()
    return certificate.number, drawing.certificate_png(certificate, brand=name, logo_file=logo_file)


def certificate_pdf(*, agent_id):
    """The agent's current certificate as an A4 PDF: (number, bytes)."""
    certificate = certificate_for_agent(agent_id=agent_id).certificate
    name, logo_file = _brand()
    return certificate.number, drawing.certificate_pdf(certificate, brand=name, logo_file=logo_file)


def certificate_history(*, agent_id):
    """Every certificate the agent was issued, newest first (superseded ones with `current` False)."""
    agent = agents.get_agent(agent_id)
    rows = AgentCertificate.select().where(AgentCertificate.agent == agent.id).order_by(AgentCertificate.id.desc())
    return [certificates.as_certificate(row, agent) for row in rows]


def verify(*, text, ip, user_agent="", openid="", channel="page"):
    """Verify a certificate number, WeChat ID or phone as typed: the Verifications (a single not-found or invalid
    one when nothing matched); the look-up is logged."""
    return _look_up(text=text, ip=ip, user_agent=user_agent, openid=openid, channel=channel)


def verify_number_for_agent(*, agent_id):
    """The number the scan page links to for the agent a code was shipped to, when the brand allows it
    (SCAN_SHOWS_AUTHORIZATION) and the agent has a certificate; else None."""
    if not agent_id or not get_settings().SCAN_SHOWS_AUTHORIZATION:
        return None
    agent = agents.agent_with_level(agent_id)
    if agent is None:
        return None
    row = atomic_with_retry(lambda: certificates.ensure_current(agent))
    return row.number if row is not None else None


def verify_url_for_agent(*, agent_id):
    """The verification page (`/a/<授权编号>`) of the agent a code was shipped to, when the brand allows it
    (SCAN_SHOWS_AUTHORIZATION) and the agent has a certificate; else None. The scan pages link to it."""
    number = verify_number_for_agent(agent_id=agent_id)
    return drawing.verify_url(number) if number else None


def issue_all(*, batch=500):
    """Issue (or bring up to date) the certificate of every active agent; returns how many were looked at."""
    seen, page = 0, 1
    while True:
        items, _ = agents.list_agents(status="active", page=page, per_page=batch)
        if not items:
            return seen
        for agent in items:
            atomic_with_retry(lambda agent=agent: certificates.ensure_current(agent))
        seen += len(items)
        page += 1
