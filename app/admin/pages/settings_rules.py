"""Console pages: settings — commission rule versions: the list, one version, and a new version (a copy of the one
in force to start from, rates typed as percentages, team tiers as rows) with a preview of its commission lines on a
sample order, the buyer named by name or phone, before it is saved. Roles are the JSON API's (`app/admin/commission.py`):
finance reads and previews, the owner creates."""
import json
import re

from flask import g, url_for

from app.admin import commission as api
from app.admin.pages import exports
from app.admin.pages.web import act, form_values, load, page, query_args, render, whole_number
from app.agents import service as agents
from app.catalog import service as catalog
from app.clock import local_text, local_today
from app.errors import DomainError, InvalidInput
from app.finance import service as finance
from app.money import format_percent, format_yuan, parse_percent
from app.schemas import PageArgs

RULE_NAMES = finance.RULE_NAMES
SECTIONS = tuple(RULE_NAMES)
VERSION_HEADERS = ("版本", "生效日期", "分佣层级", "备注", "创建时间")
TEAM_ROWS = 6


def _percent(values, key):
    """A rate typed as a percentage (3 = 3%) in basis points; absent stays absent."""
    if key not in values:
        return None
    try:
        return parse_percent(values[key])
    except ValueError as exc:
        raise InvalidInput.on(key, "请填写0到100之间的百分数，如 3 表示 3%，最多两位小数") from exc


def _tiers(values):
    """The team tiers' filled rows: the month's team purchases from (yuan) and the rate (percent)."""
    tiers = []
    for row in range(TEAM_ROWS):
        threshold, rate = values.get(f"team.tiers.{row}.from"), _percent(values, f"team.tiers.{row}.rate_pct")
        if threshold is not None or rate is not None:
            tiers.append({"from": threshold, "rate_bp": rate})
    return tiers


def _body(values):
    """The form's flat fields (rates as percentages, tiers as rows, the buyer by name or phone) as the API's body."""
    enabled = {section: values.get(f"{section}.enabled") == "true" for section in SECTIONS}
    rates = [rate for rate in (_percent(values, f"same_level.rate_pct.{i}") for i in (0, 1)) if rate is not None]
    referral = {key: values[f"referral.{key}"] for key in ("kind", "amount", "scope") if f"referral.{key}" in values}
    if "referral.rate_pct" in values:
        referral["rate_bp"] = _percent(values, "referral.rate_pct")
    if "referral.months" in values:
        referral["months"] = whole_number(values["referral.months"])
    sample = {key: values[key] for key in ("effective_from", "note", "product_id", "quantity") if key in values}
    if values.get("buyer"):
        sample["buyer_agent_id"] = agents.agent_named(values["buyer"], field="buyer").id
    return {"rules": {"level_difference": {"enabled": enabled["level_difference"]},
                      "same_level": {"enabled": enabled["same_level"], "rates_bp": rates},
                      "referral": {"enabled": enabled["referral"], **referral},
                      "team": {"enabled": enabled["team"], "tiers": _tiers(values)},
                      "cloud_transfers": {"enabled": values.get("cloud_transfers.enabled") == "true"}},
            **sample, "max_depth": whole_number(values.get("max_depth", "3")),
            "allow_deeper": values.get("allow_deeper") == "true"}


# The API's and the service's field names as the form's.
FORM_FIELDS = ((re.compile(r"same_level\.rates_bp(?:\.(\d))?"), lambda m: f"same_level.rate_pct.{m[1] or 0}"),
               (re.compile(r"referral\.rate_bp"), lambda m: "referral.rate_pct"),
               (re.compile(r"referral\.amount(?:_fen)?"), lambda m: "referral.amount"),
               (re.compile(r"team\.tiers\.(\d+)\.from(?:_fen)?"), lambda m: f"team.tiers.{m[1]}.from"),
               (re.compile(r"team\.tiers\.(\d+)\.rate_bp"), lambda m: f"team.tiers.{m[1]}.rate_pct"),
               (re.compile(r"team\.tiers(?:\.(\d+))?"), lambda m: f"team.tiers.{m[1] or 0}.from"),
               (re.compile(r"buyer_agent_id"), lambda m: "buyer"))


def _form_errors(fields):
    """Errors of the API and of the service, keyed by the form's field names."""
    errors = {}
    for key, message in fields.items():
        key = key.removeprefix("rules.")
        for pattern, form_name in FORM_FIELDS:
            match = pattern.fullmatch(key)
            if match:
                key = form_name(match)
                break
        errors.setdefault(key, message)
    return errors


def _copy_of_rules_in_force():
    """The form's values for a new version: a copy of the version in force today (or level difference alone)."""
    today = local_today()
    version_id, rules = finance.rules_in_force({today})[today]
    values = {"effective_from": today.isoformat(), "max_depth": str(rules.max_depth if version_id else 3),
              "quantity": "1"}
    if version_id is None:
        return {**values, "level_difference.enabled": "true"}
    stored = rules.to_json()
    values.update({f"{section}.enabled": "true" for section in SECTIONS if stored[section]["enabled"]})
    values.update({f"same_level.rate_pct.{i}": format_percent(rate)
                   for i, rate in enumerate(stored["same_level"]["rates_bp"])})
    referral = stored["referral"]
    values.update({"referral.kind": referral["kind"], "referral.scope": referral["scope"],
                   "referral.amount": format_yuan(referral["amount_fen"]),
                   "referral.rate_pct": format_percent(referral["rate_bp"]), "referral.months": str(referral["months"])})
    for row, tier in enumerate(stored["team"]["tiers"][:TEAM_ROWS]):
        values.update({f"team.tiers.{row}.from": format_yuan(tier["from_fen"]),
                       f"team.tiers.{row}.rate_pct": format_percent(tier["rate_bp"])})
    if rules.allow_deeper:
        values["allow_deeper"] = "true"
    if rules.cloud_transfers:
        values["cloud_transfers.enabled"] = "true"
    return {**values, "copied_from": version_id}


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
    return render("settings/rule_new.html", status, values=values or _copy_of_rules_in_force(), preview=preview,
                  team_rows=range(TEAM_ROWS),
                  errors=_form_errors(error.fields) if error else {}, message=error.message if error else None,
                  names=RULE_NAMES,
                  products=[(p.id, p.name) for p in catalog.list_products(active=True, per_page=200)[0]])


@page("/settings/rules/new", roles=api.FINANCE)
def settings_rule_new():
    """The form for a new version, starting as a copy of the version in force."""
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
