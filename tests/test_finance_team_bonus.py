"""The monthly team bonus by the differential method, figures written out by hand."""
from datetime import timedelta

import pytest

from app.clock import local_today, utcnow
from app.errors import Conflict
from app.finance import service as finance
from app.finance.models import CommissionLine, CommissionRuleVersion
from tests.factories import balance_of, make_agent, make_level, make_product, paid_order, refund_of
from tests.factories import make_rules as rules_from_today

THIS_MONTH = local_today().year * 100 + local_today().month
LAST_MONTH = finance.previous_period()
IN_LAST_MONTH = utcnow() - timedelta(days=local_today().day + 1)


def make_rules(**sections):
    """A rule version already in force during last month, the month the bonuses are awarded for."""
    version = rules_from_today(**sections)
    CommissionRuleVersion.update(effective_from=local_today() - timedelta(days=local_today().day + 40)).where(
        CommissionRuleVersion.id == version.id).execute()
    return version
TIERS = {"tiers": [{"from_fen": 1_000_000, "rate_bp": 200}, {"from_fen": 5_000_000, "rate_bp": 400}]}


@pytest.fixture
def team():
    """A at the top; B (¥12,000) and D (¥35,000) under A; C (¥8,000) under B — all bought last month."""
    level, product = make_level(), make_product()
    a = make_agent(level=level)
    b = make_agent(level=level, upline=a)
    c = make_agent(level=level, upline=b)
    d = make_agent(level=level, upline=a)
    orders = {agent: paid_order(agent, [(product, 1, amount)], paid_at=IN_LAST_MONTH)
              for agent, amount in ((b, 1_200_000), (c, 800_000), (d, 3_500_000))}
    for paid in orders.values():
        finance.settle_paid_order(paid)
    return a, b, c, d, orders, product


def test_team_bonus_pays_the_tier_rate_less_what_downline_leaders_earned(team):
    a, b, c, d, _, _ = team
    make_rules(team=TIERS)
    assert finance.award_team_bonus(period=LAST_MONTH) == 3
    # B: ¥20,000 × 2% = ¥400; D: ¥35,000 × 2% = ¥700; C: ¥8,000 is under the first tier;
    # A: ¥55,000 × 4% = ¥2,200 − ¥400 − ¥700 = ¥1,100 — in all 4% of ¥55,000
    assert [balance_of(agent)[1] for agent in (a, b, c, d)] == [110_000, 40_000, 0, 70_000]


def test_team_bonus_explains_the_deductions(team):
    a, _, _, _, _, _ = team
    make_rules(team=TIERS)
    finance.award_team_bonus(period=LAST_MONTH)
    line = CommissionLine.get(CommissionLine.agent == a.id)
    assert line.explanation.startswith(f"团队奖（{LAST_MONTH // 100}年{LAST_MONTH % 100}月）：团队进货 ¥55000.00 × 4% = ¥2200.00")
    assert "应得 ¥1100.00" in line.explanation


def test_team_bonus_is_awarded_once_per_month(team):
    make_rules(team=TIERS)
    finance.award_team_bonus(period=LAST_MONTH)
    assert finance.award_team_bonus(period=LAST_MONTH) == 0
    assert CommissionLine.select().where(CommissionLine.rule == "team").count() == 3


def test_team_bonus_counts_purchases_net_of_refunds(team):
    a, b, _, _, orders, product = team
    make_rules(team=TIERS)
    finance.record_refund(refund_of(orders[b], [(product, 1, 1_200_000)]))
    finance.award_team_bonus(period=LAST_MONTH)
    # B's team is now ¥8,000 (no tier); A: ¥43,000 × 2% = ¥860 − D's ¥700 = ¥160
    assert balance_of(a)[1] == 16_000 and balance_of(b)[1] == 0


def test_team_bonus_respects_the_depth_limit(team):
    a, _, _, _, _, _ = team
    make_rules(team=TIERS, max_depth=1)
    finance.award_team_bonus(period=LAST_MONTH)
    # within one level A sees B ¥12,000 and D ¥35,000 (not C): ¥47,000 × 2% = ¥940;
    # less B's team (B and C: ¥20,000 × 2% = ¥400) and D's ¥700: nothing is left
    assert balance_of(a)[1] == 0


def test_the_month_in_progress_cannot_be_awarded(team):
    make_rules(team=TIERS)
    with pytest.raises(Conflict) as refused:
        finance.award_team_bonus(period=THIS_MONTH)
    assert refused.value.code == "month_not_ended"
    assert CommissionLine.select().where(CommissionLine.rule == "team").count() == 0


def test_an_awarded_bonus_counts_in_every_report_that_covers_its_month(team):
    from app.finance.reports import first_day, last_day

    make_rules(team=TIERS)
    finance.award_team_bonus(period=LAST_MONTH)
    awarded = sum(line.amount_fen for line in CommissionLine.select().where(CommissionLine.rule == "team"))
    start, end = first_day(LAST_MONTH), last_day(LAST_MONTH)
    assert awarded > 0
    assert finance.profit_report(start=start, end=end)["team_bonus_fen"] == awarded
    assert finance.profit_report(start=start, end=local_today())["team_bonus_fen"] == awarded
    [month] = [row for row in finance.monthly_report(first=LAST_MONTH, last=LAST_MONTH)["months"]]
    assert month["team_bonus_fen"] == awarded
