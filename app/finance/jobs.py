"""Scheduled finance work, as plain functions for the scheduler to register."""
import logging
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from app import wechat_pay as pay
from app.clock import utcnow
from app.config import get_settings
from app.errors import Conflict
from app.finance import payouts, service as finance
from app.orders import service as orders

BEIJING = ZoneInfo("Asia/Shanghai")  # WeChat Pay's bill days are Beijing days, whatever the brand's zone

log = logging.getLogger(__name__)


def release_available_commissions():
    """Daily: make commission available for completed orders whose return window has passed."""
    released = finance.release_available_commissions()
    log.info("commission released for %d orders", released)
    return released


def award_team_bonus(period=None):
    """Monthly (after last month's return window has passed): credit last month's team bonuses."""
    credited = finance.award_team_bonus(period=period)
    log.info("team bonus credited to %d agents", credited)
    return credited


def settle_wechat_top_ups():
    """Every few minutes: WeChat top-ups whose notification is late are queried and credited; long-unpaid closed."""
    outcome = finance.settle_wechat_top_ups()
    log.info("WeChat top-ups settled: %s", outcome)
    return outcome


def settle_transfers():
    """Every few minutes: ask WeChat Pay about transfers not settled yet (unanswered creations are sent again with
    their one out_bill_no; answers move the withdrawal to paid, or fail it and return the money once)."""
    before = utcnow() - timedelta(minutes=get_settings().WECHAT_PAY_TRANSFER_QUERY_MINUTES)
    outcomes = {}
    for withdrawal_id in payouts.unsettled(before=before):
        try:
            status = payouts.query_transfer(withdrawal_id).status
        except Conflict:  # a bill for another amount: refused, the owners told
            status = "mismatch"
        outcomes[status] = outcomes.get(status, 0) + 1
    return outcomes


def reconcile_trade_bill(bill_date=None):
    """Daily (WeChat Pay's bills are ready from 10:00 Beijing time): yesterday's trade bill against our WeChat
    payments (orders, and goods-balance top-ups) and refunds; the discrepancies kept for the console and told to the owners once. The day's run (None
    without WeChat Pay APIv3); pay.PayUnavailable when the bill cannot be had now (the job runs again tomorrow;
    `flask pay reconcile --date` catches up)."""
    if pay.api_version() != "v3":
        return None
    bill_date = bill_date or datetime.now(BEIJING).date() - timedelta(days=1)
    try:
        bill = finance.parse_trade_bill(pay.trade_bill(bill_date))
    except pay.PayRefused as exc:
        if exc.code != "NO_STATEMENT_EXIST":
            raise
        bill = finance.TradeBill()  # no WeChat payment that day: whatever we recorded is missing from the bill
    start = datetime.combine(bill_date, time.min, BEIJING).astimezone(timezone.utc).replace(tzinfo=None)
    end = start + timedelta(days=1)
    payments, refunds = orders.wechat_money(start=start, end=end, trade_nos=bill.payments.keys(),
                                            refund_nos=bill.refunds.keys())
    payments.update(finance.wechat_top_up_money(start=start, end=end, trade_nos=bill.payments.keys()))
    run = finance.reconcile_trade_bill(bill_date=bill_date, bill=bill,
                                       ours=finance.OurPayMoney(payments=payments, refunds=refunds))
    log.info("trade bill of %s: %d rows, %d discrepancies", bill_date, run.bill_rows, run.discrepancies)
    return run
