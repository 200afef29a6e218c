"""Console pages: agents — the list with filters, the network as a tree, an agent's detail with its history and
the owner's changes (add, level, upline, term, status), applications to join and level proposals. Roles are the
JSON API's (`app/admin/agents.py`)."""
from io import BytesIO

from flask import g, jsonify, request, send_file, url_for

from app.admin import agent_reviews as reviews_api
from app.admin import agents as api
from app.admin.pages import exports
from app.admin.pages.web import (act, form_values, load, may_open, page, picked_filters, query_args, render,
                                 without_paging)
from app.agents import service as agents
from app.finance import service as finance
from app.clock import local_text
from app.config import get_settings
from app.errors import DomainError

STATUS_NAMES = agents.AGENT_STATUS_NAMES
DECISION_NAMES = agents.DECISION_NAMES
CHANGE_NAMES = agents.CHANGE_NAMES
SOURCE_NAMES = {"application": "邀请申请", "review": "系统（等级评审）", "system": "系统", "manual": "后台"}
NETWORK_DEPTH = 3
EXPORT_LIMIT = 100_000
EXPORT_HEADERS = ("ID", "姓名", "电话", "等级", "省", "市", "上级ID", "状态", "期限至", "加入时间")
APPLICATION_HEADERS = ("申请时间", "姓名", "电话", "省", "市", "邀请人ID", "申请等级", "状态", "处理说明")
PROPOSAL_HEADERS = ("时间", "代理ID", "调整", "原等级", "新等级", "依据", "状态", "处理说明")


def _names():
    return {"statuses": STATUS_NAMES, "levels": [(level.id, level.name) for level in agents.list_levels()]}


@page("/agents", roles=api.READERS, endpoint="agents")
def agents_list():
    """Agents, filtered by level, region, status, upline or a name/phone search; a page at a time."""
    args, errors = query_args(api.AdminAgentQuery(), agent_fields=("upline_id",))
    items, total = agents.list_agents(**args)
    return render("agents/list.html", items=items, total=total, args=args, errors=errors,
                  filters=picked_filters(args, ("upline_id",)), **_names())


def _agent_rows(args):
    items, _ = agents.list_agents(**without_paging(args), page=1, per_page=EXPORT_LIMIT)
    return ([a.id, a.name, a.phone, a.level.name, a.province, a.city, a.upline_id, STATUS_NAMES.get(a.status, a.status),
             a.term_end, a.joined_at] for a in items)


exports.register("agents", title="代理", headers=EXPORT_HEADERS, schema=api.AdminAgentQuery, rows=_agent_rows,
                 count=lambda args: agents.list_agents(**without_paging(args), page=1, per_page=1)[1])


PICKER_ROLES = ("staff", "finance", "warehouse")


@page("/agents/lookup", roles=PICKER_ROLES)
def agent_lookup():
    """Agents matching a typed name or phone, as JSON for the pickers' suggestions ([{id, label, region}])."""
    found = agents.find_agents(request.args.get("q", ""), limit=10)
    return jsonify([{"id": agent.id, "label": f"{agent.name} {agent.phone}", "region": f"{agent.province}{agent.city}"}
                    for agent in found])


@page("/agents/export", roles=api.READERS)
def agents_export():
    """The filtered agents as .xlsx (in the background when there are many)."""
    return exports.send_export("agents")


@page("/agents/network", roles=api.READERS)
def agents_network():
    """The network: each top-level agent with its downline as a collapsible tree (the nearest levels)."""
    args, _ = query_args(api.AdminAgentQuery())
    tops, total = agents.list_agents(top_only=True, page=args["page"], per_page=args["per_page"])
    trees = [agents.downline_tree(top.id, max_depth=NETWORK_DEPTH, limit=200) for top in tops]
    return render("agents/network.html", trees=trees, total=total, args=args, depth=NETWORK_DEPTH, **_names())


def _with_upline(values, schema):
    """The form checked by the API's schema, its upline named by name or phone in `upline` (blank: the top)."""
    named = values.get("upline")
    checked = load(schema, {key: value for key, value in values.items() if key != "upline"})
    return {**checked, "upline_id": agents.agent_named(named, field="upline").id if named else None}


def _new_form(*, status=200, error=None, values=None):
    return render("agents/new.html", status, values=values or {}, errors=error.fields if error else {},
                  message=error.message if error else None, **_names())


@page("/agents/new", roles=api.MANAGERS, methods=("GET", "POST"))
def agent_new():
    """Add an agent by hand (a general agent at the top, say); its page then shows the bind code to send it."""
    if request.method == "GET":
        return _new_form()
    values = form_values()
    return act(lambda: agents.create_agent(actor_id=g.admin.id, **_with_upline(values, api.AdminAgentCreateBody())),
               done=lambda agent: url_for("console.agent", agent_id=agent.id),
               message=lambda agent: f"已添加代理 {agent.name}：请把下方的绑定码或小程序码发给他，用来绑定微信",
               redisplay=lambda exc: _new_form(status=exc.status, error=exc, values=values))


@page("/agents/<id:agent_id>/bind-code.png", roles=api.MANAGERS)
def agent_bind_code_image(agent_id):
    """The mini-program code that links the agent's WeChat (scanned in WeChat, it opens the join page)."""
    try:
        png = agents.bind_code_image(agent_id)
    except DomainError as exc:
        return exc.message, exc.status, {"Content-Type": "text/plain; charset=utf-8"}
    return send_file(BytesIO(png), mimetype="image/png", max_age=0, download_name=f"bind-{agent_id}.png")


def _detail(agent_id, *, status=200, error=None, values=None):
    return render("agents/detail.html", status, agent=agents.get_agent(agent_id),
                  mini_program_ready=get_settings().wechat_mp_configured,
                  tree=agents.downline_tree(agent_id, limit=1000), history=agents.history(agent_id),
                  performance=agents.performance(agent_id), change_names=CHANGE_NAMES, values=values or {},
                  message=error.message if error else None, errors=error.fields if error else {},
                  settable=agents.STATUSES_SET_BY_HAND, sources=SOURCE_NAMES, **_names(),
                  goods=finance.goods_balance(agent_id=agent_id) if may_open(g.admin, "console.agent_goods") else None)


@page("/agents/<id:agent_id>", roles=api.READERS)
def agent(agent_id):
    """One agent: contact, level, term, this month's figures, its downline tree and its history."""
    return _detail(agent_id)


def _change(agent_id, schema, call, message):
    values = form_values()
    return act(lambda: call(agent_id=agent_id, actor_id=g.admin.id, **load(schema, values)),
               done=url_for("console.agent", agent_id=agent_id), message=message,
               redisplay=lambda exc: _detail(agent_id, status=exc.status, error=exc, values=values))


@page("/agents/<id:agent_id>/level", roles=api.MANAGERS, methods=("POST",))
def agent_level(agent_id):
    """Change the agent's level by hand, with a reason."""
    return _change(agent_id, api.AdminAgentLevelBody(), agents.change_level, "等级已调整")


@page("/agents/<id:agent_id>/status", roles=api.MANAGERS, methods=("POST",))
def agent_status(agent_id):
    """Suspend, reactivate or remove the agent, with a reason."""
    return _change(agent_id, api.AdminAgentStatusBody(), agents.change_status, "状态已更新")


@page("/agents/<id:agent_id>/upline", roles=api.MANAGERS, methods=("POST",))
def agent_upline(agent_id):
    """Move the agent, with its whole team, under the upline named by name or phone (blank: to the top)."""
    values = form_values()
    return act(lambda: agents.change_upline(agent_id=agent_id, actor_id=g.admin.id,
                                            **_with_upline(values, api.AdminAgentUplineBody(partial=("upline_id",)))),
               done=url_for("console.agent", agent_id=agent_id), message="上级已调整",
               redisplay=lambda exc: _detail(agent_id, status=exc.status, error=exc, values=values))


@page("/agents/<id:agent_id>/renew", roles=api.MANAGERS, methods=("POST",))
def agent_renew(agent_id):
    """Extend the agent's term: to a date, or by its level's term length (an expired agent becomes active)."""
    return _change(agent_id, api.AdminAgentRenewBody(), agents.renew_term, "代理期限已续")


def _decisions_page(template, schema, lister, *, status=200, error=None):
    args, errors = query_args(schema)
    args.setdefault("status", "pending")
    items, total = lister(**args)
    return render(template, status, items=items, total=total, args=args, errors=error.fields if error else errors,
                  message=error.message if error else None, decisions=DECISION_NAMES, **_names())


def _applications_page(**outcome):
    return _decisions_page("agents/applications.html", reviews_api.AdminApplicationQuery(), agents.list_applications,
                           **outcome)


def _proposals_page(**outcome):
    return _decisions_page("agents/proposals.html", reviews_api.AdminProposalQuery(), agents.list_proposals,
                           **outcome)


@page("/agents/applications", roles=api.READERS)
def applications():
    """Applications to join (pending ones by default), with approve and reject."""
    return _applications_page()


def _decide(call, listing, message):
    """One decision from a list page; back to that list, or a refusal shows it again with the reason."""
    values = form_values()
    done = url_for("console.applications" if listing is _applications_page else "console.proposals")
    return act(lambda: call(values), done=done, message=message,
               redisplay=lambda exc: listing(status=exc.status, error=exc))


def _application_rows(items):
    levels = dict(_names()["levels"])
    return ((local_text(a.created_at), a.name, a.phone, a.province, a.city, a.inviter_id, levels.get(a.level_id),
             DECISION_NAMES.get(a.status, a.status), a.decision_reason) for a in items)


exports.register_list("applications", title="入驻申请", headers=APPLICATION_HEADERS,
                      schema=reviews_api.AdminApplicationQuery, lister=agents.list_applications,
                      shape=_application_rows, defaults={"status": "pending"})


@page("/agents/applications/export", roles=api.READERS)
def applications_export():
    """The applications of the chosen status as .xlsx."""
    return exports.send_export("applications")


@page("/agents/applications/<id:application_id>/approve", roles=api.MANAGERS, methods=("POST",))
def application_approve(application_id):
    """Approve: the applicant becomes an active agent under its inviter."""
    return _decide(lambda values: agents.approve_application(application_id=application_id, actor_id=g.admin.id),
                   _applications_page, "已通过申请")


@page("/agents/applications/<id:application_id>/reject", roles=api.MANAGERS, methods=("POST",))
def application_reject(application_id):
    """Reject, saying why."""
    return _decide(lambda values: agents.reject_application(
        application_id=application_id, actor_id=g.admin.id, **load(reviews_api.AdminReasonBody(), values)),
        _applications_page, "已驳回申请")


@page("/agents/proposals", roles=api.READERS)
def proposals():
    """Promotions and demotions the review proposed (waiting ones by default), with apply and reject."""
    return _proposals_page()


def _proposal_rows(items):
    levels = dict(_names()["levels"])
    return ((local_text(p.created_at), p.agent_id, "升级" if p.direction == "up" else "降级", levels.get(p.from_level_id),
             levels.get(p.to_level_id), p.reason, DECISION_NAMES.get(p.status, p.status), p.decision_reason)
            for p in items)


exports.register_list("proposals", title="调级提议", headers=PROPOSAL_HEADERS, schema=reviews_api.AdminProposalQuery,
                      lister=agents.list_proposals, shape=_proposal_rows, defaults={"status": "pending"})


@page("/agents/proposals/export", roles=api.READERS)
def proposals_export():
    """The level proposals of the chosen status as .xlsx."""
    return exports.send_export("proposals")


@page("/agents/proposals/<id:proposal_id>/approve", roles=api.MANAGERS, methods=("POST",))
def proposal_approve(proposal_id):
    """Apply a waiting proposal."""
    return _decide(lambda values: agents.approve_proposal(proposal_id=proposal_id, actor_id=g.admin.id),
                   _proposals_page, "已调整等级")


@page("/agents/proposals/<id:proposal_id>/reject", roles=api.MANAGERS, methods=("POST",))
def proposal_reject(proposal_id):
    """Turn a waiting proposal down, saying why."""
    return _decide(lambda values: agents.reject_proposal(
        proposal_id=proposal_id, actor_id=g.admin.id, **load(reviews_api.AdminReasonBody(), values)),
        _proposals_page, "已驳回调级")


@page("/agents/review", roles=api.MANAGERS, methods=("POST",))
def agents_review():
    """Run the promotion and demotion review now."""
    return _decide(lambda values: agents.review_levels(), _proposals_page, lambda result: (
        f"评审完成：提议 {result['proposed']}，已调整 {result['applied']}，待批 {result['waiting']}"))
