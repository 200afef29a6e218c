"""`flask finance check`'s look at withdrawals: every agent's held money is exactly its open withdrawals (commission
in the commission ledger, 货款 in the goods ledger), and every finished withdrawal ended its hold once (paid out,
or returned once)."""
from peewee import fn

from app.finance.ledger import Difference
from app.finance.models import (OPEN_WITHDRAWAL_STATUSES, AgentBalance, GoodsBalance, GoodsEntry, JournalEntry,
                                Withdrawal)

ENDS = ("paid", "rejected", "failed")


def _open_sums(source):
    return {agent_id: int(total) for agent_id, total in
            Withdrawal.select(Withdrawal.agent, fn.SUM(Withdrawal.amount_fen))
            .where(Withdrawal.status.in_(OPEN_WITHDRAWAL_STATUSES), Withdrawal.source == source)
            .group_by(Withdrawal.agent).tuples()}


def _holds(source, held_by_agent):
    differences, open_sums = [], _open_sums(source)
    for agent_id, held in held_by_agent:
        expected = open_sums.pop(agent_id, 0)
        if held != expected:
            differences.append(Difference("withdrawal_hold", f"agent {agent_id} holds {held} of {source}, open "
                                                             f"withdrawals {expected}"))
    for agent_id, expected in open_sums.items():
        differences.append(Difference("withdrawal_hold", f"agent {agent_id} has open {source} withdrawals "
                                                         f"{expected} but no balance row"))
    return differences


def check_withdrawals():
    """The differences between withdrawals and the two ledgers (none when all is well)."""
    differences = _holds("commission", AgentBalance.select(AgentBalance.agent, AgentBalance.held_fen).tuples())
    differences += _holds("goods", GoodsBalance.select(GoodsBalance.agent, GoodsBalance.held_fen).tuples())
    ends = {}
    for (key,) in JournalEntry.select(JournalEntry.key).where(
            JournalEntry.kind.in_([f"withdrawal_{outcome}" for outcome in ENDS])).tuples():
        _, withdrawal_id, outcome = key.split(":")
        ends.setdefault(int(withdrawal_id), []).append(outcome)
    for (key,) in GoodsEntry.select(GoodsEntry.key).where(
            GoodsEntry.reason.in_([f"withdrawal_{outcome}" for outcome in ENDS])).tuples():
        outcome, _, withdrawal_id = key.split(":")
        ends.setdefault(int(withdrawal_id), []).append(outcome)
    for withdrawal_id, status in Withdrawal.select(Withdrawal.id, Withdrawal.status).tuples():
        wanted = [status] if status in ENDS else []
        if sorted(ends.get(withdrawal_id, [])) != wanted:
            differences.append(Difference("withdrawal_end", f"withdrawal {withdrawal_id} is {status} with ends "
                                                            f"{ends.get(withdrawal_id, [])}"))
    return differences
