"""Console page: price control (控价) — violations by agent, and the owner's action on each.

Roles are the JSON API's (`app/admin/price_control.py`): staff and finance read, staff act.
"""
from flask import g, url_for

from app.admin import price_control as api
from app.admin.pages import exports
from app.admin.pages.codes import PLACE_SOURCE_NAMES
from app.admin.pages.web import act, form_values, load, page, picked_filters, query_args, render
from app.clock import local_text
from app.codes import service as codes
from app.money import format_yuan

KIND_NAMES = codes.VIOLATION_KIND_NAMES
STATUS_NAMES = codes.VIOLATION_STATUS_NAMES
ACTION_NAMES = codes.VIOLATION_ACTION_NAMES
VIOLATION_HEADERS = ("编号", "代理ID", "类型", "成交价（元）", "最低价（元）", "最高价（元）", "地区", "状态", "处理备注",
                     "时间")


def _violations_page(status=200, error=None, acted=None):
    args, errors = query_args(api.AdminViolationListArgs(), agent_fields=("agent_id",))
    items, total = codes.list_violations(**args)
    return render("codes/violations.html", status, items=items, total=total, args=args, errors=errors,
                  filters=picked_filters(args, ("agent_id",)), kinds=KIND_NAMES, statuses=STATUS_NAMES, actions=ACTION_NAMES,
                  place_sources=PLACE_SOURCE_NAMES, acted=acted, values=form_values() if error else {}, row_errors=error.fields if error else {},
                  message=error.message if error else None)


@page("/price-control", roles=api.READ_ROLES)
def violations():
    """Violations, newest first, filtered by agent, kind or status, each with the action form."""
    return _violations_page()


def _yuan_or_blank(fen):
    return "" if fen is None else format_yuan(fen)


exports.register_list("price-violations", title="控价违规", headers=VIOLATION_HEADERS,
                      schema=api.AdminViolationListArgs, lister=codes.list_violations,
                      shape=lambda items: ((v.id, v.agent_id, KIND_NAMES.get(v.kind, v.kind), _yuan_or_blank(v.price_fen),
                                            _yuan_or_blank(v.min_fen), _yuan_or_blank(v.max_fen), v.province,
                                            STATUS_NAMES.get(v.status, v.status), v.action_note,
                                            local_text(v.created_at)) for v in items))


@page("/price-control/export", roles=api.READ_ROLES)
def violations_export():
    """The filtered violations as .xlsx."""
    return exports.send_export("price-violations")


@page("/price-control/<id:violation_id>/act", roles=("staff",), methods=("POST",))
def violation_act(violation_id):
    """Warn the agent, note, suspend the agent (the note is the reason) or dismiss."""
    return act(lambda: codes.act_on_violation(violation_id=violation_id, actor_id=g.admin.id,
                                              **load(api.AdminViolationActBody(), form_values())),
               done=url_for("console.violations"), message=f"已处理违规 #{violation_id}",
               redisplay=lambda exc: _violations_page(exc.status, exc, acted=violation_id))
