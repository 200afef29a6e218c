"""Withdrawals: asked within the available balance, held while open, approved or rejected, paid."""
import pytest

from app.errors import Conflict, InvalidInput
from app.finance import service as finance
from app.notify.service import queued
from tests.factories import balance_of, make_admin, with_available


@pytest.fixture
def agent():
    return with_available(50000)


def test_a_request_holds_the_amount(agent):
    finance.request_withdrawal(agent_id=agent.id, amount_fen=20000)
    assert balance_of(agent) == (0, 30000, 20000, 0)


def test_a_request_beyond_the_available_balance_is_refused(agent):
    with pytest.raises(Conflict) as caught:
        finance.request_withdrawal(agent_id=agent.id, amount_fen=50001)
    assert caught.value.code == "insufficient_balance"
    assert balance_of(agent) == (0, 50000, 0, 0)


def test_a_request_under_the_minimum_is_refused(agent):
    with pytest.raises(InvalidInput):
        finance.request_withdrawal(agent_id=agent.id, amount_fen=999)


def test_the_same_request_id_twice_asks_once(agent):
    first = finance.request_withdrawal(agent_id=agent.id, amount_fen=20000, request_id="tap-1")
    again = finance.request_withdrawal(agent_id=agent.id, amount_fen=20000, request_id="tap-1")
    assert first.id == again.id and balance_of(agent) == (0, 30000, 20000, 0)


def test_approved_then_paid_moves_the_money_to_withdrawn(agent):
    admin = make_admin("finance")
    withdrawal = finance.request_withdrawal(agent_id=agent.id, amount_fen=20000)
    finance.approve_withdrawal(withdrawal_id=withdrawal.id, actor_id=admin.id)
    paid = finance.mark_withdrawal_paid(withdrawal_id=withdrawal.id, actor_id=admin.id, reference="1000012345")
    assert (paid.status, paid.reference) == ("paid", "1000012345")
    assert balance_of(agent) == (0, 30000, 0, 20000)
    assert {m.kind for m in queued()} >= {"withdrawal_approved", "withdrawal_paid"}


def test_rejecting_returns_the_held_amount(agent):
    withdrawal = finance.request_withdrawal(agent_id=agent.id, amount_fen=20000)
    rejected = finance.reject_withdrawal(withdrawal_id=withdrawal.id, actor_id=None, reason="收款账户信息不全")
    assert rejected.reason == "收款账户信息不全" and balance_of(agent) == (0, 50000, 0, 0)


def test_a_rejection_needs_a_reason(agent):
    withdrawal = finance.request_withdrawal(agent_id=agent.id, amount_fen=20000)
    with pytest.raises(InvalidInput):
        finance.reject_withdrawal(withdrawal_id=withdrawal.id, actor_id=None, reason="  ")


def test_paying_a_request_that_is_not_approved_is_refused(agent):
    withdrawal = finance.request_withdrawal(agent_id=agent.id, amount_fen=20000)
    with pytest.raises(Conflict) as caught:
        finance.mark_withdrawal_paid(withdrawal_id=withdrawal.id, actor_id=None, reference="X1")
    assert caught.value.code == "withdrawal_state"


def test_a_paid_request_cannot_be_rejected(agent):
    withdrawal = finance.request_withdrawal(agent_id=agent.id, amount_fen=20000)
    finance.approve_withdrawal(withdrawal_id=withdrawal.id, actor_id=None)
    finance.mark_withdrawal_paid(withdrawal_id=withdrawal.id, actor_id=None, reference="X1")
    with pytest.raises(Conflict):
        finance.reject_withdrawal(withdrawal_id=withdrawal.id, actor_id=None, reason="晚了")
    assert finance.check_ledger() == []
