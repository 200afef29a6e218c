"""Commission rules as data: what a rule version says, how it is checked, and the compliance guard.

A rule set is plain JSON (amounts in fen, rates in basis points: 300 = 3%):

    {"level_difference": {"enabled": true},
     "same_level": {"enabled": true, "rates_bp": [300, 100]},          # one or two generations
     "referral": {"enabled": true, "kind": "fixed" | "percent", "amount_fen": 5000, "rate_bp": 0,
                  "scope": "first_order" | "months", "months": 3},
     "team": {"enabled": true, "tiers": [{"from_fen": 1000000, "rate_bp": 100}, …]},
     "cloud_transfers": {"enabled": true}}    # also pay on 转货 inside the network (off: paid once, on purchase)

Chinese law treats pay through more than three tiers as pyramid selling (传销), so
commission never flows deeper than `max_depth` (default 3), and more than 3 is
refused unless the owner sets `allow_deeper` explicitly; then the owner is warned.
"""
from dataclasses import dataclass, field

from app.errors import InvalidInput
from app.money import BASIS_POINTS, MAX_FEN

LEGAL_DEPTH = 3
MAX_CONFIGURABLE_DEPTH = 10
REFERRAL_KINDS = ("fixed", "percent")
REFERRAL_SCOPES = ("first_order", "months")


@dataclass(frozen=True)
class Tier:
    from_fen: int
    rate_bp: int


@dataclass(frozen=True)
class RuleSet:
    """One version's rules, checked; an empty RuleSet pays nothing."""

    level_difference: bool = False
    same_level_rates_bp: tuple = ()
    referral_kind: str | None = None
    referral_amount_fen: int = 0
    referral_rate_bp: int = 0
    referral_scope: str = "first_order"
    referral_months: int = 0
    team_tiers: tuple = ()
    max_depth: int = LEGAL_DEPTH
    allow_deeper: bool = False
    cloud_transfers: bool = False     # commission is also paid on 转货 (units moving inside the network)
    warnings: tuple = field(default=(), compare=False)

    def to_json(self):
        """The rule set as stored and shown (amounts in fen, rates in basis points)."""
        return {
            "level_difference": {"enabled": self.level_difference},
            "same_level": {"enabled": bool(self.same_level_rates_bp), "rates_bp": list(self.same_level_rates_bp)},
            "referral": {"enabled": self.referral_kind is not None, "kind": self.referral_kind or "fixed",
                         "amount_fen": self.referral_amount_fen, "rate_bp": self.referral_rate_bp,
                         "scope": self.referral_scope, "months": self.referral_months},
            "team": {"enabled": bool(self.team_tiers),
                     "tiers": [{"from_fen": t.from_fen, "rate_bp": t.rate_bp} for t in self.team_tiers]},
            "cloud_transfers": {"enabled": self.cloud_transfers},
        }

    def team_rate_bp(self, volume_fen):
        """The rate of the highest tier `volume_fen` reaches (0 below the first)."""
        rate = 0
        for tier in self.team_tiers:
            if volume_fen >= tier.from_fen:
                rate = tier.rate_bp
        return rate


def _rate(value, field_name):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= BASIS_POINTS:
        raise InvalidInput.on(field_name, "比例必须是0到10000之间的整数（万分之一）")
    return value


def _amount(value, field_name):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FEN:
        raise InvalidInput.on(field_name, "金额必须是不小于0的整数（分）")
    return value


def _section(rules, name):
    section = rules.get(name) or {}
    if not isinstance(section, dict):
        raise InvalidInput.on(name, "必须是对象")
    return section if section.get("enabled") else None


def _same_level(rules):
    section = _section(rules, "same_level")
    if section is None:
        return ()
    rates = section.get("rates_bp")
    if not isinstance(rates, list) or not 1 <= len(rates) <= 2:
        raise InvalidInput.on("same_level.rates_bp", "平级奖可设一代或两代的比例")
    return tuple(_rate(rate, f"same_level.rates_bp.{i}") for i, rate in enumerate(rates))


def _referral(rules):
    section = _section(rules, "referral")
    if section is None:
        return {}
    kind, scope = section.get("kind"), section.get("scope", "first_order")
    if kind not in REFERRAL_KINDS:
        raise InvalidInput.on("referral.kind", "推荐奖方式必须是 fixed（固定金额）或 percent（比例）")
    if scope not in REFERRAL_SCOPES:
        raise InvalidInput.on("referral.scope", "推荐奖范围必须是 first_order（首单）或 months（按月数）")
    values = {"referral_kind": kind, "referral_scope": scope,
              "referral_amount_fen": _amount(section.get("amount_fen", 0), "referral.amount_fen"),
              "referral_rate_bp": _rate(section.get("rate_bp", 0), "referral.rate_bp"),
              "referral_months": section.get("months", 0)}
    months = values["referral_months"]
    if scope == "months" and (isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 120):
        raise InvalidInput.on("referral.months", "月数必须是1到120之间的整数")
    return values


def _team(rules):
    section = _section(rules, "team")
    if section is None:
        return ()
    tiers = section.get("tiers")
    if not isinstance(tiers, list) or not 1 <= len(tiers) <= 20:
        raise InvalidInput.on("team.tiers", "团队奖需要1到20个档位")
    parsed = []
    for i, tier in enumerate(tiers):
        if not isinstance(tier, dict):
            raise InvalidInput.on(f"team.tiers.{i}", "必须是对象")
        parsed.append(Tier(_amount(tier.get("from_fen"), f"team.tiers.{i}.from_fen"),
                           _rate(tier.get("rate_bp"), f"team.tiers.{i}.rate_bp")))
    for lower, higher in zip(parsed, parsed[1:]):
        if not (higher.from_fen > lower.from_fen and higher.rate_bp >= lower.rate_bp):
            raise InvalidInput.on("team.tiers", "档位门槛必须递增，比例不能递减")
    return tuple(parsed)


def check_depth(max_depth, allow_deeper):
    """The compliance guard: refuse a depth over 3 unless explicitly allowed; the warnings to show the owner."""
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or not 1 <= max_depth <= MAX_CONFIGURABLE_DEPTH:
        raise InvalidInput.on("max_depth", f"分佣层级必须是1到{MAX_CONFIGURABLE_DEPTH}之间的整数")
    if max_depth <= LEGAL_DEPTH:
        return ()
    if not allow_deeper:
        raise InvalidInput.on("max_depth", "分佣超过三级可能被认定为传销；如确需设置，请明确勾选 allow_deeper",
                              code="depth_over_legal_limit")
    return (f"警告：本规则将向第{max_depth}级上级支付佣金，超过三级。多层级计酬超过三级可能被认定为传销，请咨询法律意见。",)


def parse_rules(rules, *, max_depth=LEGAL_DEPTH, allow_deeper=False):
    """Check a rule set given as JSON; InvalidInput (with the field) on anything wrong."""
    if not isinstance(rules, dict):
        raise InvalidInput.on("rules", "规则必须是对象")
    warnings = check_depth(max_depth, allow_deeper)
    difference = _section(rules, "level_difference") is not None
    return RuleSet(level_difference=difference, same_level_rates_bp=_same_level(rules), team_tiers=_team(rules),
                   max_depth=max_depth, allow_deeper=allow_deeper, warnings=warnings,
                   cloud_transfers=_section(rules, "cloud_transfers") is not None, **_referral(rules))


NO_RULES = RuleSet()
