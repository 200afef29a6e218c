"""The demo brand's commission rules: level difference, a same-level bonus and a first-order referral."""
from app.clock import local_today
from app.finance import service as finance

DEMO_RULES = {
    "level_difference": {"enabled": True},
    "same_level": {"enabled": True, "rates_bp": [300]},
    "referral": {"enabled": True, "kind": "fixed", "amount_fen": 5000, "scope": "first_order"},
    "team": {"enabled": True, "tiers": [{"from_fen": 5_000_000, "rate_bp": 100},
                                        {"from_fen": 20_000_000, "rate_bp": 300}]},
}


def seed_commission_rules():
    """Put a first rule version in force from today."""
    version, _ = finance.create_version(rules=DEMO_RULES, effective_from=local_today(), note="演示规则")
    yield f"commission rules: version {version.id} (级差, 平级奖 3%, 推荐奖 ¥50 on the first order, 团队奖 1%/3%)"
