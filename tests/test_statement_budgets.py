"""The hot paths issue no more SQL statements than their budgets (counts, not times: deterministic)."""
import pytest

from tests.statements import BUDGETS, budget, per_use_case


@pytest.fixture
def statements(app, fake_wechat, fake_wechat_pay_v3):
    fake_wechat_pay_v3.reset()
    return per_use_case(app, fake_wechat, fake_wechat_pay_v3)


@pytest.mark.parametrize("use_case", sorted(BUDGETS))
def test_a_hot_path_stays_within_its_statement_budget(statements, use_case):
    seen = statements[use_case]
    assert len(seen) <= budget(use_case), "\n".join(seen)
