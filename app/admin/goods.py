"""Console: the goods-payment balance (货款) — top-ups to confirm or reject, each agent's balance and entries."""
from flask import g, send_file

from app.finance import service as finance
from app.finance.schemas import FinanceGoodsBalanceOut, FinanceTopUpOut, GoodsEntryPage, TopUpPage
from app.http import Blueprint, admin_required
from app.schemas import PageArgs, RowId, Schema, fields, page_body, validate

blp = Blueprint("admin_goods", __name__, url_prefix="/admin/api/finance/goods", description="货款余额与充值")

FINANCE = ("finance",)


class AdminTopUpQuery(PageArgs):
    status = fields.String(validate=validate.OneOf(finance.TOPUP_STATUSES))
    method = fields.String(validate=validate.OneOf(finance.TOPUP_METHODS))
    agent_id = RowId()


class AdminTopUpRejectBody(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))


@blp.route("/top-ups", methods=["GET"])
@admin_required(*FINANCE)
@blp.arguments(AdminTopUpQuery, location="query")
@blp.response(200, TopUpPage)
def top_ups(query):
    """Top-ups, newest first (?status=pending for the transfers to confirm)."""
    return page_body(finance.list_top_ups(**query), query)


@blp.route("/top-ups/<id:top_up_id>/confirm", methods=["POST"])
@admin_required(*FINANCE)
@blp.response(200, FinanceTopUpOut)
def confirm_top_up(top_up_id):
    """The transfer arrived: confirm the top-up and credit the agent's goods balance (once)."""
    return finance.confirm_transfer_top_up(top_up_id=top_up_id, actor_id=g.admin.id)


@blp.route("/top-ups/<id:top_up_id>/reject", methods=["POST"])
@admin_required(*FINANCE)
@blp.arguments(AdminTopUpRejectBody)
@blp.response(200, FinanceTopUpOut)
def reject_top_up(body, top_up_id):
    """Refuse a transfer top-up with a reason; nothing is credited."""
    return finance.reject_transfer_top_up(top_up_id=top_up_id, actor_id=g.admin.id, reason=body["reason"])


@blp.route("/top-ups/<id:top_up_id>/proof", methods=["GET"])
@admin_required(*FINANCE)
@blp.doc(responses={"200": {"description": "the proof image", "content": {"image/*": {}}}})
def top_up_proof(top_up_id):
    """The transfer proof the agent uploaded."""
    path, mimetype, name = finance.top_up_proof_file(top_up_id)
    return send_file(path, mimetype=mimetype, max_age=0, download_name=name)


@blp.route("/agents/<id:agent_id>", methods=["GET"])
@admin_required(*FINANCE)
@blp.response(200, FinanceGoodsBalanceOut)
def agent_goods_balance(agent_id):
    """An agent's goods balance."""
    return finance.goods_balance(agent_id=agent_id)


@blp.route("/agents/<id:agent_id>/entries", methods=["GET"])
@admin_required(*FINANCE)
@blp.arguments(PageArgs, location="query")
@blp.response(200, GoodsEntryPage)
def agent_goods_entries(query, agent_id):
    """An agent's goods balance entries, newest first."""
    return page_body(finance.goods_ledger(agent_id=agent_id, **query), query)
