"""Console: order reports (by product, region, level, period; the funnel) and their .xlsx export."""
from io import BytesIO

from flask import send_file

from app.admin.orders import READ_ROLES
from app.exports import table_file
from app.http import Blueprint, admin_required
from app.money import format_yuan
from app.orders import service as orders
from app.schemas import PeriodDate, Schema, Yuan, fields, validate

blp = Blueprint("admin_order_reports", __name__, url_prefix="/admin/api/order-reports", description="订单报表")

REPORTS = {
    "product": lambda args: orders.by_product(**args),
    "region": lambda args: orders.by_region(**args),
    "province": lambda args: orders.by_region(**args, by_city=False),
    "level": lambda args: orders.by_level(**args),
    "day": lambda args: orders.by_period(granularity="day", **args),
    "week": lambda args: orders.by_period(granularity="week", **args),
    "month": lambda args: orders.by_period(granularity="month", **args),
}
REPORT_TITLES = {"product": "按商品", "region": "按省市", "province": "按省份", "level": "按代理等级", "day": "按日",
                 "week": "按周", "month": "按月"}


class AdminReportArgs(Schema):
    since = PeriodDate(load_default=None)
    until = PeriodDate(load_default=None)


class AdminReportExportArgs(AdminReportArgs):
    report = fields.String(required=True, validate=validate.OneOf(list(REPORTS)))


class AdminReportRowOut(Schema):
    key = fields.String()
    label = fields.String()
    orders = fields.Integer()
    units = fields.Integer()
    amount = Yuan(attribute="amount_fen")


class AdminFunnelStageOut(Schema):
    stage = fields.String()
    label = fields.String()
    orders = fields.Integer()


def _report_view(name):
    @admin_required(*READ_ROLES)
    @blp.arguments(AdminReportArgs, location="query")
    @blp.response(200, AdminReportRowOut(many=True))
    def view(args):
        return REPORTS[name](args)
    view.__name__ = f"report_{name}"
    view.__doc__ = f"Paid orders, units and amount (net of refunds) {REPORT_TITLES[name]}, for local dates since–until."
    return view


for _name in REPORTS:
    blp.route(f"/{_name}", methods=["GET"])(_report_view(_name))


@blp.route("/funnel", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminReportArgs, location="query")
@blp.response(200, AdminFunnelStageOut(many=True))
def report_funnel(args):
    """Orders placed in the period, and how many of them were paid, shipped, received and completed."""
    return orders.funnel(**args)


@blp.route("/export", methods=["GET"])
@admin_required(*READ_ROLES)
@blp.arguments(AdminReportExportArgs, location="query")
def export_report(args):
    """One report as .xlsx."""
    name = args.pop("report")
    rows = ((row.label, row.orders, row.units, format_yuan(row.amount_fen)) for row in REPORTS[name](args))
    content, mimetype, extension = table_file("xlsx", ("项目", "订单数", "件数", "金额（元）"), rows,
                                              title=f"订单报表-{REPORT_TITLES[name]}")
    return send_file(BytesIO(content), mimetype=mimetype, as_attachment=True,
                     download_name=f"order-report-{name}.{extension}")
