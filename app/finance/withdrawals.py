"""Withdrawals: an agent asks, finance approves or rejects with a reason, then marks it paid with a reference —
or, for WeChat change when 商家转账 is configured, approving creates the WeChat Pay transfer (`payouts`).

The amount moves from `available` to `held` when asked, with one guarded UPDATE of
the agent's balance row (available ≥ amount), so two requests at once can never
both spend the same balance. A withdrawal's `source` is the commission (its
ledger's accounts) or the goods-payment balance (货款: balance → held → out, in
the goods ledger); the queue, the decisions and the notices are the same.
"""
import logging

from peewee import IntegrityError

from app.clock import utcnow
from app.config import get_settings
from app.database import atomic_with_retry, db, paginate
from app.errors import Conflict, InvalidInput, NotFound
from app.finance import goods, ledger, payouts
from app.finance.holds import end_hold, notify_agent
from app.finance.ledger import Entry
from app.finance.models import WITHDRAWAL_SOURCES, Withdrawal
from app.finance.payees import Payee, checked_payee
from app.money import MAX_FEN, format_yuan

log = logging.getLogger(__name__)


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
    if (payee.kind == "wechat" and not payee.name and amount_fen >= payouts.REAL_NAME_FROM_FEN
            and payouts.pays_out(payee.kind)):
        raise InvalidInput.on("payee.name", "2000元及以上提现到微信零钱，须填写与微信实名一致的姓名")
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


def _move(withdrawal_id, from_statuses, to_status, *, by_hand=False, **values):
    """Move the withdrawal from one of `from_statuses` (and, `by_hand`, only if no WeChat transfer was started for
    it) to `to_status` in one guarded UPDATE, or Conflict."""
    withdrawal = get_withdrawal(withdrawal_id)
    if by_hand and withdrawal.out_bill_no:
        raise Conflict("该提现已提交微信转账，由微信支付结果决定：到账即已打款，失败或撤销则自动退回",
                       code="transfer_started")
    guards = [Withdrawal.id == withdrawal_id, Withdrawal.status.in_(from_statuses)]
    if by_hand:
        guards.append(Withdrawal.out_bill_no.is_null())
    moved = Withdrawal.update(status=to_status, **values).where(*guards).execute()
    if not moved:
        raise Conflict(f"该提现申请当前状态为「{STATUS_NAMES[withdrawal.status]}」，不能执行此操作",
                       code="withdrawal_state")
    return withdrawal


STATUS_NAMES = {"pending": "待审核", "approved": "已批准", "transferring": "转账中", "rejected": "已拒绝",
                "paid": "已打款", "failed": "转账失败（已退回）"}


def approve_withdrawal(*, withdrawal_id, actor_id):
    """Finance approves an open request (the money stays held until it is paid). A WeChat-change request, when
    WeChat Pay pays out, gets its transfer bill number and is sent to WeChat Pay at once (after the commit); two
    approvals at once approve — and send — once."""
    withdrawal = get_withdrawal(withdrawal_id)
    transfer = payouts.pays_out(withdrawal.payee.kind)
    if transfer:
        payouts.check_payable(withdrawal)
    extra = {"out_bill_no": payouts.bill_no(withdrawal_id)} if transfer else {}
    with db.atomic():
        withdrawal = _move(withdrawal_id, ["pending"], "approved", decided_by=actor_id, decided_at=utcnow(), **extra)
        notify_agent("withdrawal_approved", withdrawal)
    if transfer:
        payouts.send_transfer(withdrawal_id)
    return get_withdrawal(withdrawal_id)


def reject_withdrawal(*, withdrawal_id, actor_id, reason):
    """Finance refuses a request with a reason; the held amount becomes available again."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.on("reason", "请填写拒绝原因")
    def work():
        withdrawal = _move(withdrawal_id, ["pending", "approved"], "rejected", by_hand=True, decided_by=actor_id,
                           decided_at=utcnow(), reason=reason[:255])
        end_hold(withdrawal, "rejected", "available", f"提现申请 #{withdrawal.id} 被拒绝：{reason}")
    atomic_with_retry(work)
    return get_withdrawal(withdrawal_id)


def mark_withdrawal_paid(*, withdrawal_id, actor_id, reference):
    """Finance has paid an approved request; `reference` is the bank or WeChat Pay transfer number."""
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput.on("reference", "请填写打款流水号")
    def work():
        withdrawal = _move(withdrawal_id, ["approved"], "paid", by_hand=True, paid_at=utcnow(),
                           reference=reference[:64])
        end_hold(withdrawal, "paid", "withdrawn", f"提现 #{withdrawal.id} 已打款（{reference}）")
    atomic_with_retry(work)
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


def transfer_confirmation(*, agent_id, withdrawal_id):
    """What the agent's mini-program passes to `wx.requestMerchantTransfer` to confirm receipt of its own
    withdrawal's transfer (NotFound for another agent's; Conflict when nothing waits for confirmation)."""
    return payouts.confirmation_package(get_withdrawal(withdrawal_id, agent_id=agent_id))


def refresh_transfer(*, withdrawal_id, agent_id=None):
    """Ask WeChat Pay how the withdrawal's transfer stands now and apply it (the agent after confirming, finance
    from the queue); the withdrawal. A WeChat-Pay outage changes nothing and is no error here."""
    get_withdrawal(withdrawal_id, agent_id=agent_id)
    try:
        payouts.query_transfer(withdrawal_id)
    except Conflict:  # another amount than asked: refused and told to the owners by apply_transfer
        pass
    return get_withdrawal(withdrawal_id, agent_id=agent_id)


def cancel_transfer(*, withdrawal_id, actor_id):
    """Finance withdraws the WeChat transfer of an approved request before the agent received it (撤销转账): the
    money returns to the agent's available balance once WeChat Pay has cancelled it."""
    get_withdrawal(withdrawal_id)
    payouts.cancel_transfer(withdrawal_id)
    log.info("withdrawal %s: transfer cancelled by admin %s", withdrawal_id, actor_id)
    return get_withdrawal(withdrawal_id)
