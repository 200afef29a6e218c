"""Console pages: settings — commission rule versions: the list, one version, and a new version with a preview of
its commission lines on a sample order before it is saved. Roles are the JSON API's (`app/admin/commission.py`):
finance reads and previews, the owner creates."""
import json

from flask import g, url_for

from app.admin import commission as api
from app.admin.pages import exports
from app.admin.pages.web import act, form_values, load, page, query_args, render, whole_number
from app.catalog import service as catalog
from app.clock import local_text, local_today
from app.errors import DomainError
from app.finance import service as finance
from app.schemas import PageArgs

RULE_NAMES = finance.RULE_NAMES
SECTIONS = tuple(RULE_NAMES)
VERSION_HEADERS = ("版本", "生效日期", "分佣层级", "备注", "创建时间")


def _tiers(text):
    """Team tiers typed one per line as "门槛金额 比例": from yuan, rate in basis points."""
    tiers = []
    for line in (text or "").splitlines():
        parts = line.replace("，", " ").replace(",", " ").split()
        if parts:
            tiers.append({"from": parts[0], "rate_bp": whole_number(parts[1]) if len(parts) > 1 else None})
    return tiers


def _body(values):
    """The form's flat fields as the API's rule-set body."""
    enabled = {section: values.get(f"{section}.enabled") == "true" for section in SECTIONS}
    rates = [whole_number(values[key]) for key in ("same_level.rates_bp.0", "same_level.rates_bp.1") if key in values]
    referral = {key: values[f"referral.{key}"] for key in ("kind", "amount", "scope") if f"referral.{key}" in values}
    referral.update({key: whole_number(values[f"referral.{key}"]) for key in ("rate_bp", "months")
                     if f"referral.{key}" in values})
    return {"rules": {"level_difference": {"enabled": enabled["level_difference"]},
                      "same_level": {"enabled": enabled["same_level"], "rates_bp": rates},
                      "referral": {"enabled": enabled["referral"], **referral},
                      "team": {"enabled": enabled["team"], "tiers": _tiers(values.get("team.tiers"))},
                      "cloud_transfers": {"enabled": values.get("cloud_transfers.enabled") == "true"}},
            **{key: values[key] for key in ("effective_from", "note", "buyer_agent_id", "product_id", "quantity")
               if key in values},
            "max_depth": whole_number(values.get("max_depth", "3")),
            "allow_deeper": values.get("allow_deeper") == "true"}


def _form_errors(fields):
    """Errors of the API and of the service, keyed by the form's field names."""
    errors = {}
    for key, message in fields.items():
        key = key.removeprefix("rules.").removesuffix("_fen")
        key = "team.tiers" if key.startswith("team") else key
        errors.setdefault(key + ".0" if key == "same_level.rates_bp" else key, message)
    return errors


@page("/settings/rules", roles=api.FINANCE)
def settings_rules():
    """Every rule version, newest effective date first, a page at a time."""
    args, _ = query_args(PageArgs())
    items, total = finance.list_versions(**args)
    return render("settings/rules.html", items=items, total=total, args=args, today=local_today())


exports.register_list("rule-versions", title="分佣规则版本", headers=VERSION_HEADERS, schema=PageArgs,
                      lister=finance.list_versions,
                      shape=lambda items: ((v.id, v.effective_from, v.max_depth, v.note, local_text(v.created_at))
                                           for v in items))


@page("/settings/rules/export", roles=api.FINANCE)
def settings_rules_export():
    """The commission rule versions as .xlsx."""
    return exports.send_export("rule-versions")


@page("/settings/rules/<id:version_id>", roles=api.FINANCE)
def settings_rule(version_id):
    """One rule version: its rules in words and numbers."""
    version = finance.get_version(version_id)
    return render("settings/rule.html", version=version, rules=json.loads(version.rules), names=RULE_NAMES)


def _new_page(status=200, values=None, error=None, preview=None):
    default = {"effective_from": local_today().isoformat(), "max_depth": "3", "level_difference.enabled": "true",
               "quantity": "1"}
    return render("settings/rule_new.html", status, values=values or default, preview=preview,
                  errors=_form_errors(error.fields) if error else {}, message=error.message if error else None,
                  names=RULE_NAMES,
                  products=[(p.id, p.name) for p in catalog.list_products(active=True, per_page=200)[0]])


@page("/settings/rules/new", roles=api.FINANCE)
def settings_rule_new():
    """The form for a new version, filled with sensible defaults."""
    return _new_page()


@page("/settings/rules/preview", roles=api.FINANCE, methods=("POST",))
def settings_rule_preview():
    """The form again with the commission lines its rules would pay on the sample order, and any warning."""
    values = form_values()
    try:
        preview = finance.preview_order(**load(api.AdminRuleSampleBody(), _body(values)))
    except DomainError as exc:
        return _new_page(exc.status, values, exc)
    return _new_page(values=values, preview=preview)


@page("/settings/rules/new", roles=("owner",), methods=("POST",), endpoint="settings_rule_create")
def settings_rule_create():
    """Save the new version from its effective date; a depth over three needs the explicit tick and warns."""
    values = form_values()
    return act(lambda: finance.create_version(actor_id=g.admin.id, **load(api.AdminRuleVersionBody(), _body(values))),
               done=lambda created: url_for("console.settings_rule", version_id=created[0].id),
               message=lambda created: " ".join([f"已保存规则版本 #{created[0].id}，{created[0].effective_from} 起生效",
                                                 *created[1]]),
               redisplay=lambda exc: _new_page(exc.status, values, exc))
