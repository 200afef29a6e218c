"""`flask finance check`'s look at withdrawals: every agent's held money is exactly its open withdrawals, and every
finished withdrawal ended its hold once (paid out, or returned once)."""
from peewee import fn

from app.finance.ledger import Difference
from app.finance.models import OPEN_WITHDRAWAL_STATUSES, AgentBalance, JournalEntry, Withdrawal

END_OF = {"paid": "paid", "rejected": "rejected", "failed": "failed"}


def check_withdrawals():
    """The differences between withdrawals and the ledger (none when all is well)."""
    differences = []
    open_sums = dict(Withdrawal.select(Withdrawal.agent, fn.SUM(Withdrawal.amount_fen))
                     .where(Withdrawal.status.in_(OPEN_WITHDRAWAL_STATUSES)).group_by(Withdrawal.agent).tuples())
    for agent_id, held in AgentBalance.select(AgentBalance.agent, AgentBalance.held_fen).tuples():
        expected = int(open_sums.pop(agent_id, 0) or 0)
        if held != expected:
            differences.append(Difference("withdrawal_hold", f"agent {agent_id} holds {held}, open withdrawals "
                                                             f"{expected}"))
    for agent_id, expected in open_sums.items():
        differences.append(Difference("withdrawal_hold", f"agent {agent_id} has open withdrawals {expected} "
                                                         "but no balance row"))
    ends = {}
    for (key,) in JournalEntry.select(JournalEntry.key).where(
            JournalEntry.kind.in_([f"withdrawal_{outcome}" for outcome in END_OF.values()])).tuples():
        _, withdrawal_id, outcome = key.split(":")
        ends.setdefault(int(withdrawal_id), []).append(outcome)
    for withdrawal_id, status in Withdrawal.select(Withdrawal.id, Withdrawal.status).tuples():
        wanted = [END_OF[status]] if status in END_OF else []
        if sorted(ends.get(withdrawal_id, [])) != wanted:
            differences.append(Difference("withdrawal_end", f"withdrawal {withdrawal_id} is {status} with ends "
                                                            f"{ends.get(withdrawal_id, [])}"))
    return differences
