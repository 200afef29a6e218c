"""Console: the withdrawal queue — approve (for WeChat change with 商家转账: the transfer is made), reject with a
reason, mark paid with a reference (bank, Alipay), ask WeChat Pay how a transfer stands."""
from flask import g

from app.finance import service as finance
from app.finance.schemas import FinanceWithdrawalOut, WithdrawalPage
from app.http import Blueprint, admin_required
from app.schemas import PageArgs, RowId, Schema, fields, page_body, validate

blp = Blueprint("admin_withdrawals", __name__, url_prefix="/admin/api/finance/withdrawals", description="提现")


class AdminWithdrawalQuery(PageArgs):
    status = fields.String(validate=validate.OneOf(finance.WITHDRAWAL_STATUSES))
    agent_id = RowId()


class AdminRejectBody(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255))


class AdminPaidBody(Schema):
    reference = fields.String(required=True, validate=validate.Length(min=1, max=64))


@blp.route("", methods=["GET"])
@admin_required("finance")
@blp.arguments(AdminWithdrawalQuery, location="query")
@blp.response(200, WithdrawalPage)
def withdrawals(query):
    """Withdrawal requests, newest first (?status=pending for the queue)."""
    return page_body(finance.list_withdrawals(**query), query)


@blp.route("/<id:withdrawal_id>/approve", methods=["POST"])
@admin_required("finance")
@blp.response(200, FinanceWithdrawalOut)
def approve(withdrawal_id):
    """Approve a pending request."""
    return finance.approve_withdrawal(withdrawal_id=withdrawal_id, actor_id=g.admin.id)


@blp.route("/<id:withdrawal_id>/reject", methods=["POST"])
@admin_required("finance")
@blp.arguments(AdminRejectBody)
@blp.response(200, FinanceWithdrawalOut)
def reject(body, withdrawal_id):
    """Reject a request with a reason; the amount becomes available again."""
    return finance.reject_withdrawal(withdrawal_id=withdrawal_id, actor_id=g.admin.id, reason=body["reason"])


@blp.route("/<id:withdrawal_id>/pay", methods=["POST"])
@admin_required("finance")
@blp.arguments(AdminPaidBody)
@blp.response(200, FinanceWithdrawalOut)
def mark_paid(body, withdrawal_id):
    """Mark an approved request paid, with the transfer's reference."""
    return finance.mark_withdrawal_paid(withdrawal_id=withdrawal_id, actor_id=g.admin.id, reference=body["reference"])


@blp.route("/<id:withdrawal_id>/transfer/query", methods=["POST"])
@admin_required("finance")
@blp.response(200, FinanceWithdrawalOut)
def query_transfer(withdrawal_id):
    """Ask WeChat Pay now how the request's transfer stands (sent again, with its one number, if never received)."""
    return finance.refresh_transfer(withdrawal_id=withdrawal_id)


@blp.route("/<id:withdrawal_id>/transfer/cancel", methods=["POST"])
@admin_required("finance")
@blp.response(200, FinanceWithdrawalOut)
def cancel_transfer(withdrawal_id):
    """Withdraw the request's WeChat transfer before the agent received it; its money returns once cancelled."""
    return finance.cancel_transfer(withdrawal_id=withdrawal_id, actor_id=g.admin.id)
