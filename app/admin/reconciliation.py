"""Console: the daily reconciliation of WeChat Pay's trade bill with our payments and refunds (finance reads)."""

from app.admin.commission import FINANCE
from app.finance import service as finance
from app.finance.schemas import DiscrepancyPage, ReconciliationPage
from app.http import Blueprint, admin_required
from app.schemas import PageArgs, fields, page_body

blp = Blueprint("admin_reconciliation", __name__, url_prefix="/admin/api/finance", description="微信支付对账")


class AdminDiscrepancyQuery(PageArgs):
    bill_date = fields.Date()
    open = fields.Boolean(load_default=False)


@blp.route("/reconciliations", methods=["GET"])
@admin_required(*FINANCE)
@blp.arguments(PageArgs, location="query")
@blp.response(200, ReconciliationPage)
def reconciliations(query):
    """Reconciled days, latest first: bill rows, payments, refunds and discrepancies found."""
    return page_body(finance.list_reconciliations(**query), query)


@blp.route("/discrepancies", methods=["GET"])
@admin_required(*FINANCE)
@blp.arguments(AdminDiscrepancyQuery, location="query")
@blp.response(200, DiscrepancyPage)
def discrepancies(query):
    """What a day's bill and our books disagree on (?bill_date=YYYY-MM-DD, ?open=true for the unresolved)."""
    paging = {"page": query["page"], "per_page": query["per_page"]}
    return page_body(finance.list_discrepancies(bill_date=query.get("bill_date"), open_only=query["open"], **paging),
                     query)
