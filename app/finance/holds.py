"""The end of a withdrawal's hold, shared by the hand-paid and the WeChat-paid flows (inside the caller's
transaction): the held amount moves once — out as withdrawn, or back to available — and the agent is told."""
from app.clock import utcnow
from app.finance import goods, ledger
from app.finance.ledger import Entry
from app.money import format_yuan
from app.notify import service as notify


def notify_agent(kind, withdrawal):
    notify.enqueue(kind=kind, recipient=notify.recipient_agent(withdrawal.agent_id),
                   data={"withdrawal_id": withdrawal.id, "amount": format_yuan(withdrawal.amount_fen)},
                   dedupe_key=f"{kind}:{withdrawal.id}")


def end_hold(withdrawal, outcome, to_account, memo):
    """Move the held amount to `to_account` (back to available, or out as withdrawn) and tell the agent; the
    entry's key (withdrawal:<id>:<outcome>) makes it happen once. A withdrawal of the goods balance (货款) ends its
    hold in that ledger instead (back to the balance when rejected or failed)."""
    if withdrawal.source == "goods":
        goods.end_withdrawal_hold(agent_id=withdrawal.agent_id, amount_fen=withdrawal.amount_fen,
                                  withdrawal_id=withdrawal.id, outcome=outcome, actor="finance", memo=memo)
        notify_agent(f"withdrawal_{outcome}", withdrawal)
        return
    ledger.post_entries([Entry(key=f"withdrawal:{withdrawal.id}:{outcome}", kind=f"withdrawal_{outcome}",
                               at=utcnow(), memo=memo[:255],
                               postings=[(withdrawal.agent_id, "held", -withdrawal.amount_fen),
                                         (withdrawal.agent_id, to_account, withdrawal.amount_fen)])])
    notify_agent(f"withdrawal_{outcome}", withdrawal)
