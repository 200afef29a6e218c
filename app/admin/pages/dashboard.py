"""Console page: the dashboard (看板) — each role sees the sections its API roles may read."""
from flask import g

from app import dashboard as dashboard_service
from app.admin import agents as agents_api
from app.admin import codes as codes_api
from app.admin import commission as commission_api
from app.admin import orders as orders_api
from app.admin import price_control as price_control_api
from app.admin import stock as stock_api
from app.admin.pages import charts
from app.admin.pages.web import holds_role, page, render

SECTION_ROLES = {"sales": orders_api.READ_ROLES, "agents": agents_api.READERS, "stock": stock_api.READ_ROLES,
                 "codes": codes_api.READ_ROLES, "violations": price_control_api.READ_ROLES,
                 "withdrawals": commission_api.FINANCE}
EVERY_ROLE = ("staff", "finance", "warehouse")


def short_yuan(fen):
    """An axis label: yuan, in 万 from ten thousand up."""
    yuan = fen / 100
    return f"¥{yuan / 10000:g}万" if yuan >= 10000 else f"¥{yuan:g}"


@page("/", roles=EVERY_ROLE)
def dashboard():
    """Today's and this month's figures, alerts, the 30-day chart, top products and provinces."""
    data = dashboard_service.figures(
        sections={section for section, roles in SECTION_ROLES.items() if holds_role(g.admin, roles)})
    sales = data.get("sales")
    chart = {}
    if sales:
        chart = {
            "days": charts.line_chart(sales["by_day"], label="近30天销售额", format_value=short_yuan),
            "products": charts.bar_chart([(row.label, row.amount_fen) for row in sales["products"]],
                                         label="热销商品", format_value=charts.yuan_sign),
            "provinces": charts.bar_chart([(row.label or "未知", row.amount_fen) for row in sales["provinces"][:10]],
                                          label="各省销售额", format_value=charts.yuan_sign)}
    return render("dashboard.html", data=data, chart=chart)
