"""Console page: price control (控价) — violations by agent, and the owner's action on each.

Roles are the JSON API's (`app/admin/price_control.py`): staff and finance read, staff act.
"""
from flask import g, request, url_for

from app.admin import price_control as api
from app.admin.pages.web import act, form_values, load, page, query_args, render
from app.codes import service as codes

KIND_NAMES = {"cross_region": "窜货", "price_low": "低于限价", "price_high": "高于限价"}
STATUS_NAMES = {"open": "待处理", "warned": "已警告", "noted": "已备注", "suspended": "已停权", "dismissed": "已忽略"}
ACTION_NAMES = {"warn": "警告", "note": "备注", "suspend": "停权", "dismiss": "忽略"}


def _violations_page(status=200, error=None, acted=None):
    args, errors = query_args(api.AdminViolationListArgs())
    items, total = codes.list_violations(**args)
    return render("codes/violations.html", status, items=items, total=total, args=args, errors=errors,
                  filters=form_values(request.args), kinds=KIND_NAMES, statuses=STATUS_NAMES, actions=ACTION_NAMES,
                  acted=acted, values=form_values() if error else {}, row_errors=error.fields if error else {},
                  message=error.message if error else None)


@page("/price-control", roles=api.READ_ROLES)
def violations():
    """Violations, newest first, filtered by agent, kind or status, each with the action form."""
    return _violations_page()


@page("/price-control/<id:violation_id>/act", roles=("staff",), methods=("POST",))
def violation_act(violation_id):
    """Warn the agent, note, suspend the agent (the note is the reason) or dismiss."""
    return act(lambda: codes.act_on_violation(violation_id=violation_id, actor_id=g.admin.id,
                                              **load(api.AdminViolationActBody(), form_values())),
               done=url_for("console.violations"), message=f"已处理违规 #{violation_id}",
               redisplay=lambda exc: _violations_page(exc.status, exc, acted=violation_id))
