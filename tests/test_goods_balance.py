"""The goods-payment balance (货款): credits and debits by reference, once each, never below zero."""
import pytest

from app.errors import Conflict, InvalidInput
from app.finance import service as finance
from app.finance.models import GoodsBalance, GoodsEntry
from tests.factories import goods_of, make_agent, with_goods


def test_a_credit_raises_the_balance_and_writes_one_entry():
    agent = make_agent()
    move = finance.credit_goods(agent_id=agent.id, amount_fen=50000, reason="topup", reference="topup:1")
    assert move.applied and move.amount_fen == 50000
    assert goods_of(agent) == (50000, 0)
    assert GoodsEntry.select().where(GoodsEntry.agent == agent.id).count() == 1


def test_a_debit_lowers_the_balance():
    agent = with_goods(50000)
    move = finance.debit_goods(agent_id=agent.id, amount_fen=20000, reason="order", reference="order:7")
    assert move.applied and move.amount_fen == -20000
    assert goods_of(agent) == (30000, 0)


def test_a_debit_of_the_whole_balance_leaves_zero():
    agent = with_goods(50000)
    finance.debit_goods(agent_id=agent.id, amount_fen=50000, reason="order", reference="order:7")
    assert goods_of(agent) == (0, 0)


def test_a_debit_beyond_the_balance_is_refused_naming_the_shortfall_and_writes_nothing():
    agent = with_goods(10000)
    with pytest.raises(Conflict) as refused:
        finance.debit_goods(agent_id=agent.id, amount_fen=15050, reason="order", reference="order:8")
    assert refused.value.code == "insufficient_goods_balance"
    assert "还差50.50元" in refused.value.message and "余额100.00元" in refused.value.message
    assert goods_of(agent) == (10000, 0)
    assert not GoodsEntry.select().where(GoodsEntry.reference == "order:8").exists()


def test_a_debit_of_an_agent_that_never_had_a_balance_is_refused():
    agent = make_agent()
    with pytest.raises(Conflict, match="还差1.00元"):
        finance.debit_goods(agent_id=agent.id, amount_fen=100, reason="order", reference="order:9")
    assert not GoodsBalance.select().where(GoodsBalance.agent == agent.id).exists()


def test_the_same_debit_reference_twice_debits_once():
    agent = with_goods(50000)
    finance.debit_goods(agent_id=agent.id, amount_fen=20000, reason="order", reference="order:7")
    again = finance.debit_goods(agent_id=agent.id, amount_fen=20000, reason="order", reference="order:7")
    assert not again.applied
    assert goods_of(agent) == (30000, 0)


def test_the_same_credit_reference_twice_credits_once():
    agent = make_agent()
    for _ in range(2):
        finance.credit_goods(agent_id=agent.id, amount_fen=500, reason="transfer", reference="transfer:3")
    assert goods_of(agent) == (500, 0)


def test_a_reference_reused_for_another_amount_is_refused():
    agent = with_goods(50000)
    finance.debit_goods(agent_id=agent.id, amount_fen=20000, reason="order", reference="order:7")
    with pytest.raises(Conflict) as refused:
        finance.debit_goods(agent_id=agent.id, amount_fen=100, reason="order", reference="order:7")
    assert refused.value.code == "goods_reference_reused"


def test_a_reference_reused_for_another_agent_is_refused():
    finance.credit_goods(agent_id=make_agent().id, amount_fen=500, reason="transfer", reference="transfer:3")
    with pytest.raises(Conflict):
        finance.credit_goods(agent_id=make_agent().id, amount_fen=500, reason="transfer", reference="transfer:3")


def test_a_debit_and_a_credit_may_share_a_reference():
    buyer, upline = with_goods(30000), make_agent()
    finance.debit_goods(agent_id=buyer.id, amount_fen=30000, reason="transfer", reference="transfer:5")
    finance.credit_goods(agent_id=upline.id, amount_fen=30000, reason="transfer", reference="transfer:5")
    assert (goods_of(buyer), goods_of(upline)) == ((0, 0), (30000, 0))
    assert finance.check_ledger() == []


def test_a_refused_debit_inside_a_callers_transaction_leaves_the_callers_work_standing():
    from app.database import db

    buyer, upline = with_goods(100), make_agent()
    with db.atomic():
        finance.credit_goods(agent_id=upline.id, amount_fen=100, reason="adjustment", reference="adj:1")
        with pytest.raises(Conflict):
            finance.debit_goods(agent_id=buyer.id, amount_fen=500, reason="transfer", reference="transfer:6")
    assert goods_of(upline) == (100, 0) and goods_of(buyer) == (100, 0)


@pytest.mark.parametrize("amount", [0, -1, True, 1.5, "100", 10 ** 15])
def test_an_odd_amount_is_refused(amount):
    with pytest.raises(InvalidInput):
        finance.debit_goods(agent_id=with_goods(100).id, amount_fen=amount, reason="order", reference="order:1")


def test_an_unknown_reason_is_a_programming_error():
    with pytest.raises(ValueError):
        finance.credit_goods(agent_id=make_agent().id, amount_fen=1, reason="gift", reference="x")


def test_the_ledger_lists_the_agents_entries_newest_first_with_their_chinese_reason():
    agent = with_goods(50000)
    finance.debit_goods(agent_id=agent.id, amount_fen=20000, reason="order", reference="order:7")
    items, total = finance.goods_ledger(agent_id=agent.id)
    assert total == 2
    assert [(item.amount_fen, item.reason_name) for item in items] == [(-20000, "订单付款"), (50000, "充值")]


def test_the_check_finds_a_balance_that_differs_from_its_entries():
    agent = with_goods(50000)
    GoodsBalance.update(balance_fen=49000).where(GoodsBalance.agent == agent.id).execute()
    assert [d.what for d in finance.check_ledger()] == ["goods_balance"]


def test_flask_finance_check_covers_the_goods_ledger(app):
    agent = with_goods(50000)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["finance", "check"]).exit_code == 0
    GoodsBalance.update(balance_fen=1).where(GoodsBalance.agent == agent.id).execute()
    result = runner.invoke(args=["finance", "check"])
    assert result.exit_code == 1 and "goods_balance" in result.output


def test_a_debit_is_two_statements_the_entry_and_the_guarded_update():
    from tests.statements import counted

    agent = with_goods(50000)
    with counted() as seen:
        finance.debit_goods(agent_id=agent.id, amount_fen=100, reason="order", reference="order:70")
    assert len(seen) == 2 and seen[0].startswith("INSERT INTO") and seen[1].startswith("UPDATE"), seen


def test_a_credit_is_two_statements_the_entry_and_the_upsert():
    from tests.statements import counted

    agent = with_goods(50000)
    with counted() as seen:
        finance.credit_goods(agent_id=agent.id, amount_fen=100, reason="transfer", reference="transfer:70")
    assert len(seen) == 2 and all(sql.startswith("INSERT INTO") for sql in seen), seen


@pytest.mark.committed
def test_a_posting_outside_a_transaction_is_refused_and_writes_nothing():
    agent = make_agent()
    with pytest.raises(RuntimeError, match="caller's transaction"):
        finance.credit_goods(agent_id=agent.id, amount_fen=100, reason="topup", reference="topup:outside")
    assert goods_of(agent) == (0, 0) and not GoodsEntry.select().where(GoodsEntry.agent == agent.id).exists()
