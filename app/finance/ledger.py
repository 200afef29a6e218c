"""The double-entry commission ledger: balanced journal entries, the balances they move, and the check.

Every entry's postings sum to zero (checked here, before anything is written);
entries are never updated or deleted — a reversal is a new entry. AgentBalance
rows move in the same statement batch as the postings.
"""
from dataclasses import dataclass, field

from peewee import fn

from app.database import bulk_insert
from app.errors import Conflict
from app.finance.models import AGENT_ACCOUNTS, AgentBalance, JournalEntry, Posting

CHUNK = 500
BALANCE_COLUMNS = {account: getattr(AgentBalance, f"{account}_fen") for account in AGENT_ACCOUNTS}


class UnbalancedEntry(ValueError):
    """A journal entry whose postings do not sum to zero: a bug, never written."""


@dataclass
class Entry:
    """A journal entry to write: postings are (agent id or None for the brand, account, signed fen)."""

    key: str
    kind: str
    at: object
    postings: list = field(default_factory=list)
    order_id: int | None = None
    memo: str = ""


def _check_balanced(entries):
    for entry in entries:
        if sum(amount for _, _, amount in entry.postings) != 0:
            raise UnbalancedEntry(f"journal entry {entry.key} does not sum to zero: {entry.postings}")
        for agent_id, account, _ in entry.postings:
            if (agent_id is None) == (account in AGENT_ACCOUNTS):
                raise UnbalancedEntry(f"journal entry {entry.key}: account {account} of agent {agent_id}")


def _chunks(rows):
    for start in range(0, len(rows), CHUNK):
        yield rows[start:start + CHUNK]


def post_entries(entries, *, keep_available_non_negative=False):
    """Write balanced entries and move the balances; IntegrityError when a key was posted before.

    The balance rows move last: they are the rows concurrent settlements share (an
    upline's), so their locks are held for the shortest time before the caller commits.
    With `keep_available_non_negative` (one agent's withdrawal) the balance UPDATE is
    guarded so that `available` stays ≥ 0, and Conflict is raised when it would not.
    """
    entries = [entry for entry in entries if entry.postings]
    _check_balanced(entries)
    if not entries:
        return
    deltas = {}
    for entry in entries:
        for agent_id, account, amount in entry.postings:
            if agent_id is not None and amount:
                per_agent = deltas.setdefault(agent_id, {})
                per_agent[account] = per_agent.get(account, 0) + amount
    for chunk in _chunks(entries):
        bulk_insert(JournalEntry, [{"key": e.key, "kind": e.kind, "order_id": e.order_id, "memo": e.memo[:255],
                                    "created_at": e.at} for e in chunk])
        ids = dict(JournalEntry.select(JournalEntry.key, JournalEntry.id)
                   .where(JournalEntry.key.in_([e.key for e in chunk])).tuples())
        bulk_insert(Posting, [{"entry": ids[e.key], "agent": agent_id, "account": account, "amount_fen": amount}
                              for e in chunk for agent_id, account, amount in e.postings])
    apply_balances(deltas, keep_available_non_negative=keep_available_non_negative)


def apply_balances(deltas, *, keep_available_non_negative=False):
    """Add {agent id: {account: fen}} to the balance rows (created when missing), in agent-id order.

    One upsert takes each row's exclusive lock at once (an INSERT IGNORE then UPDATE
    would take a shared lock first, and two such transactions deadlock).
    """
    if keep_available_non_negative:
        [(agent_id, changes)] = deltas.items()
        moved = (AgentBalance.update({BALANCE_COLUMNS[a]: BALANCE_COLUMNS[a] + d for a, d in changes.items()})
                 .where(AgentBalance.agent == agent_id,
                        AgentBalance.available_fen + changes.get("available", 0) >= 0).execute())
        if not moved:
            raise Conflict("可提现余额不足", code="insufficient_balance")
        return
    rows = [{"agent": agent_id, **{column.name: deltas[agent_id].get(account, 0)
                                   for account, column in BALANCE_COLUMNS.items()}} for agent_id in sorted(deltas)]
    bulk_insert(AgentBalance, rows, add_on_duplicate=[column.name for column in BALANCE_COLUMNS.values()])


def balance_of(agent_id):
    """The agent's balance row (all zero when it has none yet)."""
    return AgentBalance.get_or_none(AgentBalance.agent == agent_id) or AgentBalance(agent=agent_id)


@dataclass(frozen=True)
class Difference:
    """Something `check` found wrong."""

    what: str
    detail: str


def check():
    """Every journal entry sums to zero and every balance equals the sum of its postings; the differences."""
    differences = []
    unbalanced = (Posting.select(Posting.entry, fn.SUM(Posting.amount_fen))
                  .group_by(Posting.entry).having(fn.SUM(Posting.amount_fen) != 0).tuples())
    for entry_id, total in unbalanced:
        differences.append(Difference("unbalanced_entry", f"journal entry {entry_id} sums to {total}"))
    sums = {}
    for agent_id, account, total in (Posting.select(Posting.agent, Posting.account, fn.SUM(Posting.amount_fen))
                                     .where(Posting.agent.is_null(False))
                                     .group_by(Posting.agent, Posting.account).tuples()):
        sums.setdefault(agent_id, {})[account] = int(total)
    for balance in AgentBalance.select():
        posted = sums.pop(balance.agent_id, {})
        for account, column in BALANCE_COLUMNS.items():
            if getattr(balance, column.name) != posted.get(account, 0):
                differences.append(Difference("balance", f"agent {balance.agent_id} {account}: balance "
                                              f"{getattr(balance, column.name)}, postings {posted.get(account, 0)}"))
    for agent_id, posted in sums.items():
        if any(posted.values()):
            differences.append(Difference("balance", f"agent {agent_id} has postings {posted} but no balance row"))
    return differences
