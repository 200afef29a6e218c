"""An agent's commission as the agent and the console see it: balance, lines with their explanation, ledger."""
from peewee import JOIN

from app.database import paginate
from app.finance import ledger
from app.finance.models import CommissionLine, JournalEntry, Posting


def balance(agent_id):
    """{pending, available, held, withdrawn, owed} in fen; `owed` is what a clawback took beyond the available."""
    row = ledger.balance_of(agent_id)
    return {"agent_id": agent_id, "pending": row.pending_fen, "available": max(row.available_fen, 0),
            "held": row.held_fen, "withdrawn": row.withdrawn_fen, "owed": max(-row.available_fen, 0)}


def commission_lines(*, agent_id=None, order_id=None, status=None, page=1, per_page=50):
    """Commission lines, newest first, with the rule and arithmetic that produced each: (items, total)."""
    query = CommissionLine.select()
    for column, value in ((CommissionLine.agent, agent_id), (CommissionLine.order_id, order_id),
                          (CommissionLine.status, status)):
        if value is not None:
            query = query.where(column == value)
    return paginate(query.order_by(CommissionLine.created_at.desc(), CommissionLine.id.desc()),
                    page=page, per_page=per_page)


def agent_ledger(*, agent_id, page=1, per_page=50):
    """An agent's postings, newest first, each with its journal entry: (items, total)."""
    query = (Posting.select(Posting, JournalEntry).join(JournalEntry, JOIN.INNER)
             .where(Posting.agent == agent_id).order_by(JournalEntry.created_at.desc(), Posting.id.desc()))
    return paginate(query, page=page, per_page=per_page)
