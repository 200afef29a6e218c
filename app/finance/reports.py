"""Income, expenses and profit for any period or month by month, aggregated in SQL.

Sales count in the month the order was paid, refunds in the month they were made,
team bonuses in the month they are for, expenses on their date (all local dates).
Net income = sales − discounts + shipping charged − refunds; gross profit = net
income − cost of goods (less goods returned) − commissions (less reversals);
net profit = gross profit − expenses.
"""
from datetime import date, timedelta

from peewee import fn

from app.database import reads_replica
from app.errors import InvalidInput
from app.finance.expenses import CATEGORY_NAMES
from app.finance.models import EXPENSE_CATEGORIES, CommissionLine, Expense, OrderSettlement, SettlementRefund
from app.finance.team_bonus import last_day
from app.money import format_yuan

MAX_REPORT_DAYS = 3660


def _sum(column):
    return fn.COALESCE(fn.SUM(column), 0)


def _rows(query, period_column, by_month):
    """{period (None when not by month): [sums]} of an aggregate query."""
    if by_month:
        query = query.select_extend(period_column).group_by(period_column)
    found = {}
    for row in query.tuples():
        sums, period = (row[:-1], row[-1]) if by_month else (row, None)
        found[period] = [int(value or 0) for value in sums]
    return found


def _month(day):
    return day.year * 100 + day.month


def _totals(start, end, *, by_month):
    s, r = OrderSettlement, SettlementRefund
    sales = _rows(s.select(fn.COUNT(s.order_id), _sum(s.subtotal_fen), _sum(s.discount_fen), _sum(s.shipping_fen),
                           _sum(s.cost_fen), _sum(s.commission_fen))
                  .where(s.period.between(_month(start), _month(end)), s.paid_on.between(start, end)),
                  s.period, by_month)
    refunds = _rows(r.select(_sum(r.goods_fen), _sum(r.shipping_fen), _sum(r.cost_fen),
                             _sum(r.commission_reversed_fen))
                    .where(r.refunded_on.between(start, end)), r.period, by_month)
    periods = [p for p in _periods(start, end) if start <= last_day(p) <= end]
    team = _rows(CommissionLine.select(_sum(CommissionLine.amount_fen - CommissionLine.reversed_fen))
                 .where(CommissionLine.rule == "team", CommissionLine.period.in_(periods or [0])),
                 CommissionLine.period, by_month)
    expenses = {}
    query = (Expense.select(Expense.category, _sum(Expense.amount_fen), *([Expense.period] if by_month else []))
             .where(Expense.spent_on.between(start, end)))
    for category, amount, *period in query.group_by(Expense.category, *([Expense.period] if by_month else []))\
            .tuples():
        expenses.setdefault(period[0] if by_month else None, {})[category] = int(amount)
    keys = set(sales) | set(refunds) | set(team) | set(expenses) if by_month else {None}
    return {key: _figures(sales.get(key, [0] * 6), refunds.get(key, [0] * 4), team.get(key, [0])[0],
                          expenses.get(key, {})) for key in keys}


def _figures(sales, refunds, team_fen, expenses):
    orders, subtotal, discount, shipping, cost, commission = sales
    refunded_goods, refunded_shipping, returned_cost, reversed_commission = refunds
    net_income = subtotal - discount + shipping - refunded_goods - refunded_shipping
    cost_of_goods = cost - returned_cost
    commissions = commission - reversed_commission + team_fen
    gross = net_income - cost_of_goods - commissions
    by_category = {category: expenses.get(category, 0) for category in EXPENSE_CATEGORIES}
    total_expenses = sum(by_category.values())
    return {"orders": orders, "sales_fen": subtotal, "discount_fen": discount, "shipping_charged_fen": shipping,
            "refunds_fen": refunded_goods + refunded_shipping, "net_income_fen": net_income,
            "cost_of_goods_fen": cost_of_goods, "commissions_fen": commissions, "team_bonus_fen": team_fen,
            "gross_profit_fen": gross, "expenses_fen": total_expenses,
            "expenses_by_category": [{"category": c, "name": CATEGORY_NAMES[c], "amount_fen": a}
                                     for c, a in by_category.items()],
            "net_profit_fen": gross - total_expenses}


def _check_range(start, end):
    if end < start:
        raise InvalidInput.on("end", "结束日期不能早于开始日期")
    if (end - start).days > MAX_REPORT_DAYS:
        raise InvalidInput.on("end", "报表期间不能超过十年")


@reads_replica
def profit_report(*, start, end):
    """The figures of the local dates `start`..`end` (inclusive)."""
    _check_range(start, end)
    return {"start": start, "end": end, **_totals(start, end, by_month=False)[None]}


def _periods(start, end):
    periods, day = [], start.replace(day=1)
    while day <= end:
        periods.append(day.year * 100 + day.month)
        day = (day + timedelta(days=32)).replace(day=1)
    return periods


def first_day(period):
    """The first local date of month YYYYMM."""
    return date(period // 100, period % 100, 1)


@reads_replica
def monthly_report(*, first, last):
    """The figures of each month YYYYMM from `first` to `last`, and of them all."""
    start, end = first_day(first), last_day(last)
    _check_range(start, end)
    by_month = _totals(start, end, by_month=True)
    empty = _figures([0] * 6, [0] * 4, 0, {})
    months = [{"month": f"{p // 100}-{p % 100:02d}", **by_month.get(p, empty)} for p in _periods(start, end)]
    return {"months": months, "total": {"start": start, "end": end, **_sum_figures(months)}}


def _sum_figures(months):
    """The figures of several months added up (every figure is a sum, so the months add exactly)."""
    total = {key: sum(month[key] for month in months) for key in months[0] if key.endswith("_fen") or key == "orders"}
    total["expenses_by_category"] = [
        {**first, "amount_fen": sum(month["expenses_by_category"][i]["amount_fen"] for month in months)}
        for i, first in enumerate(months[0]["expenses_by_category"])]
    return total


REPORT_COLUMNS = (("month", "月份"), ("orders", "订单数"), ("sales_fen", "销售额"), ("discount_fen", "优惠"),
                  ("shipping_charged_fen", "运费收入"), ("refunds_fen", "退款"), ("net_income_fen", "净收入"),
                  ("cost_of_goods_fen", "商品成本"), ("commissions_fen", "佣金"), ("gross_profit_fen", "毛利"),
                  ("expenses_fen", "费用合计"), ("net_profit_fen", "净利润"))


def monthly_report_table(report):
    """(headers, rows) of a monthly report for export; money in yuan."""
    headers = [name for _, name in REPORT_COLUMNS] + [CATEGORY_NAMES[c] for c in EXPENSE_CATEGORIES]
    rows = []
    for label, figures in [(m["month"], m) for m in report["months"]] + [("合计", report["total"])]:
        row = [label, figures["orders"]] + [format_yuan(figures[key]) for key, _ in REPORT_COLUMNS[2:]]
        rows.append(row + [format_yuan(e["amount_fen"]) for e in figures["expenses_by_category"]])
    return headers, rows
