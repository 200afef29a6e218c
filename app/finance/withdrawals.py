"""Withdrawals: an agent asks, finance approves or rejects with a reason, then marks it paid with a reference.

The amount moves from `available` to `held` when asked, with one guarded UPDATE of
the agent's balance row (available ≥ amount), so two requests at once can never
both spend the same balance. A withdrawal's `source` is the commission (its
ledger's accounts) or the goods-payment balance (货款: balance → held → out, in
the goods ledger); the queue, the decisions and the notices are the same.
"""
from peewee import IntegrityError

from app.clock import utcnow
from app.config import get_settings
from app.database import atomic_with_retry, db, paginate
from app.errors import Conflict, InvalidInput, NotFound
from app.finance import goods, ledger
from app.finance.ledger import Entry
from app.finance.models import WITHDRAWAL_SOURCES, Withdrawal
from app.finance.payees import Payee, checked_payee
from app.money import MAX_FEN, format_yuan
from app.notify import service as notify


def request_withdrawal(*, agent_id, amount_fen, request_id=None, payee=None, source="commission"):
    """Ask to withdraw `amount_fen` from the available commission (or, with source "goods", from the goods-payment
    balance) to `payee` ({kind, name, account, bank}; default the agent's WeChat change); a repeated `request_id`
    returns the first request."""
    if source not in WITHDRAWAL_SOURCES:
        raise InvalidInput.on("source", "提现来源应为佣金或货款")
    payee = checked_payee(**payee) if payee else Payee()
    minimum = get_settings().WITHDRAWAL_MIN_FEN
    if not minimum <= amount_fen <= MAX_FEN:
        raise InvalidInput.on("amount", f"提现金额不能少于 {format_yuan(minimum)} 元")
    request_key = (f"{agent_id}:{request_id}" if source == "commission" else f"{agent_id}:{source}:{request_id}"
                   ) if request_id else None

    def ask():
        if request_key:
            existing = Withdrawal.get_or_none(Withdrawal.request_key == request_key)
            if existing is not None:
                return existing
        withdrawal = Withdrawal.create(agent=agent_id, amount_fen=amount_fen, request_key=request_key,
                                       payee_kind=payee.kind, payee_name=payee.name, payee_account=payee.account,
                                       payee_bank=payee.bank, source=source)
        if source == "goods":
            goods.hold_for_withdrawal(agent_id=agent_id, amount_fen=amount_fen, withdrawal_id=withdrawal.id,
                                      actor=f"agent:{agent_id}")
            return withdrawal
        ledger.post_entries([Entry(key=f"withdrawal:{withdrawal.id}:hold", kind="withdrawal_hold", at=utcnow(),
                                   memo=f"提现申请 #{withdrawal.id}",
                                   postings=[(agent_id, "available", -amount_fen), (agent_id, "held", amount_fen)])],
                            keep_available_non_negative=True)
        return withdrawal

    try:
        return atomic_with_retry(ask)
    except IntegrityError:
        if db.in_transaction():
            raise
        return Withdrawal.get(Withdrawal.request_key == request_key)


def last_payee(*, agent_id):
    """The payee of the agent's latest withdrawal that named one (to prefill the next), or NotFound."""
    latest = (Withdrawal.select().where(Withdrawal.agent == agent_id, Withdrawal.payee_kind != "")
              .order_by(Withdrawal.id.desc()).first())
    if latest is None:
        raise NotFound("还没有收款账户", code="no_payee")
    return latest.payee


def get_withdrawal(withdrawal_id, *, agent_id=None):
    """One withdrawal (only the agent's own when `agent_id` is given), or NotFound."""
    query = Withdrawal.select().where(Withdrawal.id == withdrawal_id)
    if agent_id is not None:
        query = query.where(Withdrawal.agent == agent_id)
    withdrawal = query.first()
    if withdrawal is None:
        raise NotFound("提现申请不存在", code="withdrawal_not_found")
    return withdrawal


def _move(withdrawal_id, from_statuses, to_status, **values):
    withdrawal = get_withdrawal(withdrawal_id)
    moved = (Withdrawal.update(status=to_status, **values)
             .where(Withdrawal.id == withdrawal_id, Withdrawal.status.in_(from_statuses)).execute())
    if not moved:
        raise Conflict(f"该提现申请当前状态为「{STATUS_NAMES[withdrawal.status]}」，不能执行此操作",
                       code="withdrawal_state")
    return withdrawal


STATUS_NAMES = {"pending": "待审核", "approved": "已批准", "rejected": "已拒绝", "paid": "已打款"}


def _notify(kind, withdrawal):
    notify.enqueue(kind=kind, recipient=notify.recipient_agent(withdrawal.agent_id),
                   data={"withdrawal_id": withdrawal.id, "amount": format_yuan(withdrawal.amount_fen)},
                   dedupe_key=f"{kind}:{withdrawal.id}")


def _end_hold(withdrawal, outcome, to_account, memo):
    """Move the held amount to `to_account` (back to available, or out as withdrawn) and tell the agent."""
    if withdrawal.source == "goods":
        goods.end_withdrawal_hold(agent_id=withdrawal.agent_id, amount_fen=withdrawal.amount_fen,
                                  withdrawal_id=withdrawal.id, outcome=outcome, actor="finance", memo=memo)
        _notify(f"withdrawal_{outcome}", withdrawal)
        return
    ledger.post_entries([Entry(key=f"withdrawal:{withdrawal.id}:{outcome}", kind=f"withdrawal_{outcome}",
                               at=utcnow(), memo=memo[:255],
                               postings=[(withdrawal.agent_id, "held", -withdrawal.amount_fen),
                                         (withdrawal.agent_id, to_account, withdrawal.amount_fen)])])
    _notify(f"withdrawal_{outcome}", withdrawal)


def approve_withdrawal(*, withdrawal_id, actor_id):
    """Finance approves an open request (the money stays held until it is paid)."""
    with db.atomic():
        withdrawal = _move(withdrawal_id, ["pending"], "approved", decided_by=actor_id, decided_at=utcnow())
        _notify("withdrawal_approved", withdrawal)
    return get_withdrawal(withdrawal_id)


def reject_withdrawal(*, withdrawal_id, actor_id, reason):
    """Finance refuses a request with a reason; the held amount becomes available again."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.on("reason", "请填写拒绝原因")
    with db.atomic():
        withdrawal = _move(withdrawal_id, ["pending", "approved"], "rejected", decided_by=actor_id,
                           decided_at=utcnow(), reason=reason[:255])
        _end_hold(withdrawal, "rejected", "available", f"提现申请 #{withdrawal.id} 被拒绝：{reason}")
    return get_withdrawal(withdrawal_id)


def mark_withdrawal_paid(*, withdrawal_id, actor_id, reference):
    """Finance has paid an approved request; `reference` is the bank or WeChat Pay transfer number."""
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput.on("reference", "请填写打款流水号")
    with db.atomic():
        withdrawal = _move(withdrawal_id, ["approved"], "paid", paid_at=utcnow(), reference=reference[:64])
        _end_hold(withdrawal, "paid", "withdrawn", f"提现 #{withdrawal.id} 已打款（{reference}）")
    return get_withdrawal(withdrawal_id)


def list_withdrawals(*, status=None, agent_id=None, source=None, page=1, per_page=50):
    """Withdrawals, newest first: (items, total)."""
    query = Withdrawal.select()
    if source is not None:
        query = query.where(Withdrawal.source == source)
    if status is not None:
        query = query.where(Withdrawal.status == status)
    if agent_id is not None:
        query = query.where(Withdrawal.agent == agent_id)
    return paginate(query.order_by(Withdrawal.created_at.desc(), Withdrawal.id.desc()), page=page, per_page=per_page)
