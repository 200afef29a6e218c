"""Console pages: settings (设置) — agent levels and the message templates; the other settings pages live in
settings_*.py and users.py. Roles are the JSON API's (`app/admin/levels.py`): every role reads, the owner writes."""
from flask import url_for

from app.admin import levels as api
from app.admin.pages.web import act, form_values, load, page, render, with_checkboxes
from app.agents import service as agents
from app.notify.service import KIND_NAMES, MINI_PROGRAM, OFFICIAL, configured_kinds, template_for

READERS = ("staff", "finance", "warehouse")
OWNER = ("owner",)
LEVEL_CHECKBOXES = ("may_recruit", "orders_need_upline_approval", "may_see_team", "auto_approve_applications",
                    "active", "level_changes_need_approval")
# Blank means "no rule" for these, so an edit may clear them.
LEVEL_OPTIONAL = ("promote_purchase", "promote_recruits", "demote_below_purchase")
NEW_LEVEL = {"active": True, "may_recruit": True, "may_see_team": True, "term_days": 365, "review_window_days": 30}


@page("/settings", roles=READERS)
def settings():
    """The levels, highest first (a short list: each level is a rung of the network), with the owner's form."""
    return _levels_page()


def _levels_page(status=200, error=None, values=None):
    return render("settings/levels.html", status, levels=agents.list_levels(), values=values or NEW_LEVEL,
                  errors=error.fields if error else {}, message=error.message if error else None)


def _level_values():
    values = with_checkboxes(form_values(), LEVEL_CHECKBOXES)
    return {**{name: None for name in LEVEL_OPTIONAL}, **values}


@page("/settings/levels", roles=OWNER, methods=("POST",))
def settings_level_create():
    """Create a level."""
    values = _level_values()
    return act(lambda: agents.create_level(**load(api.AdminLevelBody(), values)), done=url_for("console.settings"),
               message=lambda level: f"已创建等级「{level.name}」",
               redisplay=lambda exc: _levels_page(exc.status, exc, values))


def _level_page(level_id, status=200, error=None, values=None):
    level = agents.get_level(level_id)
    return render("settings/level.html", status, level=level, values=values or api.AdminLevelOut().dump(level),
                  errors=error.fields if error else {}, message=error.message if error else None)


@page("/settings/levels/<id:level_id>", roles=READERS)
def settings_level(level_id):
    """One level's settings, with the owner's edit and delete."""
    return _level_page(level_id)


@page("/settings/levels/<id:level_id>", roles=OWNER, methods=("POST",), endpoint="settings_level_update")
def settings_level_update(level_id):
    """Change a level's settings."""
    values = _level_values()
    return act(lambda: agents.update_level(level_id, **load(api.AdminLevelPatchBody(), values)),
               done=url_for("console.settings"), message="等级已保存",
               redisplay=lambda exc: _level_page(level_id, exc.status, exc, values))


@page("/settings/levels/<id:level_id>/delete", roles=OWNER, methods=("POST",))
def settings_level_delete(level_id):
    """Delete a level no agent holds; otherwise the refusal says to deactivate it."""
    return act(lambda: agents.delete_level(level_id), done=url_for("console.settings"), message="等级已删除",
               redisplay=lambda exc: _level_page(level_id, exc.status, exc))


@page("/settings/templates", roles=("staff",))
def settings_templates():
    """The message kinds and the WeChat template configured for each (read-only: NOTIFY_TEMPLATES)."""
    kinds = {**KIND_NAMES, **{kind: kind for kind in configured_kinds() if kind not in KIND_NAMES}}
    rows = [(kind, name, template_for(kind, OFFICIAL), template_for(kind, MINI_PROGRAM))
            for kind, name in kinds.items()]
    return render("settings/templates.html", rows=rows)
