"""Agent use cases: who is calling, joining (applications, bind codes), the tree, changes by hand, terms.

This module is the domain's public face: doors and other domains call it. The
ledgers and figures (`record_purchase`, `performance` …), the levels, the review
and the term jobs live in sibling modules and are re-exported at the bottom.
"""
import logging
from datetime import timedelta

from peewee import JOIN, SQL, IntegrityError

from app import phones, wechat
from app.accounts import service as accounts
from app.agents import changes, invites, tree
from app.agents.chains import ChainMember, team_links, upline_chains, uplines_and_names  # noqa: F401
from app.agents.invites import invite_image  # noqa: F401
from app.agents.levels import (active_levels, cached_level, create_level, delete_level, get_level,  # noqa: F401
                               list_levels, update_level)
from app.agents.models import Agent, AgentApplication, AgentChange, AgentLevel, AgentPurchase
from app.agents.models import (AGENT_STATUS_NAMES, AGENT_STATUSES, APPLICATION_STATUSES, CHANGE_NAMES,  # noqa: F401
                               DECISION_NAMES, PROPOSAL_STATUSES)
from app.agents.pending import pending_decisions  # noqa: F401
from app.agents.performance import (RANKING_METRICS, TeamRanking, count_joined, performance, ranking,  # noqa: F401
                                    record_first_purchase, record_purchase, record_retail_sale, reverse_purchase,
                                    team_ranking)
from app.agents.review import (LevelProgress, approve_proposal, level_progress, list_proposals,  # noqa: F401
                               reject_proposal, review_levels)
from app.agents.terms import expire_lapsed_agents, warn_expiring_terms  # noqa: F401
from app.clock import local_today, utcnow
from app.config import get_settings
from app.database import Prepared, atomic_with_retry, db, for_update, paginate
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.notify import service as notify

log = logging.getLogger(__name__)
STATUSES_SET_BY_HAND = ("active", "suspended", "left")
ORDER_REFUSALS = {
    "pending": "您的代理资格尚在审核中，暂不能下单",
    "suspended": "您的代理资格已被暂停，暂不能下单，请联系品牌方",
    "expired": "代理期限已到期，请续期后再下单",
    "left": "您已退出代理，不能下单",
}
UPLINE_REFUSALS = {
    "pending": "您的代理资格尚在审核中，暂不能查看或审核下级",
    "suspended": "您的代理资格已被暂停，不能查看或审核下级，请联系品牌方",
    "expired": "代理期限已到期，不能查看或审核下级，请续期",
}


_AGENT_OF_WECHAT_USER = Prepared(lambda param: Agent.select().where(Agent.wechat_user == param))
_WechatUser = Agent.wechat_user.rel_model
# Every mini-program request of an agent: the WeChat user and its agent in one statement.
_USER_WITH_AGENT = Prepared(lambda param: (
    _WechatUser.select(_WechatUser, Agent)
    .join(Agent, JOIN.LEFT_OUTER, on=(Agent.wechat_user == _WechatUser.id), attr="signed_in_agent")
    .where(_WechatUser.id == param)))


def signed_in(token):
    """(WeChat user, agent) of a mini-program token, read in one statement: Unauthenticated as
    accounts.wechat_user_from_token says, Forbidden when the user is no agent (or one who left)."""
    user = accounts.wechat_user_from_token(token, read=_USER_WITH_AGENT.first)
    agent = _unless_left(user.signed_in_agent)
    if agent is None:
        raise Forbidden("您还不是代理，请先使用邀请码申请", code="not_an_agent")
    return user, agent


def agent_of_wechat_user(wechat_user_id):
    """The agent a mini-program user is (one who left is none), or None."""
    return _unless_left(_AGENT_OF_WECHAT_USER.first(wechat_user_id))


def _unless_left(agent):
    return agent if agent is not None and agent.status != "left" else None


def dev_login(*, agent_id=None, openid=None):
    """Sign in without WeChat (development only): as the agent `agent_id` (its WeChat user is made and bound
    when it has none) or as the WeChat user `openid`; NotFound when dev login is off."""
    if agent_id is None:
        return accounts.dev_login(openid=openid)
    if not get_settings().dev_login_enabled:
        raise NotFound("接口不存在", code="not_found")
    agent = get_agent(agent_id)
    if agent.wechat_user_id is not None:
        return accounts.dev_login(openid=agent.wechat_user.openid)
    session = accounts.dev_login(openid=f"dev-agent-{agent.id}")
    with db.atomic():
        Agent.update(wechat_user=session.user_id).where(Agent.id == agent.id, Agent.wechat_user.is_null()).execute()
    return session


def get_agent(agent_id):
    """One agent with its level, or NotFound."""
    agent = agent_with_level(agent_id)
    if agent is None:
        raise NotFound("代理不存在", code="agent_not_found")
    return agent


def names_of(agent_ids):
    """{agent id: name} of the agents among `agent_ids` (one query; unknown ids are left out)."""
    ids = {int(agent_id) for agent_id in agent_ids if agent_id is not None}
    if not ids:
        return {}
    return dict(Agent.select(Agent.id, Agent.name).where(Agent.id.in_(sorted(ids))).tuples())


def find_agents(text, *, limit=20):
    """Agents a typed text names, by name: a mobile number in it matches that phone, a few digits the start of a
    phone, anything else a part of the name (for pickers: "王总", "1380000", "王总 13800000001")."""
    text = (text or "").strip()[:64]
    if not text:
        return []
    query = Agent.select(Agent.id, Agent.name, Agent.phone, Agent.province, Agent.city, Agent.status)
    mobile = next(filter(None, (phones.mobile_digits(part) for part in text.split())), None)
    digits = phones.phone_prefix(text)
    if mobile:
        query = query.where(Agent.phone == mobile)
    elif digits:
        query = query.where(Agent.phone.startswith(digits))
    else:
        query = query.where(Agent.name.contains(text))
    return list(query.order_by(Agent.name, Agent.id).limit(limit))


def _locked_agent(agent_id):
    agent = for_update(Agent.select().where(Agent.id == agent_id)).first()
    if agent is None:
        raise NotFound("代理不存在", code="agent_not_found")
    if agent.status == "left":
        raise Conflict("该代理已退出", code="agent_left")
    return agent


def _require_name(name):
    name = (name or "").strip()
    if not name:
        raise InvalidInput.on("name", "请填写姓名")
    return name


def _unused_code(column):
    while True:
        code = invites.new_code()
        if not Agent.select().where(column == code).exists():
            return code


def _join(*, name, phone, province, city, level, upline_id, wechat_user_id, term_end, notes, source, actor_id):
    """Create an active agent under `upline_id` (the caller holds the tree lock)."""
    today = local_today()
    agent = Agent.create(name=name, phone=phone, province=province, city=city, level=level.id, upline=upline_id,
                         wechat_user=wechat_user_id, status="active", term_start=today,
                         term_end=term_end or today + timedelta(days=level.term_days),
                         invite_code=_unused_code(Agent.invite_code), notes=notes,
                         bind_code=None if wechat_user_id else _unused_code(Agent.bind_code))
    tree.attach(agent.id, upline_id)
    changes.record(agent.id, "joined", None, level.id, reason="加入", source=source, actor_id=actor_id)
    return agent


def _usable_level(level_id):
    level = get_level(level_id)
    if not level.active:
        raise InvalidInput.on("level_id", "该等级已停用")
    return level


def create_agent(*, actor_id, name, phone, level_id, province="", city="", upline_id=None, term_end=None, notes=""):
    """The owner adds an agent directly (e.g. a general agent at the top); it gets a bind code for WeChat."""
    phone = phones.normalize_mobile(phone)
    level = _usable_level(level_id)
    if term_end is not None and term_end <= local_today():
        raise InvalidInput.on("term_end", "到期日必须晚于今天")
    with db.atomic():
        tree.lock_tree()
        if upline_id is not None:
            _locked_agent(upline_id)
        agent = _join(name=_require_name(name), phone=phone, province=province, city=city, level=level, upline_id=upline_id,
                      wechat_user_id=None, term_end=term_end, notes=notes, source="manual", actor_id=actor_id)
    return get_agent(agent.id)


def bind_code_image(agent_id):
    """The mini-program code an agent the brand added scans to link its WeChat (Conflict once it is linked)."""
    agent = get_agent(agent_id)
    if not agent.bind_code:
        raise Conflict("该代理已绑定微信，无需绑定码", code="agent_already_bound")
    return invites.bind_image(agent)


def agent_named(text, *, field):
    """The one agent `text` names, as a person types it in a form: a mobile number (exact; also in "name phone",
    as the pickers suggest it) or a name only one agent has; InvalidInput on `field` when it names none or
    several."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput.on(field, "请填写代理的姓名或手机号")
    phone = phones.mobile_digits(text) or next(filter(None, map(phones.mobile_digits, text.split())), None)
    matches = list(Agent.select(Agent.id).where(Agent.phone == phone if phone else Agent.name == text).limit(2))
    if not matches:
        raise InvalidInput.on(field, f"没有找到代理「{text}」")
    if len(matches) > 1:
        raise InvalidInput.on(field, f"有多位代理叫「{text}」，请填写手机号")
    return get_agent(matches[0].id)


def bind_wechat(*, wechat_user_id, bind_code):
    """Link the signed-in WeChat user to the agent the owner created, by the agent's one-time bind code."""
    code = invites.normalize_code(bind_code)
    agent = Agent.get_or_none(Agent.bind_code == code) if code else None
    if agent is None or agent.status == "left":
        raise InvalidInput.on("bind_code", "绑定码无效", code="bind_code_invalid")
    try:
        with db.atomic():
            bound = (Agent.update(wechat_user=wechat_user_id, bind_code=None)
                     .where(Agent.id == agent.id, Agent.bind_code == code, Agent.wechat_user.is_null()).execute())
    except IntegrityError as exc:
        raise Conflict("该微信已经绑定了代理身份", code="already_agent") from exc
    if not bound:
        raise InvalidInput.on("bind_code", "绑定码无效", code="bind_code_invalid")
    return get_agent(agent.id)


def report_join_code_guessing(*, openid, ip):
    """Invite or bind codes tried faster than the rate limit allows: logged, and the owners alerted once an hour
    per source (the dedupe key), however long the burst."""
    log.warning("join code guessing: tries beyond the limit from ip=%s openid=%s", ip, openid)
    hour = utcnow().strftime("%Y%m%d%H")
    with db.atomic():
        notify.enqueue(kind="join_code_guessing", recipient=notify.RECIPIENT_OWNERS,
                       data={"ip": ip, "openid": openid}, dedupe_key=f"join_code_guessing:{openid or ip}:{hour}"[:191])


def _refuse_if_cannot_recruit(inviter, level):
    if inviter.status != "active" or (inviter.term_end and inviter.term_end < local_today()):
        raise InvalidInput.on("invite_code", "邀请码已失效：邀请人当前不能发展代理", code="invite_expired")
    if not inviter.level.may_recruit:
        raise Forbidden("邀请人所在等级不能发展代理", code="level_may_not_recruit")
    if level.rank < inviter.level.rank:
        raise Forbidden("只能发展与邀请人同级或更低等级的代理", code="recruit_above_level")


def apply(*, wechat_user_id, invite_code, name, phone="", phone_code="", province="", city="", level_id=None):
    """A WeChat user applies to join under the agent whose invite code it holds, with a typed phone number or
    the code of the mini-program's getPhoneNumber button (exchanged at WeChat for the verified number).

    The application waits for the owner unless the level applied for approves
    automatically. By default one applies for the lowest active level.
    """
    if not phone and not phone_code:
        raise InvalidInput.on("phone", "请填写手机号或授权获取手机号")
    code = invites.normalize_code(invite_code)
    inviter = (Agent.select(Agent, AgentLevel).join(AgentLevel).where(Agent.invite_code == code).first()
               if code else None)
    if inviter is None:
        raise InvalidInput.on("invite_code", "邀请码不存在，请向邀请人核对", code="invite_not_found")
    level = _usable_level(level_id) if level_id else _lowest_level()
    _refuse_if_cannot_recruit(inviter, level)
    name = _require_name(name)
    # The one-time phone code is spent only once everything else about the application holds.
    phone = phones.normalize_mobile(wechat.mini_program_phone_number(phone_code) if phone_code else phone)
    if Agent.select().where(Agent.wechat_user == wechat_user_id).exists():
        raise Conflict("您已经是代理（或曾是代理），请联系品牌方", code="already_agent")
    def record():
        try:
            with db.atomic():
                application = AgentApplication.create(
                    wechat_user=wechat_user_id, inviter=inviter.id, level=level.id, name=name, phone=phone,
                    province=province, city=city, pending_key=wechat_user_id)
        except IntegrityError as exc:
            raise Conflict("您已有待审核的申请，请耐心等待", code="application_pending") from exc
        data = {"application_id": application.id, "name": application.name, "phone": phone,
                "level": level.name, "inviter": inviter.name}
        key = f"agent_application_received:{application.id}"
        notify.enqueue(kind="agent_application_received", recipient=notify.RECIPIENT_OWNERS, data=data,
                       dedupe_key=key + ":owners")
        notify.enqueue(kind="agent_application_received", recipient=notify.recipient_agent(inviter.id), data=data,
                       dedupe_key=key + ":inviter")
        if level.auto_approve_applications:
            _approve(application, actor_id=None)
        return application
    # On a cluster a second pending application sent at once through another node is refused at commit
    # (a deadlock error); its retry meets the first one's row and is told so.
    application = atomic_with_retry(record)
    return AgentApplication.get_by_id(application.id)


def _lowest_level():
    level = AgentLevel.select().where(AgentLevel.active == True).order_by(AgentLevel.rank.desc()).first()  # noqa: E712
    if level is None:
        raise Conflict("品牌尚未设置代理等级", code="no_levels")
    return level


def my_application(wechat_user_id):
    """The WeChat user's latest application, or NotFound."""
    application = (AgentApplication.select().where(AgentApplication.wechat_user == wechat_user_id)
                   .order_by(AgentApplication.id.desc()).first())
    if application is None:
        raise NotFound("没有申请记录", code="application_not_found")
    return application


def _decide(application_id, status, *, actor_id, reason=""):
    decided = (AgentApplication.update(status=status, pending_key=None, decided_by=actor_id, decided_at=utcnow(),
                                       decision_reason=reason)
               .where(AgentApplication.id == application_id, AgentApplication.status == "pending").execute())
    if not decided:
        if not AgentApplication.select().where(AgentApplication.id == application_id).exists():
            raise NotFound("申请不存在", code="application_not_found")
        raise Conflict("该申请已处理", code="application_decided")


def _approve(application, *, actor_id):
    tree.lock_tree()
    _decide(application.id, "approved", actor_id=actor_id)
    inviter = get_agent(application.inviter_id)
    if inviter.status == "left":
        raise Conflict("邀请人已退出，请拒绝该申请", code="inviter_left")
    try:
        with db.atomic():
            agent = _join(name=application.name, phone=application.phone, province=application.province,
                          city=application.city, level=application.level, upline_id=inviter.id,
                          wechat_user_id=application.wechat_user_id, term_end=None, notes="",
                          source="application", actor_id=actor_id)
    except IntegrityError as exc:
        raise Conflict("该微信已经是代理", code="already_agent") from exc
    AgentApplication.update(agent=agent.id).where(AgentApplication.id == application.id).execute()
    data = {"application_id": application.id, "agent_id": agent.id, "name": agent.name,
            "level": application.level.name, "invite_code": agent.invite_code}
    key = f"agent_application_approved:{application.id}"
    notify.enqueue(kind="agent_application_approved", recipient=notify.recipient_agent(agent.id), data=data,
                   dedupe_key=key + ":agent")
    notify.enqueue(kind="agent_application_approved", recipient=notify.recipient_agent(inviter.id), data=data,
                   dedupe_key=key + ":inviter")
    return agent


def _get_application(application_id):
    application = AgentApplication.get_or_none(AgentApplication.id == application_id)
    if application is None:
        raise NotFound("申请不存在", code="application_not_found")
    return application


def approve_application(*, application_id, actor_id):
    """The owner approves a pending application: the applicant becomes an active agent under the inviter."""
    agent = atomic_with_retry(lambda: _approve(_get_application(application_id), actor_id=actor_id))
    return get_agent(agent.id)


def reject_application(*, application_id, actor_id, reason):
    """The owner rejects a pending application, saying why."""
    reason = changes.require_reason(reason)
    with db.atomic():
        _decide(application_id, "rejected", actor_id=actor_id, reason=reason)
    return _get_application(application_id)


def list_applications(*, status=None, page=1, per_page=20):
    """Applications, newest first, one page: (items, total)."""
    query = AgentApplication.select()
    if status:
        query = query.where(AgentApplication.status == status)
    return paginate(query.order_by(AgentApplication.id.desc()), page=page, per_page=per_page)


def change_level(*, agent_id, level_id, reason, actor_id):
    """The owner sets an agent's level by hand; the reason is required and kept in the history."""
    reason = changes.require_reason(reason)
    level = _usable_level(level_id)
    agent = get_agent(agent_id)
    if agent.status == "left":
        raise Conflict("该代理已退出", code="agent_left")
    if agent.level_id == level.id:
        raise Conflict("代理已是该等级", code="same_level")
    with db.atomic():
        changes.set_level(agent, level, reason=reason, source="manual", actor_id=actor_id)
    return get_agent(agent_id)


def change_upline(*, agent_id, upline_id, reason, actor_id):
    """The owner moves an agent (with its whole team) under another upline, or to the top (None)."""
    reason = changes.require_reason(reason)

    def move():  # the tree's lock row makes two moves on two nodes of a cluster conflict: the retry sees the first
        tree.lock_tree()
        agent = _locked_agent(agent_id)
        if upline_id == agent.upline_id:
            raise Conflict("代理已在该上级之下", code="same_upline")
        if upline_id is not None:
            _locked_agent(upline_id)
            if tree.is_within(agent.id, upline_id):
                raise Conflict("不能把代理挂到自己或自己的下级之下", code="upline_cycle")
        tree.move(agent.id, upline_id)
        Agent.update(upline=upline_id).where(Agent.id == agent.id).execute()
        changes.record(agent.id, "upline", agent.upline_id, upline_id, reason=reason, source="manual",
                       actor_id=actor_id)
    atomic_with_retry(move)
    return get_agent(agent_id)


def leave(*, agent_id, reason, actor_id):
    """An agent leaves the network: its direct downline moves to its upline (recorded); it is kept as `left`."""
    reason = changes.require_reason(reason)
    atomic_with_retry(lambda: _leave(agent_id, reason, actor_id))
    return get_agent(agent_id)


def _leave(agent_id, reason, actor_id):
    """Runs inside leave()'s transaction: the agent's direct downline moves up; it is kept as `left`."""
    tree.lock_tree()
    agent = _locked_agent(agent_id)
    children = [row[0] for row in Agent.select(Agent.id).where(Agent.upline == agent.id).tuples()]
    tree.lift_subtree(agent.id)
    Agent.update(upline=agent.upline_id).where(Agent.upline == agent.id).execute()
    moved = f"上级{agent.name}退出，转到其上级"
    AgentChange.insert_many([
        {"agent": child, "kind": "upline", "old_value": str(agent.id), "new_value": str(agent.upline_id or ""),
         "reason": moved, "source": "leave", "actor": actor_id} for child in children]).execute()
    Agent.update(status="left", bind_code=None).where(Agent.id == agent.id).execute()
    changes.record(agent.id, "status", agent.status, "left", reason=reason, source="manual", actor_id=actor_id)


def change_status(*, agent_id, status, reason, actor_id):
    """The owner activates, suspends or lets an agent leave; the reason is kept in the history."""
    if status not in STATUSES_SET_BY_HAND:
        raise InvalidInput.on("status", "状态必须是 " + "、".join(STATUSES_SET_BY_HAND) + " 之一")
    if status == "left":
        return leave(agent_id=agent_id, reason=reason, actor_id=actor_id)
    reason = changes.require_reason(reason)
    with db.atomic():
        agent = _locked_agent(agent_id)
        if agent.status == status:
            raise Conflict("状态未变化", code="same_status")
        if status == "active" and agent.term_end and agent.term_end < local_today():
            raise Conflict("代理期限已过，请先续期", code="term_expired")
        Agent.update(status=status).where(Agent.id == agent.id).execute()
        changes.record(agent.id, "status", agent.status, status, reason=reason, source="manual", actor_id=actor_id)
    return get_agent(agent_id)


def renew_term(*, agent_id, actor_id, term_end=None, reason="续期"):
    """Extend an agent's term (by its level's term length from today or the old end, or to `term_end`);
    an expired agent becomes active again."""
    reason = changes.require_reason(reason)
    today = local_today()
    with db.atomic():
        agent = _locked_agent(agent_id)
        if term_end is None:
            term_end = max(agent.term_end or today, today) + timedelta(days=agent.level.term_days)
        if term_end <= today:
            raise InvalidInput.on("term_end", "续期后的到期日必须晚于今天")
        status = "active" if agent.status == "expired" else agent.status
        Agent.update(term_end=term_end, status=status).where(Agent.id == agent.id).execute()
        changes.record(agent.id, "term", agent.term_end, term_end, reason=reason, source="manual", actor_id=actor_id)
        if status != agent.status:
            changes.record(agent.id, "status", agent.status, status, reason=reason, source="manual",
                           actor_id=actor_id)
    return get_agent(agent_id)


def ensure_may_order(agent):
    """Forbidden (with the reason, in Chinese) unless the agent is active and within its term."""
    if agent.status != "active":
        raise Forbidden(ORDER_REFUSALS.get(agent.status, "您当前不能下单"), code=f"agent_{agent.status}")
    if agent.term_end and agent.term_end < local_today():
        raise Forbidden(ORDER_REFUSALS["expired"], code="agent_expired")


_HAS_BOUGHT = Prepared(lambda param: (AgentPurchase.select(SQL("1")).where(AgentPurchase.agent == param)
                                      .limit(SQL("1")).tuples()))


def minimum_first_order_fen(agent):
    """The smallest first order the agent's level asks for (0 once the agent has bought anything): the level as
    kept per process, and whether the agent has bought only where the level asks for a minimum."""
    level = cached_level(agent.level_id)
    minimum = level.min_first_purchase_fen if level is not None else 0
    return minimum if minimum and _HAS_BOUGHT.first(agent.id) is None else 0


def list_agents(*, level_id=None, province=None, city=None, status=None, upline_id=None, top_only=False,
                search=None, page=1, per_page=20):
    """Agents matching every filter given, oldest first, one page: (items, total)."""
    query = Agent.select(Agent, AgentLevel).join(AgentLevel)
    for column, value in ((Agent.level, level_id), (Agent.province, province), (Agent.city, city),
                          (Agent.status, status), (Agent.upline, upline_id)):
        if value is not None:
            query = query.where(column == value)
    if top_only:
        query = query.where(Agent.upline.is_null())
    if search:
        query = query.where(Agent.name.contains(search) | Agent.phone.startswith(search))
    return paginate(query.order_by(Agent.id), page=page, per_page=per_page)


def history(agent_id):
    """The agent's history, newest first."""
    get_agent(agent_id)
    return list(AgentChange.select().where(AgentChange.agent == agent_id)
                .order_by(AgentChange.id.desc()))


def _standing(agent):
    """The agent's status as its powers see it: "expired" once its term has passed, even before the nightly job."""
    if agent.status == "active" and agent.term_end and agent.term_end < local_today():
        return "expired"
    return agent.status


def standing(agent):
    """The agent's status as the world should see it: "expired" once its term has passed, even before the nightly
    job marks it (for the authorization certificate's verification)."""
    return _standing(agent)


# Two columns of one row: a 转货 checks its upline still sells, and the whole agent with its level cost it more
# Python time than any other of its reads.
_STANDING_COLUMNS = Prepared(lambda param: Agent.select(Agent.status, Agent.term_end).where(Agent.id == param))


def standing_of(*, agent_id):
    """`standing` of the agent with this id, read alone (NotFound when there is none)."""
    agent = _STANDING_COLUMNS.first(agent_id)
    if agent is None:
        raise NotFound("代理不存在", code="agent_not_found")
    return _standing(agent)


def agents_with_phone(phone):
    """The agents (with their levels) registered with this 11-digit mobile number, newest first; none who left."""
    return list(Agent.select(Agent, AgentLevel).join(AgentLevel)
                .where(Agent.phone == phone, Agent.status != "left").order_by(Agent.id.desc()).limit(5))


def ensure_upline_powers(agent):
    """Forbidden unless the agent is active and within its term: the one check on what an agent may do as an
    upline (see its downline and team, approve their orders). A suspended or expired agent keeps only its own
    profile, orders and money."""
    status = _standing(agent)
    if status != "active":
        raise Forbidden(UPLINE_REFUSALS.get(status, "您当前不能行使上级权限"), code=f"agent_{status}")


def approving_upline_id(agent_id):
    """Who approves the agent's orders now, by the tree as it is: its direct upline while that upline holds its
    upline powers, else None (the brand decides in the console). The one rule for "who approves this order"."""
    agent = Agent.get_or_none(Agent.id == agent_id)
    upline = Agent.get_or_none(Agent.id == agent.upline_id) if agent and agent.upline_id else None
    return upline.id if upline is not None and _standing(upline) == "active" else None


def approval_scope(approver):
    """A subquery of the agents whose orders `approver` decides now (its direct downline), by the same rule as
    approving_upline_id; Forbidden when the approver has no upline powers."""
    ensure_upline_powers(approver)
    return Agent.select(Agent.id).where(Agent.upline == approver.id)


def ensure_may_see_team(viewer):
    """Forbidden unless the viewer may look at its downline: in good standing, and its level's `may_see_team`.
    Checked before any id is looked at, so a refused viewer learns nothing of who exists."""
    ensure_upline_powers(viewer)
    if not viewer.level.may_see_team:
        raise Forbidden("您所在的等级不能查看团队数据", code="team_hidden")


def visible_agent(viewer, agent_id):
    """An agent the viewer may look at: itself, or someone in its current downline when it may see its team;
    NotFound for anyone else (an agent cannot even learn whether others exist)."""
    if agent_id != viewer.id:
        ensure_may_see_team(viewer)
        target = Agent.get_or_none(Agent.id == agent_id)
        if target is None or target.status == "left" or not tree.is_within(viewer.id, agent_id):
            raise NotFound("代理不存在", code="agent_not_found")
    return get_agent(agent_id)


def team(*, agent_id, page=1, per_page=20, max_depth=None):
    """An agent's downline: counts (in all, direct, by depth, by level) and one page of members, nearest first."""
    get_agent(agent_id)
    by_depth, by_level = {}, {}
    for depth, level_id, count in tree.counts(agent_id):
        by_depth[depth] = by_depth.get(depth, 0) + count
        by_level[level_id] = by_level.get(level_id, 0) + count
    levels = {level.id: level for level in AgentLevel.select().where(AgentLevel.id.in_(list(by_level) or [0]))}
    return {
        "agent_id": agent_id,
        "total": sum(by_depth.values()),
        "direct": by_depth.get(1, 0),
        "by_depth": [{"depth": depth, "count": by_depth[depth]} for depth in sorted(by_depth)],
        "by_level": [{"level_id": level_id, "level_name": levels[level_id].name, "count": count}
                     for level_id, count in sorted(by_level.items(), key=lambda item: levels[item[0]].rank)],
        "members": tree.members(agent_id, offset=(page - 1) * per_page, limit=per_page, max_depth=max_depth),
        "page": page,
        "per_page": per_page,
    }


def team_for_viewer(viewer, *, agent_id, **paging):
    """The team of `agent_id` as the viewer may see it: its own or a downline member's, if it may see its team."""
    ensure_may_see_team(viewer)
    visible_agent(viewer, agent_id)
    return team(agent_id=agent_id, **paging)


def performance_for_viewer(viewer, *, agent_id, start=None, end=None):
    """A downline member's figures over a period, as the viewer may see them (only if it may see its team)."""
    ensure_may_see_team(viewer)
    visible_agent(viewer, agent_id)
    return performance(agent_id, start=start, end=end)


def my_performance(agent, *, start=None, end=None):
    """The agent's own figures; the team's purchases only when its level may see team figures."""
    figures = performance(agent.id, start=start, end=end)
    try:
        ensure_may_see_team(agent)
    except Forbidden:
        figures["team_purchase"] = None
    return figures


def count_downline(agent_id):
    """How many current members the agent's downline has."""
    return sum(count for _, _, count in tree.counts(agent_id))


# Read on every request an agent makes and on every 转货 (its upline): building it cost more than running it.
_AGENT_WITH_LEVEL = Prepared(lambda param: Agent.select(Agent, AgentLevel).join(AgentLevel).where(Agent.id == param))


def agent_with_level(agent_id):
    """The agent with its level loaded, or None (for callers to whom a missing agent is no error)."""
    return _AGENT_WITH_LEVEL.first(agent_id)


def mini_program_openid(agent_id):
    """The openid the agent signs in to the mini-program with, or None."""
    wechat_user = Agent.wechat_user.rel_model  # the account joined along the agent's own foreign key
    agent = Agent.select(Agent, wechat_user).join(wechat_user).where(Agent.id == agent_id).first()
    return agent.wechat_user.openid if agent else None


def downline_tree(agent_id, *, max_depth=None, limit=500):
    """The agent's current downline as nested nodes, nearest levels first: (root node, members shown, in all).

    A node is {"agent", "children"}; at most `limit` members are placed, so a huge team stays readable.
    """
    root = {"agent": get_agent(agent_id), "children": []}
    nodes = {agent_id: root}
    shown = tree.members(agent_id, offset=0, limit=limit, max_depth=max_depth)
    for member in shown:
        node = nodes[member.id] = {"agent": member, "children": []}
        if member.upline_id in nodes:
            nodes[member.upline_id]["children"].append(node)
    return root, len(shown), count_downline(agent_id)
