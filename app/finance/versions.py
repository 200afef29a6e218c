"""Commission rule versions: each kept, in force from its effective date until a later one takes over."""
import json

from app.clock import local_today
from app.database import Prepared, db, paginate
from app.errors import InvalidInput, NotFound
from app.finance.models import CommissionRuleVersion
from app.finance.rules import NO_RULES, parse_rules
from app.notify import service as notify
from app.reference import COMMISSION_RULES, Referenced


def rules_of(version):
    """The RuleSet of a stored version."""
    return parse_rules(json.loads(version.rules), max_depth=version.max_depth, allow_deeper=version.allow_deeper)


def create_version(*, rules, effective_from, max_depth=3, allow_deeper=False, note="", actor_id=None):
    """Add a rule version in force from `effective_from` (today or later); earlier versions stay as they were.

    Returns (version, warnings); a depth over 3 needs `allow_deeper` and warns the owners.
    """
    if effective_from < local_today():
        raise InvalidInput.on("effective_from", "生效日期不能早于今天（已结算的订单不受新规则影响）")
    parsed = parse_rules(rules, max_depth=max_depth, allow_deeper=allow_deeper)
    with db.atomic():
        version = CommissionRuleVersion.create(effective_from=effective_from, max_depth=max_depth,
                                               allow_deeper=allow_deeper, note=note, created_by=actor_id,
                                               rules=json.dumps(parsed.to_json(), ensure_ascii=False))
        if parsed.warnings:
            notify.enqueue(kind="commission_rules_deep", recipient="owners",
                           data={"version_id": version.id, "max_depth": max_depth, "warning": parsed.warnings[0]},
                           dedupe_key=f"commission_rules_deep:{version.id}")
    return version, list(parsed.warnings)


def list_versions(*, page=1, per_page=50):
    """Every rule version, newest effective date first."""
    query = CommissionRuleVersion.select().order_by(CommissionRuleVersion.effective_from.desc(),
                                                    CommissionRuleVersion.id.desc())
    return paginate(query, page=page, per_page=per_page)


def get_version(version_id):
    """One rule version, or NotFound."""
    version = CommissionRuleVersion.get_or_none(CommissionRuleVersion.id == version_id)
    if version is None:
        raise NotFound("规则版本不存在", code="rule_version_not_found")
    return version


_ALL_VERSIONS = Prepared(lambda _: CommissionRuleVersion.select().order_by(CommissionRuleVersion.effective_from,
                                                                         CommissionRuleVersion.id))
_versions = Referenced(COMMISSION_RULES, size=1)


def _parsed_versions():
    """Every version, earliest effective first, each with its RuleSet."""
    return [(version, rules_of(version)) for version in _ALL_VERSIONS.rows()]


def rules_in_force(days):
    """{local date: (version id or None, RuleSet)} — the latest version effective on each day (none: no rules).
    The versions, parsed, are kept per process under their reference version (app/reference.py)."""
    versions = _versions.get("all", _parsed_versions) if days else []
    in_force = {}
    for day in days:
        current = None
        for version, rules in versions:
            if version.effective_from <= day:
                current = (version.id, rules)
        in_force[day] = current or (None, NO_RULES)
    return in_force
