"""Console: income, expense and profit reports (any period, month by month, exported) and order settlements."""
from io import BytesIO

from flask import send_file

from app.exports import table_file
from app.finance import service as finance
from app.finance.schemas import Month
from app.http import Blueprint, admin_required
from app.schemas import PageArgs, PeriodDate, RowId, Schema, UtcDateTime, Yuan, fields, page_body, page_schema, validate

blp = Blueprint("admin_finance_reports", __name__, url_prefix="/admin/api/finance", description="财务报表与订单结算")

MONEY_FIGURES = ("sales", "discount", "shipping_charged", "refunds", "net_income", "cost_of_goods", "commissions",
                 "team_bonus", "gross_profit", "expenses", "net_profit")


class AdminPeriodQuery(Schema):
    start = PeriodDate(required=True)
    end = PeriodDate(required=True)


class AdminMonthsQuery(Schema):
    from_month = Month(data_key="from", required=True)
    to_month = Month(data_key="to", required=True)


class AdminMonthsExportQuery(AdminMonthsQuery):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))


class AdminExpenseFigureOut(Schema):
    category = fields.String()
    name = fields.String()
    amount = Yuan(attribute="amount_fen")


AdminFiguresOut = Schema.from_dict({
    "orders": fields.Integer(),
    **{name: Yuan(attribute=f"{name}_fen") for name in MONEY_FIGURES},
    "expenses_by_category": fields.List(fields.Nested(AdminExpenseFigureOut)),
}, name="AdminFinanceFigures")


class AdminProfitReportOut(AdminFiguresOut):
    start = fields.Date()
    end = fields.Date()


class AdminMonthFiguresOut(AdminFiguresOut):
    month = fields.String()


class AdminMonthlyReportOut(Schema):
    months = fields.List(fields.Nested(AdminMonthFiguresOut))
    total = fields.Nested(AdminProfitReportOut)


class AdminSettlementQuery(PageArgs):
    start = PeriodDate()
    end = PeriodDate()
    buyer_agent_id = RowId()


class AdminSettlementOut(Schema):
    order_id = fields.Integer()
    order_no = fields.String()
    buyer_agent_id = fields.Integer(allow_none=True)
    paid_at = UtcDateTime()
    status = fields.String()
    revenue = Yuan(attribute="subtotal_fen")
    discount = Yuan(attribute="discount_fen")
    shipping_charged = Yuan(attribute="shipping_fen")
    total = Yuan(attribute="total_fen")
    cost_of_goods = Yuan(attribute="cost_fen")
    commission = Yuan(attribute="commission_fen")
    refunded_goods = Yuan(attribute="refunded_goods_fen")
    refunded_shipping = Yuan(attribute="refunded_shipping_fen")
    returned_cost = Yuan(attribute="returned_cost_fen")
    commission_reversed = Yuan(attribute="commission_reversed_fen")
    gross_margin = Yuan(attribute="gross_margin_fen")
    completed_at = UtcDateTime(allow_none=True)
    released_at = UtcDateTime(allow_none=True)


@blp.route("/reports", methods=["GET"])
@admin_required("finance")
@blp.arguments(AdminPeriodQuery, location="query")
@blp.response(200, AdminProfitReportOut)
def profit_report(query):
    """Income, expenses by category, commissions, gross and net profit of any period (local dates, inclusive)."""
    return finance.profit_report(**query)


@blp.route("/reports/monthly", methods=["GET"])
@admin_required("finance")
@blp.arguments(AdminMonthsQuery, location="query")
@blp.response(200, AdminMonthlyReportOut)
def monthly_report(query):
    """The same figures month by month (?from=YYYY-MM&to=YYYY-MM) and in total."""
    return finance.monthly_report(first=query["from_month"], last=query["to_month"])


@blp.route("/reports/monthly/export", methods=["GET"])
@admin_required("finance")
@blp.arguments(AdminMonthsExportQuery, location="query")
def export_monthly_report(query):
    """The monthly report as .xlsx or .csv."""
    report = finance.monthly_report(first=query["from_month"], last=query["to_month"])
    headers, rows = finance.monthly_report_table(report)
    content, mimetype, extension = table_file(query["format"], headers, rows, title="利润报表")
    return send_file(BytesIO(content), mimetype=mimetype, as_attachment=True,
                     download_name=f"profit-{query['from_month']}-{query['to_month']}.{extension}")


@blp.route("/settlements", methods=["GET"])
@admin_required("finance")
@blp.arguments(AdminSettlementQuery, location="query")
@blp.response(200, page_schema(AdminSettlementOut))
def settlements(query):
    """Order settlements, latest paid first (?start=&end=&buyer_agent_id=)."""
    return page_body(finance.list_settlements(**query), query)


@blp.route("/settlements/<id:order_id>", methods=["GET"])
@admin_required("finance")
@blp.response(200, AdminSettlementOut)
def settlement(order_id):
    """One order's settlement: revenue, discount, shipping charged, cost of goods, commission, gross margin."""
    return finance.get_settlement(order_id)
