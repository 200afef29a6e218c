"""Finance use cases: the public face of the domain for doors, jobs and the orders domain.

Orders hand over the facts of `app.finance.schemas` (`PaidOrder`, `OrderRefund`): `settle_first_payment` (or
`settle_paid_order`), `record_refund`,
`cancel_settlement`, `mark_order_completed`. The goods-payment balance (货款) is
moved by `credit_goods` and `debit_goods`, which run inside the caller's
transaction (an order paid from it, a 转货 between two agents). The rest serves
the console, the mini-program and the scheduler.
"""
from app.finance.accounts import agent_ledger, balance, commission_lines  # noqa: F401
from app.finance.expenses import (CATEGORY_NAMES as EXPENSE_CATEGORY_NAMES, attach, attachment,  # noqa: F401
                                  create_expense, delete_expense, get_expense, list_expenses, update_expense)
from app.finance import goods, ledger
from app.finance.goods import (CREDIT_REASONS as GOODS_CREDIT_REASONS,  # noqa: F401
                               DEBIT_REASONS as GOODS_DEBIT_REASONS, GoodsBalanceView, GoodsMove)
from app.finance.goods import balance as goods_balance, credit as credit_goods, debit as debit_goods  # noqa: F401
from app.finance.goods import ledger as goods_ledger, pay as pay_goods  # noqa: F401
from app.finance.preview import preview_order, preview_rules  # noqa: F401
from app.finance.reports import monthly_report, monthly_report_table, profit_report  # noqa: F401
from app.finance.settlement import (cancel_settlement, commission_on_cloud_transfers, get_settlement,  # noqa: F401
                                    list_settlements, mark_order_completed, record_refund, release_available_commissions,
                                    settle_cloud_transfer, settle_first_payment, settle_paid_order,
                                    settle_paid_orders)
from app.finance.statements import statement, statement_pdf, statement_xlsx  # noqa: F401
from app.finance.topups import (check_wechat_top_up, confirm_transfer_top_up, get_top_up,  # noqa: F401
                                handle_wechat_top_up_notification, handle_wechat_top_up_v3_notification, list_top_ups,
                                reject_transfer_top_up, settle_wechat_top_ups, start_wechat_top_up,
                                submit_transfer_top_up, top_up_proof_file, wechat_top_up_money)
from app.finance.team_bonus import award_team_bonus, previous_period  # noqa: F401
from app.finance.versions import create_version, get_version, list_versions, rules_in_force, rules_of  # noqa: F401
from app.finance.models import (EXPENSE_CATEGORIES, LINE_STATUS_NAMES, RULE_NAMES, TOPUP_METHODS,  # noqa: F401
                                TOPUP_STATUSES, WITHDRAWAL_SOURCES, WITHDRAWAL_STATUSES)
from app.finance.payees import PAYEE_KINDS, Payee  # noqa: F401
from app.finance.withdrawals import (approve_withdrawal, get_withdrawal, last_payee, list_withdrawals,  # noqa: F401
                                     cancel_transfer, mark_withdrawal_paid, refresh_transfer, reject_withdrawal,
                                     request_withdrawal, transfer_confirmation)
from app.finance.payouts import handle_transfer_notification  # noqa: F401
from app.finance.reconciliation import (OurPayMoney,  # noqa: F401
                                        get_reconciliation, list_discrepancies, list_reconciliations,
                                        record as reconcile_trade_bill)
from app.finance.bills import BadBill, TradeBill, parse_trade_bill  # noqa: F401
from app.finance.checks import check_withdrawals  # noqa: F401
from app.finance.models import DISCREPANCY_KINDS  # noqa: F401


def check_ledger():
    """Both ledgers: every journal entry sums to zero and every commission balance equals its postings; every goods
    balance equals its entries and is not negative. The differences (empty when all is well)."""
    return ledger.check() + goods.check()
