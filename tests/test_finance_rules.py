"""Commission rule versions and the compliance guard on depth."""
from datetime import timedelta

import pytest

from app.clock import local_today
from app.errors import InvalidInput
from app.finance import service as finance
from app.finance.rules import parse_rules
from app.finance.versions import rules_in_force
from app.notify.service import queued
from tests.factories import make_rules

LEVEL_DIFFERENCE = {"level_difference": {"enabled": True}}


def test_a_depth_over_three_is_refused_without_the_explicit_flag():
    with pytest.raises(InvalidInput) as caught:
        finance.create_version(rules=LEVEL_DIFFERENCE, effective_from=local_today(), max_depth=4)
    assert caught.value.code == "depth_over_legal_limit"


def test_a_depth_over_three_with_the_flag_warns_the_owner():
    version, warnings = finance.create_version(rules=LEVEL_DIFFERENCE, effective_from=local_today(), max_depth=4,
                                               allow_deeper=True)
    assert version.max_depth == 4 and "超过三级" in warnings[0]
    assert queued("commission_rules_deep")[0].recipient == "owners"


def test_a_version_cannot_start_in_the_past():
    with pytest.raises(InvalidInput):
        finance.create_version(rules=LEVEL_DIFFERENCE, effective_from=local_today() - timedelta(days=1))


def test_every_version_is_kept_and_the_latest_effective_one_is_in_force():
    first = make_rules(level_difference={})
    tomorrow = local_today() + timedelta(days=1)
    later, _ = finance.create_version(rules={"same_level": {"enabled": True, "rates_bp": [100]}},
                                      effective_from=tomorrow)
    in_force = rules_in_force({local_today(), tomorrow})
    assert in_force[local_today()][0] == first.id and in_force[tomorrow][0] == later.id
    assert finance.list_versions()[1] == 2


@pytest.mark.parametrize("rules, field", [
    ({"same_level": {"enabled": True, "rates_bp": [100, 100, 100]}}, "same_level.rates_bp"),
    ({"same_level": {"enabled": True, "rates_bp": [10001]}}, "same_level.rates_bp.0"),
    ({"referral": {"enabled": True, "kind": "gift"}}, "referral.kind"),
    ({"referral": {"enabled": True, "kind": "fixed", "scope": "months", "months": 0}}, "referral.months"),
    ({"team": {"enabled": True, "tiers": [{"from_fen": 500, "rate_bp": 200}, {"from_fen": 100, "rate_bp": 300}]}},
     "team.tiers"),
])
def test_malformed_rules_name_the_field(rules, field):
    with pytest.raises(InvalidInput) as caught:
        parse_rules(rules)
    assert field in caught.value.fields


def test_a_rule_set_survives_storage_unchanged():
    rules = parse_rules({"referral": {"enabled": True, "kind": "percent", "rate_bp": 250, "scope": "months",
                                      "months": 6},
                         "team": {"enabled": True, "tiers": [{"from_fen": 100, "rate_bp": 100}]}})
    assert parse_rules(rules.to_json()) == rules
