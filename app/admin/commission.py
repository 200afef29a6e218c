"""Console: commission rule versions (and trying one on a past month), agents' balances, lines, ledgers, statements."""
from io import BytesIO

from flask import g, send_file

from app.clock import local_today
from app.exports import XLSX_MIMETYPE
from app.finance import service as finance
from app.finance.schemas import (CommissionLinePage, FinanceBalanceOut, FinanceCommissionQuery, FinanceRules,
                                 FinanceRuleVersionOut, Month)
from app.http import Blueprint, admin_required
from app.schemas import PageArgs, RowId, Schema, UtcDateTime, Yuan, fields, page_body, page_schema, validate

blp = Blueprint("admin_commission", __name__, url_prefix="/admin/api/finance", description="佣金规则与佣金账")

FINANCE = ("finance",)  # the owner may do everything; finance staff run the money day to day


class AdminRuleSetBody(Schema):
    rules = fields.Nested(FinanceRules, required=True)
    max_depth = fields.Integer(strict=True, load_default=3, validate=validate.Range(min=1, max=10))
    allow_deeper = fields.Boolean(load_default=False)


class AdminRuleVersionBody(AdminRuleSetBody):
    effective_from = fields.Date(load_default=local_today)
    note = fields.String(load_default="", validate=validate.Length(max=255))


class AdminRulePreviewBody(AdminRuleSetBody):
    month = Month(required=True)


class AdminRuleSampleBody(AdminRuleSetBody):
    buyer_agent_id = RowId(required=True)
    product_id = RowId(required=True)
    quantity = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10**9))


class AdminSampleLineOut(Schema):
    agent_id = fields.Integer()
    agent = fields.String()
    rule = fields.String()
    depth = fields.Integer()
    amount = Yuan(attribute="amount_fen")
    explanation = fields.String()


class AdminRuleSampleOut(Schema):
    buyer = fields.String()
    product = fields.String()
    quantity = fields.Integer()
    unit_price = Yuan(attribute="unit_price_fen")
    order_total = Yuan(attribute="order_total_fen")
    lines = fields.List(fields.Nested(AdminSampleLineOut))
    commission = Yuan(attribute="commission_fen")
    warnings = fields.List(fields.String())


class AdminRuleTotalOut(Schema):
    rule = fields.String()
    amount = Yuan(attribute="amount_fen")


class AdminDepthTotalOut(Schema):
    depth = fields.Integer()
    amount = Yuan(attribute="amount_fen")


class AdminRulePreviewOut(Schema):
    month = fields.String()
    orders = fields.Integer()
    actual_commission = Yuan(attribute="actual_commission_fen")
    proposed_commission = Yuan(attribute="proposed_commission_fen")
    by_rule = fields.List(fields.Nested(AdminRuleTotalOut))
    by_depth = fields.List(fields.Nested(AdminDepthTotalOut))
    deepest_paid = fields.Integer()
    warnings = fields.List(fields.String())


class AdminCommissionQuery(FinanceCommissionQuery):
    agent_id = RowId()
    order_id = RowId()


class AdminLedgerExportQuery(PageArgs):
    """?agent_id= of the console's ledger export (the page has the agent in its path)."""

    agent_id = RowId(required=True)


class AdminLedgerPostingOut(Schema):
    id = fields.Integer()
    entry_id = fields.Integer(attribute="entry.id")
    kind = fields.String(attribute="entry.kind")
    key = fields.String(attribute="entry.key")
    order_id = fields.Integer(attribute="entry.order_id", allow_none=True)
    memo = fields.String(attribute="entry.memo")
    account = fields.String()
    amount = Yuan(attribute="amount_fen")
    at = UtcDateTime(attribute="entry.created_at")


class AdminStatementQuery(Schema):
    month = Month(required=True)
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "pdf"]))


class AdminTeamBonusBody(Schema):
    month = Month(required=True)


@blp.route("/rules", methods=["GET"])
@admin_required(*FINANCE)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(FinanceRuleVersionOut))
def rule_versions(query):
    """Every commission rule version, newest effective date first."""
    return page_body(finance.list_versions(**query), query)


@blp.route("/rules/<id:version_id>", methods=["GET"])
@admin_required(*FINANCE)
@blp.response(200, FinanceRuleVersionOut)
def rule_version(version_id):
    """One rule version."""
    return finance.get_version(version_id)


@blp.route("/rules", methods=["POST"])
@admin_required("owner")
@blp.arguments(AdminRuleVersionBody)
@blp.response(201, FinanceRuleVersionOut)
def create_rule_version(body):
    """A new rule version from its effective date (today or later); more than 3 levels needs allow_deeper."""
    version, warnings = finance.create_version(actor_id=g.admin.id, **body)
    version.warnings = warnings
    return version


@blp.route("/rules/preview", methods=["POST"])
@admin_required(*FINANCE)
@blp.arguments(AdminRulePreviewBody)
@blp.response(200, AdminRulePreviewOut)
def preview_rules(body):
    """What a rule set would have paid on a past month's settled orders, next to what was paid."""
    return finance.preview_rules(rules=body["rules"], period=body["month"], max_depth=body["max_depth"],
                                 allow_deeper=body["allow_deeper"])


@blp.route("/rules/preview-order", methods=["POST"])
@admin_required(*FINANCE)
@blp.arguments(AdminRuleSampleBody)
@blp.response(200, AdminRuleSampleOut)
def preview_rules_on_order(body):
    """Each commission line (with its arithmetic) a rule set would pay on one sample order, before saving it."""
    return finance.preview_order(**body)


@blp.route("/agents/<id:agent_id>/balance", methods=["GET"])
@admin_required(*FINANCE)
@blp.response(200, FinanceBalanceOut)
def agent_balance(agent_id):
    """An agent's commission balance."""
    return finance.balance(agent_id)


@blp.route("/agents/<id:agent_id>/ledger", methods=["GET"])
@admin_required(*FINANCE)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_schema(AdminLedgerPostingOut))
def agent_ledger(query, agent_id):
    """An agent's postings in the commission ledger, newest first."""
    return page_body(finance.agent_ledger(agent_id=agent_id, **query), query)


@blp.route("/agents/<id:agent_id>/statement", methods=["GET"])
@admin_required(*FINANCE)
@blp.arguments(AdminStatementQuery, location="query")
def agent_statement(query, agent_id):
    """An agent's monthly statement (opening balance, lines, closing balance) as .xlsx or PDF."""
    data = finance.statement(agent_id=agent_id, period=query["month"])
    if query["format"] == "pdf":
        content, mimetype = finance.statement_pdf(data), "application/pdf"
    else:
        content, mimetype = finance.statement_xlsx(data), XLSX_MIMETYPE
    return send_file(BytesIO(content), mimetype=mimetype, as_attachment=True,
                     download_name=f"statement-{agent_id}-{data['month']}.{query['format']}")


@blp.route("/commissions", methods=["GET"])
@admin_required(*FINANCE)
@blp.arguments(AdminCommissionQuery, location="query")
@blp.response(200, CommissionLinePage)
def commissions(query):
    """Commission lines (of an agent, of an order), newest first, with their explanation."""
    return page_body(finance.commission_lines(**query), query)


@blp.route("/team-bonus", methods=["POST"])
@admin_required(*FINANCE)
@blp.arguments(AdminTeamBonusBody)
@blp.response(200, Schema.from_dict({"credited": fields.Integer()}, name="AdminTeamBonusOut"))
def team_bonus(body):
    """Award a month's team bonus now (once per month; the scheduler does it monthly)."""
    return {"credited": finance.award_team_bonus(period=body["month"])}
