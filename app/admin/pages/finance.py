"""Console pages: finance — the withdrawal queue, an agent's ledger, commission lines, goods-balance top-ups and an
agent's goods entries, expenses and the profit report.

Roles and schemas are the JSON API's (`app/admin/withdrawals.py`, `commission.py`, `goods.py`, `expenses.py`,
`finance_reports.py`): the owner and finance staff.
"""
from flask import g, request, send_file, url_for

from app.admin import commission as commission_api
from app.admin import expenses as expenses_api
from app.admin import goods as goods_api
from app.admin import finance_reports as reports_api
from app.admin import reconciliation as reconciliation_api
from app.admin import withdrawals as withdrawals_api
from app.admin.pages import charts, exports
from app.admin.pages.web import act, form_values, load, page, picked_filters, query_args, render
from app.agents import service as agents
from app.clock import local_text, local_today
from app.errors import InvalidInput
from app.finance import service as finance
from app.money import format_yuan
from app.orders import service as orders
from app.schemas import PageArgs

ROLES = commission_api.FINANCE
WITHDRAWAL_STATUS_NAMES = {"pending": "待审核", "approved": "已批准", "transferring": "微信转账中", "rejected": "已拒绝",
                           "paid": "已打款", "failed": "转账失败（已退回）"}
ACCOUNT_NAMES = {"pending": "待结算", "available": "可提现", "held": "提现冻结", "withdrawn": "已提现"}
WITHDRAWAL_SOURCE_NAMES = {"commission": "佣金", "goods": "货款"}
TOP_UP_STATUS_NAMES = {"pending": "待确认", "confirmed": "已到账", "rejected": "已拒绝", "closed": "已关闭"}
TOP_UP_METHOD_NAMES = {"transfer": "银行转账", "wechat": "微信支付"}
WITHDRAWAL_HEADERS = ("编号", "代理ID", "金额（元）", "收款方式", "收款人", "收款账户", "状态", "申请时间", "说明")
LEDGER_HEADERS = ("时间", "账户", "金额（元）", "订单", "说明")
EXPENSE_HEADERS = ("日期", "类别", "金额（元）", "备注")
# The profit report's figures, in the order the table and the chart show them.
PROFIT_FIGURES = (("net_income", "净收入"), ("cost_of_goods", "商品成本"), ("commissions", "佣金"),
                  ("team_bonus", "团队奖"), ("gross_profit", "毛利"), ("expenses", "费用"), ("net_profit", "净利润"))
# How each figure is drawn: money in, money out, what is left.
PROFIT_KINDS = {"net_income": "income", "cost_of_goods": "cost", "commissions": "cost", "team_bonus": "cost",
                "expenses": "cost", "gross_profit": "profit", "net_profit": "profit"}


def _withdrawals_page(status=200, error=None, acted=None):
    args, errors = query_args(withdrawals_api.AdminWithdrawalQuery(), agent_fields=("agent_id",))
    items, total = finance.list_withdrawals(**args)
    return render("finance/withdrawals.html", status, items=items, total=total, args=args, errors=errors,
                  filters=picked_filters(args, ("agent_id",)), statuses=WITHDRAWAL_STATUS_NAMES, acted=acted,
                  sources=WITHDRAWAL_SOURCE_NAMES,
                  values=form_values() if error else {}, row_errors=error.fields if error else {},
                  message=error.message if error else None)


@page("/finance/withdrawals", roles=ROLES)
def withdrawals():
    """Withdrawal requests, newest first, filtered by status or agent, each with its next actions."""
    return _withdrawals_page()


def _decide(withdrawal_id, call, message):
    return act(call, done=url_for("console.withdrawals"), message=message,
               redisplay=lambda exc: _withdrawals_page(exc.status, exc, acted=withdrawal_id))


exports.register_list("withdrawals", title="提现", headers=WITHDRAWAL_HEADERS,
                      schema=withdrawals_api.AdminWithdrawalQuery, lister=finance.list_withdrawals,
                      shape=lambda items: ((w.id, w.agent_id, format_yuan(w.amount_fen), w.payee.kind_name,
                                            w.payee.name, w.payee.account_masked, WITHDRAWAL_STATUS_NAMES.get(w.status, w.status), local_text(w.created_at),
                                            w.reason or w.reference) for w in items))


@page("/finance/withdrawals/export", roles=ROLES)
def withdrawals_export():
    """The filtered withdrawal requests as .xlsx."""
    return exports.send_export("withdrawals")


@page("/finance/withdrawals/<id:withdrawal_id>/approve", roles=ROLES, methods=("POST",))
def withdrawal_approve(withdrawal_id):
    """Approve a pending request."""
    return _decide(withdrawal_id, lambda: finance.approve_withdrawal(withdrawal_id=withdrawal_id, actor_id=g.admin.id),
                   f"已批准提现 #{withdrawal_id}")


@page("/finance/withdrawals/<id:withdrawal_id>/reject", roles=ROLES, methods=("POST",))
def withdrawal_reject(withdrawal_id):
    """Reject a request with a reason."""
    return _decide(withdrawal_id, lambda: finance.reject_withdrawal(
        withdrawal_id=withdrawal_id, actor_id=g.admin.id, **load(withdrawals_api.AdminRejectBody(), form_values())),
        f"已拒绝提现 #{withdrawal_id}")


@page("/finance/withdrawals/<id:withdrawal_id>/pay", roles=ROLES, methods=("POST",))
def withdrawal_pay(withdrawal_id):
    """Mark an approved request paid, with the transfer's reference."""
    return _decide(withdrawal_id, lambda: finance.mark_withdrawal_paid(
        withdrawal_id=withdrawal_id, actor_id=g.admin.id, **load(withdrawals_api.AdminPaidBody(), form_values())),
        f"提现 #{withdrawal_id} 已标记打款")


@page("/finance/withdrawals/<id:withdrawal_id>/transfer/query", roles=ROLES, methods=("POST",))
def withdrawal_query_transfer(withdrawal_id):
    """Ask WeChat Pay how the request's transfer stands."""
    return _decide(withdrawal_id, lambda: finance.refresh_transfer(withdrawal_id=withdrawal_id),
                   f"已查询提现 #{withdrawal_id} 的微信转账")


@page("/finance/withdrawals/<id:withdrawal_id>/transfer/cancel", roles=ROLES, methods=("POST",))
def withdrawal_cancel_transfer(withdrawal_id):
    """Withdraw the request's WeChat transfer before the agent received it."""
    return _decide(withdrawal_id, lambda: finance.cancel_transfer(withdrawal_id=withdrawal_id, actor_id=g.admin.id),
                   f"已撤销提现 #{withdrawal_id} 的微信转账")


@page("/finance/reconciliation", roles=ROLES)
def reconciliation():
    """WeChat Pay's daily trade bill against our payments and refunds: the days reconciled, and what one day's bill
    and our books disagree on (?bill_date=, ?open=1 for the unresolved)."""
    args, errors = query_args(reconciliation_api.AdminDiscrepancyQuery())
    days, _ = finance.list_reconciliations(page=1, per_page=31)
    bill_date = args.get("bill_date") or (days[0].bill_date if days else None)
    items, total = (finance.list_discrepancies(bill_date=bill_date, open_only=args["open"], page=args["page"],
                                               per_page=args["per_page"]) if bill_date else ([], 0))
    return render("finance/reconciliation.html", days=days, bill_date=bill_date, items=items, total=total,
                  args=args, errors=errors, filters=form_values(request.args), kinds=finance.DISCREPANCY_KINDS)


@page("/finance/agents/<id:agent_id>/ledger", roles=ROLES)
def agent_ledger(agent_id):
    """An agent's postings in the commission ledger, newest first."""
    args, _ = query_args(PageArgs())
    items, total = finance.agent_ledger(agent_id=agent_id, **args)
    return render("finance/ledger.html", items=items, total=total, args=args, agent_id=agent_id,
                  accounts=ACCOUNT_NAMES)


def _commission_filters(values):
    """The page's filters as the service takes them: the agent by name or phone, the order by its number."""
    args = load(commission_api.AdminCommissionQuery(), {key: values[key] for key in ("status", "page", "per_page")
                                                        if key in values})
    if values.get("agent"):
        args["agent_id"] = agents.agent_named(values["agent"], field="agent").id
    if values.get("order"):
        args["order_id"] = orders.id_from_order_no(values["order"])
        if args["order_id"] is None:
            raise InvalidInput.on("order", "没有这个订单号")
    return args


@page("/finance/commissions", roles=ROLES)
def commission_lines():
    """Commission lines, newest first, filtered by agent (name or phone), order number and status, each with the
    rule and arithmetic that produced it."""
    filters = form_values(request.args)
    try:
        args, errors = _commission_filters(filters), {}
    except InvalidInput as exc:
        args, errors = load(commission_api.AdminCommissionQuery(), {}), exc.fields
    items, total = finance.commission_lines(**args) if not errors else ([], 0)
    names = {agent_id: name for agent_id, (_, name) in agents.uplines_and_names([i.agent_id for i in items]).items()}
    return render("finance/commissions.html", items=items, total=total, args=args, errors=errors, filters=filters,
                  agent_names=names, order_numbers=orders.order_numbers(i.order_id for i in items),
                  statuses=finance.LINE_STATUS_NAMES, rules=finance.RULE_NAMES)


exports.register_list("ledger", title="佣金流水", headers=LEDGER_HEADERS, schema=commission_api.AdminLedgerExportQuery,
                      lister=finance.agent_ledger,
                      shape=lambda items: ((local_text(p.entry.created_at), ACCOUNT_NAMES.get(p.account, p.account),
                                            format_yuan(p.amount_fen), p.entry.order_id, p.entry.memo) for p in items))


@page("/finance/ledger/export", roles=ROLES)
def agent_ledger_export():
    """An agent's ledger postings (?agent_id=) as .xlsx."""
    return exports.send_export("ledger")


def _top_ups_page(status=200, error=None, acted=None):
    args, errors = query_args(goods_api.AdminTopUpQuery(), agent_fields=("agent_id",))
    items, total = finance.list_top_ups(**args)
    return render("finance/top_ups.html", status, items=items, total=total, args=args, errors=errors,
                  filters=picked_filters(args, ("agent_id",)), statuses=TOP_UP_STATUS_NAMES, methods=TOP_UP_METHOD_NAMES,
                  acted=acted, values=form_values() if error else {}, row_errors=error.fields if error else {},
                  message=error.message if error else None)


@page("/finance/goods/top-ups", roles=ROLES)
def top_ups():
    """Goods-balance top-ups, newest first: transfers to confirm against their proof, or reject with a reason."""
    return _top_ups_page()


def _decide_top_up(top_up_id, call, message):
    return act(call, done=url_for("console.top_ups", status="pending"), message=message,
               redisplay=lambda exc: _top_ups_page(exc.status, exc, acted=top_up_id))


@page("/finance/goods/top-ups/<id:top_up_id>/confirm", roles=ROLES, methods=("POST",))
def top_up_confirm(top_up_id):
    """The transfer arrived: credit the agent's goods balance."""
    return _decide_top_up(top_up_id, lambda: finance.confirm_transfer_top_up(top_up_id=top_up_id, actor_id=g.admin.id),
                          f"已确认充值 #{top_up_id}，货款已入账")


@page("/finance/goods/top-ups/<id:top_up_id>/reject", roles=ROLES, methods=("POST",))
def top_up_reject(top_up_id):
    """Refuse a transfer top-up with a reason."""
    return _decide_top_up(top_up_id, lambda: finance.reject_transfer_top_up(
        top_up_id=top_up_id, actor_id=g.admin.id, **load(goods_api.AdminTopUpRejectBody(), form_values())),
        f"已拒绝充值 #{top_up_id}")


@page("/finance/goods/top-ups/<id:top_up_id>/proof", roles=ROLES)
def top_up_proof(top_up_id):
    """A top-up's transfer proof image."""
    path, mimetype, name = finance.top_up_proof_file(top_up_id)
    return send_file(path, mimetype=mimetype, max_age=0, download_name=name)


@page("/finance/agents/<id:agent_id>/goods", roles=ROLES)
def agent_goods(agent_id):
    """An agent's goods-payment balance and its entries, newest first."""
    args, _ = query_args(PageArgs())
    items, total = finance.goods_ledger(agent_id=agent_id, **args)
    return render("finance/goods.html", items=items, total=total, args=args, agent_id=agent_id,
                  balance=finance.goods_balance(agent_id=agent_id))


def _expenses_page(status=200, error=None, values=None):
    args, errors = query_args(expenses_api.AdminExpenseQuery())
    items, total = finance.list_expenses(**args)
    return render("finance/expenses.html", status, items=items, total=total, args=args, errors=errors,
                  filters=form_values(request.args), categories=finance.EXPENSE_CATEGORY_NAMES, values=values or {},
                  form_errors=error.fields if error else {}, message=error.message if error else None)


@page("/finance/expenses", roles=ROLES)
def expenses():
    """Expenses, latest first, filtered by category and dates, and the form to record one."""
    return _expenses_page()


@page("/finance/expenses", roles=ROLES, methods=("POST",), endpoint="expense_create")
def expense_create():
    """Record an expense."""
    values = form_values()
    return act(lambda: finance.create_expense(actor_id=g.admin.id, **load(expenses_api.AdminExpenseBody(), values)),
               done=url_for("console.expenses"), message="已记录费用",
               redisplay=lambda exc: _expenses_page(exc.status, exc, values))


exports.register_list("expenses", title="费用", headers=EXPENSE_HEADERS, schema=expenses_api.AdminExpenseQuery,
                      lister=finance.list_expenses,
                      shape=lambda items: ((e.spent_on, finance.EXPENSE_CATEGORY_NAMES.get(e.category, e.category),
                                            format_yuan(e.amount_fen), e.note) for e in items))


@page("/finance/expenses/export", roles=ROLES)
def expenses_export():
    """The filtered expenses as .xlsx."""
    return exports.send_export("expenses")


@page("/finance/profit", roles=ROLES)
def profit():
    """Income, costs and profit of a period (this month unless chosen), with a bar chart."""
    today = local_today()
    filters = {"start": today.replace(day=1).isoformat(), "end": today.isoformat(), **form_values(request.args)}
    try:
        report, errors = finance.profit_report(**load(reports_api.AdminPeriodQuery(), filters)), {}
    except InvalidInput as exc:
        report, errors = None, exc.fields
    chart = report and charts.bar_chart([(name, report[f"{key}_fen"], PROFIT_KINDS[key]) for key, name in PROFIT_FIGURES],
                                        label="收支与利润", format_value=charts.yuan_sign)
    return render("finance/profit.html", report=report, errors=errors, filters=filters, figures=PROFIT_FIGURES,
                  chart=chart)
