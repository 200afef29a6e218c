"""Finance use cases: the public face of the domain for doors, jobs and the orders domain.

Orders hand over `app.finance.inputs` facts: `settle_paid_order`, `record_refund`,
`cancel_settlement`, `mark_order_completed`. The rest serves the console, the
mini-program and the scheduler.
"""
from app.finance.accounts import agent_ledger, balance, commission_lines  # noqa: F401
from app.finance.expenses import (attach, attachment, create_expense, delete_expense, get_expense,  # noqa: F401
                                  list_expenses, update_expense)
from app.finance.ledger import check as check_ledger  # noqa: F401
from app.finance.preview import preview_order, preview_rules  # noqa: F401
from app.finance.reports import monthly_report, monthly_report_table, profit_report  # noqa: F401
from app.finance.settlement import (cancel_settlement, get_settlement, list_settlements,  # noqa: F401
                                    mark_order_completed, record_refund, release_available_commissions,
                                    settle_paid_order, settle_paid_orders)
from app.finance.statements import statement, statement_pdf, statement_xlsx  # noqa: F401
from app.finance.team_bonus import award_team_bonus, previous_period  # noqa: F401
from app.finance.versions import create_version, get_version, list_versions, rules_in_force, rules_of  # noqa: F401
from app.finance.models import LINE_STATUS_NAMES, RULE_NAMES  # noqa: F401
from app.finance.payees import PAYEE_KINDS, Payee  # noqa: F401
from app.finance.withdrawals import (approve_withdrawal, get_withdrawal, last_payee, list_withdrawals,  # noqa: F401
                                     mark_withdrawal_paid, reject_withdrawal, request_withdrawal)
