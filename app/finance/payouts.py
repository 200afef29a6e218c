"""Withdrawals to WeChat change paid out by WeChat Pay's 商家转账 (transfer bills, APIv3).

approved ─(transfer bill created)→ transferring ─(SUCCESS)→ paid
                                               └(FAIL / CANCELLED)→ failed, the held money back in `available`

The bill's `out_bill_no` is fixed when finance approves (from the withdrawal's id) and
never changes: a call that failed or went unanswered is only ever sent again with the
same number (WeChat Pay answers the bill it already has), so one withdrawal can never
become two transfers. A withdrawal whose bill WeChat Pay reports FAIL or CANCELLED is
over: its money goes back to the agent's available balance once (the journal entry's
key and the guarded status change both see to that), and a new payout is a new
request, with a new number. The transfer notification, the `settle_transfers` job and
the agent's "I confirmed" all end in `apply_transfer`, which moves only forward.
"""
import json
import logging
from datetime import timedelta

from app import wechat_pay as pay
from app.agents import service as agents
from app.clock import utcnow
from app.config import get_settings
from app.database import atomic_with_retry, db
from app.errors import Conflict, NotFound
from app.finance.holds import end_hold, notify_agent
from app.finance.models import TRANSFER_STATE_NAMES, Withdrawal
from app.money import format_yuan
from app.notify.service import RECIPIENT_OWNERS
from app.notify.service import enqueue

log = logging.getLogger(__name__)

NOTIFY_PATH = "/api/pay/wechat/v3/transfer-notify"
REAL_NAME_FROM_FEN = 200000  # WeChat Pay wants the payee's real name (encrypted) from ¥2,000
SUCCESS, FAILED = "SUCCESS", ("FAIL", "CANCELLED")
# The states before the end, in the order WeChat Pay moves through them; a notification never moves one back.
IN_FLIGHT = ("ACCEPTED", "PROCESSING", "WAIT_USER_CONFIRM", "TRANSFERING", "CANCELING")
FAIL_REASONS = {"ACCOUNT_FROZEN": "微信账户已冻结", "REAL_NAME_CHECK_FAIL": "微信未实名认证",
                "NAME_NOT_CORRECT": "收款人姓名与微信实名不符", "OPENID_INVALID": "微信账号无效",
                "TRANSFER_QUOTA_EXCEED": "超过微信收款限额", "DAY_RECEIVED_QUOTA_EXCEED": "超过微信当日收款限额",
                "ACCOUNT_NOT_EXIST": "微信账户不存在", "TRANSFER_RISK": "微信支付风控拦截",
                "OVERDUE_CLOSE": "超过24小时未确认收款", "EXCEEDED_ESTIMATED_AMOUNT": "超过预估额度",
                "NOT_CREATED": "微信支付未收到转账，已撤销"}


def pays_out(payee_kind):
    """True when WeChat Pay pays a withdrawal to this kind of payee (WeChat change, with APIv3 and a transfer scene
    configured); bank and Alipay payees, and brands without 商家转账, are paid by hand and marked paid."""
    return (payee_kind == "wechat" and bool(get_settings().WECHAT_PAY_TRANSFER_SCENE_ID)
            and pay.api_version() == "v3")


def bill_no(withdrawal_id):
    """The withdrawal's `out_bill_no`: letters and digits, the same every time it is asked."""
    return f"WD{withdrawal_id:012d}"


def check_payable(withdrawal):
    """Conflict when WeChat Pay cannot be asked to pay the withdrawal: no mini-program openid, or no real name for
    ¥2,000 and more."""
    if not agents.mini_program_openid(withdrawal.agent_id):
        raise Conflict("该代理未登录过小程序，无法转账到微信零钱", code="no_openid")
    if withdrawal.amount_fen >= REAL_NAME_FROM_FEN and not withdrawal.payee_name:
        raise Conflict("2000元及以上的微信转账须填写收款人真实姓名", code="real_name_required")


def send_transfer(withdrawal_id):
    """Ask WeChat Pay to create (or answer again) the approved withdrawal's transfer bill, with its one
    `out_bill_no`; the withdrawal as it is afterwards. WeChat Pay refusing or not answering leaves it approved
    with the reason, for `settle_transfers` to ask again with the same number."""
    withdrawal = Withdrawal.get_by_id(withdrawal_id)
    if withdrawal.status != "approved" or not withdrawal.out_bill_no:
        return withdrawal
    settings = get_settings()
    openid = agents.mini_program_openid(withdrawal.agent_id)
    (Withdrawal.update(transfer_attempts=Withdrawal.transfer_attempts + 1, transfer_sent_at=utcnow())
     .where(Withdrawal.id == withdrawal.id).execute())
    try:
        answer = pay.create_transfer_bill(
            out_bill_no=withdrawal.out_bill_no, scene_id=settings.WECHAT_PAY_TRANSFER_SCENE_ID, openid=openid or "",
            amount_fen=withdrawal.amount_fen, remark=settings.WECHAT_PAY_TRANSFER_REMARK,
            user_name=withdrawal.payee_name if withdrawal.amount_fen >= REAL_NAME_FROM_FEN else None,
            report_infos=json.loads(settings.WECHAT_PAY_TRANSFER_REPORT_INFOS or "[]"),
            notify_url=settings.PUBLIC_BASE_URL.rstrip("/") + NOTIFY_PATH)
    except pay.PayRefused as exc:
        return _note_error(withdrawal, f"微信支付拒绝：{exc.code} {exc.message}")
    except pay.PayUnavailable:
        return _note_error(withdrawal, "微信支付无应答，将以同一单号重试")
    return apply_transfer({"out_bill_no": withdrawal.out_bill_no, **answer})


def _note_error(withdrawal, text):
    Withdrawal.update(transfer_error=text[:255]).where(Withdrawal.id == withdrawal.id).execute()
    log.warning("withdrawal %s transfer %s: %s", withdrawal.id, withdrawal.out_bill_no, text)
    return Withdrawal.get_by_id(withdrawal.id)


def query_transfer(withdrawal_id):
    """Ask WeChat Pay how the withdrawal's bill stands and apply it; a bill WeChat Pay has never seen is sent
    (again, with the same number). The withdrawal afterwards; WeChat Pay down changes nothing."""
    withdrawal = Withdrawal.get_by_id(withdrawal_id)
    if withdrawal.status not in ("approved", "transferring") or not withdrawal.out_bill_no:
        return withdrawal
    try:
        answer = pay.query_transfer_bill(withdrawal.out_bill_no)
    except pay.PayRefused as exc:
        if exc.code == "NOT_FOUND" and withdrawal.status == "approved":
            return send_transfer(withdrawal.id)
        return _note_error(withdrawal, f"查询转账失败：{exc.code} {exc.message}")
    except pay.PayUnavailable:
        return _note_error(withdrawal, "微信支付无应答，稍后再查")
    return apply_transfer({"out_bill_no": withdrawal.out_bill_no, **answer})


def apply_transfer(bill):
    """Move the withdrawal of a transfer bill (a notification's resource, a query's or a creation's answer) to
    what WeChat Pay says: SUCCESS pays it, FAIL or CANCELLED returns its money once, an earlier state is kept
    unless it is behind the one we know. A bill for another amount than the withdrawal's is refused (Conflict
    `amount_mismatch`) and the owners are told. The withdrawal afterwards (None for an unknown bill)."""
    withdrawal = Withdrawal.get_or_none(Withdrawal.out_bill_no == str(bill.get("out_bill_no") or ""))
    if withdrawal is None:
        return None
    state = str(bill.get("state") or "")
    amount = bill.get("transfer_amount")
    if amount is not None and amount != withdrawal.amount_fen:
        with db.atomic():
            enqueue(kind="withdrawal_transfer_mismatch", recipient=RECIPIENT_OWNERS,
                    data={"withdrawal_id": withdrawal.id, "out_bill_no": withdrawal.out_bill_no,
                          "amount": format_yuan(withdrawal.amount_fen), "bill_amount": str(amount)},
                    dedupe_key=f"withdrawal_transfer_mismatch:{withdrawal.id}:{amount}")
        raise Conflict("转账金额与提现金额不符", code="amount_mismatch")
    open_statuses = Withdrawal.status.in_(["approved", "transferring"])
    values = {"transfer_state": state, "transfer_error": ""}
    if bill.get("transfer_bill_no"):
        values["transfer_bill_no"] = str(bill["transfer_bill_no"])[:64]

    def work():  # one unit of work, retried whole (a goods withdrawal's hold ends in it)
        if state == SUCCESS:
            if (Withdrawal.update(status="paid", paid_at=utcnow(), reference=values.get("transfer_bill_no", "")[:64],
                                  **values).where(Withdrawal.id == withdrawal.id, open_statuses).execute()):
                end_hold(withdrawal, "paid", "withdrawn", f"提现 #{withdrawal.id} 已转账到微信零钱")
        elif state in FAILED:
            reason = FAIL_REASONS.get(str(bill.get("fail_reason") or ""), TRANSFER_STATE_NAMES[state])
            if (Withdrawal.update(status="failed", failed_at=utcnow(), reason=reason, **values)
                    .where(Withdrawal.id == withdrawal.id, open_statuses).execute()):
                end_hold(withdrawal, "failed", "available", f"提现 #{withdrawal.id} 微信转账未成功（{reason}），已退回")
        elif state in IN_FLIGHT:
            if bill.get("package_info"):
                values["package_info"] = str(bill["package_info"])
            earlier = ["", *IN_FLIGHT[:IN_FLIGHT.index(state) + 1]]
            moved = (Withdrawal.update(status="transferring", **values)
                     .where(Withdrawal.id == withdrawal.id, open_statuses,
                            Withdrawal.transfer_state.in_(earlier)).execute())
            if moved and state == "WAIT_USER_CONFIRM":
                notify_agent("withdrawal_transfer_ready", withdrawal)
        else:
            log.warning("withdrawal %s: transfer bill in unknown state %r", withdrawal.id, state)
    atomic_with_retry(work)
    return Withdrawal.get_by_id(withdrawal.id)


CANCELLABLE = ("ACCEPTED", "PROCESSING", "WAIT_USER_CONFIRM")


def cancel_transfer(withdrawal_id):
    """Finance withdraws a transfer not yet received (撤销): WeChat Pay cancels it — CANCELLED, or CANCELING that a
    query settles — and its money returns once. A bill WeChat Pay has never had is ended here only when its last
    sending is older than WECHAT_PAY_TRANSFER_QUERY_MINUTES (an answer still on its way could create it); a bill
    already ended is applied as it ended. Conflict when it can no longer be withdrawn or WeChat Pay cannot be
    reached. The withdrawal afterwards."""
    withdrawal = Withdrawal.get_by_id(withdrawal_id)
    if withdrawal.status not in ("approved", "transferring") or not withdrawal.out_bill_no:
        raise Conflict("该提现没有进行中的微信转账", code="no_transfer")
    try:
        bill = pay.query_transfer_bill(withdrawal.out_bill_no)
    except pay.PayRefused as exc:
        if exc.code != "NOT_FOUND":
            raise Conflict(f"微信支付拒绝查询：{exc.message}", code="wechat_pay_refused") from exc
        return _end_unknown_bill(withdrawal)
    except pay.PayUnavailable as exc:
        raise _unreachable() from exc
    state = str(bill.get("state") or "")
    if state in CANCELLABLE:
        try:
            bill = {**bill, **pay.cancel_transfer_bill(withdrawal.out_bill_no)}
        except pay.PayRefused as exc:
            raise Conflict(f"微信支付不能撤销该转账：{exc.message}", code="transfer_not_cancellable") from exc
        except pay.PayUnavailable as exc:
            raise _unreachable() from exc
    elif state not in (SUCCESS, *FAILED, "CANCELING"):
        raise Conflict(f"该转账{TRANSFER_STATE_NAMES.get(state, state)}，不能撤销", code="transfer_not_cancellable")
    return apply_transfer({"out_bill_no": withdrawal.out_bill_no, **bill})


def _unreachable():
    return Conflict("微信支付暂时无法连接，请稍后再撤销", code="wechat_pay_unavailable")


def _end_unknown_bill(withdrawal):
    settings = get_settings()
    quiet_since = utcnow() - timedelta(minutes=settings.WECHAT_PAY_TRANSFER_QUERY_MINUTES)
    if withdrawal.status != "approved" or (withdrawal.transfer_sent_at and withdrawal.transfer_sent_at > quiet_since):
        raise Conflict("微信支付尚未收到该转账，请稍后再撤销", code="transfer_not_settled")
    return apply_transfer({"out_bill_no": withdrawal.out_bill_no, "state": "CANCELLED", "fail_reason": "NOT_CREATED"})


def unsettled(*, before, limit=200):
    """Ids of withdrawals whose transfer is not settled and was last sent at or before `before` (for the job)."""
    return [row.id for row in Withdrawal.select(Withdrawal.id)
            .where(Withdrawal.status.in_(["approved", "transferring"]), Withdrawal.out_bill_no.is_null(False),
                   (Withdrawal.transfer_sent_at.is_null()) | (Withdrawal.transfer_sent_at <= before))
            .order_by(Withdrawal.id).limit(limit)]


def confirmation_package(withdrawal):
    """What `wx.requestMerchantTransfer` takes for the agent to confirm receipt (mchId, appId, package; with the
    withdrawal's id and amount to show), or Conflict
    when the transfer is not waiting for the agent."""
    if not withdrawal.awaiting_confirmation:
        raise Conflict("该提现当前无需确认收款", code="not_waiting_confirmation")
    settings = get_settings()
    return {"withdrawal_id": withdrawal.id, "amount_fen": withdrawal.amount_fen, "mch_id": settings.WECHAT_PAY_MCH_ID,
            "app_id": settings.WECHAT_MP_APPID, "package": withdrawal.package_info}


def handle_transfer_notification(*, headers, body):
    """A transfer notification (MCHTRANSFER.BILL.FINISHED): verified and decrypted by the pay client, then applied
    once. pay.NotificationRejected for one that is forged, stale or unreadable; NotFound for a bill we never made,
    Conflict `amount_mismatch` for another amount (the owners told) — each changes nothing."""
    notification = pay.v3_client().parse_notification(headers, body)
    resource = notification.resource
    if not notification.event_type.startswith("MCHTRANSFER."):
        return None
    if str(resource.get("mch_id") or get_settings().WECHAT_PAY_MCH_ID) != get_settings().WECHAT_PAY_MCH_ID:
        raise pay.NotificationRejected("another merchant")
    withdrawal = apply_transfer(resource)
    if withdrawal is None:
        raise NotFound("转账单不存在", code="transfer_not_found")
    return withdrawal
