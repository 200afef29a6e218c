"""Anyone verifying an agent: by certificate number, WeChat ID or phone. The answer says whether this is an
authorized agent, with its masked name, level, region, term and status, and never a contact detail; every
look-up is logged, and many misses from one source are an enumeration attempt the owners hear of.
"""
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from peewee import IntegrityError

from app import iplocation, phones
from app.agents import service as agents
from app.authorization import certificates
from app.authorization.models import AgentCertificate, AgentWechatId, CertificateCheck
from app.brand import service as brand_service
from app.clock import utcnow
from app.config import get_settings
from app.database import atomic_with_retry
from app.errors import Conflict, InvalidInput
from app.notify import service as notify

log = logging.getLogger(__name__)

WECHAT_ID = re.compile(r"[a-z][-_a-z0-9]{5,19}")
MISSES = ("not_found", "invalid")
# result: (headline, status text)
RESULTS = {
    "authorized": "授权有效：该代理是品牌正式授权代理",
    "changed": "该授权编号已变更：代理的等级、区域或期限已调整，以下为当前授权信息",
    "expired": "授权已过期：该代理的代理期限已到，目前不是有效授权代理",
    "suspended": "授权已暂停：该代理目前不是有效授权代理",
    "revoked": "授权已终止：该代理已退出，不再是品牌授权代理",
    "unauthorized": "该代理尚未获得授权",
    "not_found": "未查询到授权信息，谨防假冒",
    "invalid": "请输入正确的授权编号、微信号或手机号",
}
STATUS_TEXTS = {"active": "有效", "expired": "已过期", "suspended": "已暂停", "left": "已终止", "pending": "未授权"}
STANDING_RESULTS = {"active": "authorized", "expired": "expired", "suspended": "suspended", "left": "revoked",
                    "pending": "unauthorized"}


@dataclass(frozen=True)
class Verification:
    """What a verification tells anyone: no phone, no WeChat ID, no full name."""

    result: str
    message: str
    asked: str = ""
    number: str = ""
    masked_name: str = ""
    level_name: str = ""
    region: str = ""
    term_start: date = None
    term_end: date = None
    status: str = ""
    status_text: str = ""
    brand: str = ""

    @property
    def authorized(self):
        return self.result == "authorized" or (self.result == "changed" and self.status == "active")


def mask_name(name):
    """张三 → 张*, 王小明 → 王**: the first character, then at most two stars (the length is not told)."""
    name = (name or "").strip()
    return (name[0] + "*" * min(max(len(name) - 1, 1), 2)) if name else "*"


def normalize_wechat_id(text, *, field="wechat_id"):
    """A WeChat ID as stored (lower case): 6–20 letters, digits, - or _, starting with a letter; else InvalidInput."""
    wechat_id = unicodedata.normalize("NFKC", text or "").strip().lower()
    if not WECHAT_ID.fullmatch(wechat_id):
        raise InvalidInput.on(field, "微信号应为6-20位字母、数字、下划线或减号，以字母开头")
    return wechat_id


def _verification(agent, asked_row=None, *, asked=""):
    """The answer about one agent. Its facts are the agent's as they are now; the number shown is its current
    certificate's while that still states them (an agent not in good standing gets no new number, so after a change
    it has none to show). A number asked for that is no longer current is 已变更 — unless the agent is no longer
    authorized at all, which the answer says first."""
    standing = agents.standing(agent)
    current = certificates.ensure_current(agent)
    brand = brand_service.current().name
    if current is None:
        return Verification(result="unauthorized", message=RESULTS["unauthorized"], asked=asked,
                            masked_name=mask_name(agent.name), status=standing,
                            status_text=STATUS_TEXTS.get(standing, ""), brand=brand)
    facts = certificates.facts_of(agent)
    number = current.number if certificates.states(current, facts) else ""
    changed = standing == "active" and asked_row is not None and asked_row.id != current.id
    result = "changed" if changed else STANDING_RESULTS.get(standing, "unauthorized")
    region = certificates.region_text(facts["province"], facts["city"])
    return Verification(result=result, message=RESULTS[result], asked=asked, number=number,
                        masked_name=mask_name(agent.name), level_name=facts["level_name"], region=region,
                        term_start=facts["term_start"], term_end=facts["term_end"], status=standing,
                        status_text=STATUS_TEXTS.get(standing, ""), brand=brand)


def _miss(result, asked=""):
    return Verification(result=result, message=RESULTS[result], asked=asked, brand=brand_service.current().name)


def classify(text):
    """(kind, normalized query) of what was typed: "number", "phone", "wechat_id" or "invalid"."""
    text = (text or "")[:64]
    number = certificates.normalize_number(text)
    if number:
        return "number", number
    phone = phones.mobile_digits(text)
    if phone:
        return "phone", phone
    try:
        return "wechat_id", normalize_wechat_id(text)
    except InvalidInput:
        return "invalid", text.strip()


def _find(kind, query):
    """[(agent, asked certificate row or None)] for a query of a kind."""
    if kind == "number":
        row = AgentCertificate.get_or_none(AgentCertificate.number == query)
        return [(agents.get_agent(row.agent_id), row)] if row else []
    if kind == "phone":
        return [(agent, None) for agent in agents.agents_with_phone(query)]
    if kind == "wechat_id":
        owner = AgentWechatId.get_or_none(AgentWechatId.wechat_id == query)
        agent = agents.agent_with_level(owner.agent_id) if owner else None
        return [(agent, None)] if agent is not None and agent.status != "left" else []
    return []


def look_up(*, text, ip, user_agent="", openid="", channel="page"):
    """Verify by what was typed (a number, a WeChat ID or a phone); returns the Verifications (none: not found)
    and logs the look-up, with where its address is (as scans are). The answers never carry a contact detail."""
    kind, query = classify(text)
    province, city = iplocation.locate(ip)

    def answer_and_log():
        pairs = _find(kind, query)
        answers = [_verification(agent, row, asked=query) for agent, row in pairs]
        answers = answers or [_miss("invalid" if kind == "invalid" else "not_found", query)]
        agent, row = pairs[0] if pairs else (None, None)
        CertificateCheck.create(channel=channel, query_kind=kind, query=query[:64], result=answers[0].result,
                                certificate=row.id if row else None, agent=agent.id if agent else None,
                                ip=(ip or "")[:45], province=province, city=city, user_agent=(user_agent or "")[:255],
                                openid=(openid or "")[:64])
        if not pairs:
            _watch_misses(ip=ip, openid=openid)
        return answers
    return atomic_with_retry(answer_and_log)


def _watch_misses(*, ip, openid):
    settings = get_settings()
    since = utcnow() - timedelta(seconds=settings.ENUMERATION_WINDOW_SECONDS)
    source = CertificateCheck.openid == openid if openid else CertificateCheck.ip == (ip or "")
    misses = (CertificateCheck.select()
              .where(source, CertificateCheck.at >= since, CertificateCheck.result.in_(MISSES)).count())
    if misses >= settings.ENUMERATION_MISSES:
        log.warning("authorization enumeration: %d misses from ip=%s openid=%s in %ss", misses, ip, openid,
                    settings.ENUMERATION_WINDOW_SECONDS)
        hour = utcnow().strftime("%Y%m%d%H")
        notify.enqueue(kind="authorization_enumeration", recipient=notify.RECIPIENT_OWNERS,
                       data={"ip": ip, "openid": openid, "misses": misses},
                       dedupe_key=f"authorization_enum:{openid or ip}:{hour}"[:191])


def set_wechat_id(*, agent_id, wechat_id):
    """The agent's WeChat ID (微信号), which consumers may search by; another agent's ID is refused (409)."""
    agent = agents.get_agent(agent_id)
    if agent.status == "left":
        raise Conflict("该代理已退出", code="agent_left")
    wechat_id = normalize_wechat_id(wechat_id)
    try:
        atomic_with_retry(lambda: _claim_wechat_id(agent.id, wechat_id))
    except IntegrityError as exc:
        # Another agent holds it (or claimed it at the same moment: the unique index decides).
        raise Conflict("该微信号已被其他代理登记，请联系品牌方核实", code="wechat_id_taken") from exc
    return wechat_id


def _claim_wechat_id(agent_id, wechat_id):
    # No upsert: MySQL's ON DUPLICATE KEY would quietly "update" the other agent's row holding the ID. No locking
    # read first either: claims of a missing key would take gap locks and deadlock on their inserts.
    if AgentWechatId.get_or_none(AgentWechatId.agent == agent_id) is None:
        AgentWechatId.create(agent=agent_id, wechat_id=wechat_id)
    else:
        AgentWechatId.update(wechat_id=wechat_id, updated_at=utcnow()).where(AgentWechatId.agent == agent_id).execute()


def wechat_id_of(agent_id):
    """The agent's declared WeChat ID, or ""."""
    row = AgentWechatId.get_or_none(AgentWechatId.agent == agent_id)
    return row.wechat_id if row else ""


def list_checks(*, result=None, agent_id=None, page=1, per_page=50):
    """The verification log, newest first: (rows, total)."""
    query = CertificateCheck.select().order_by(CertificateCheck.id.desc())
    if result:
        query = query.where(CertificateCheck.result == result)
    if agent_id:
        query = query.where(CertificateCheck.agent == agent_id)
    return list(query.paginate(page, per_page)), query.order_by().count()
