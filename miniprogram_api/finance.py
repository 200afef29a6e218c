"""An agent's money in the mini-program: balance, commission lines with their explanation, withdrawals."""
from flask import g
from flask_smorest import Blueprint

from app.finance import service as finance
from app.finance.schemas import (CommissionLinePage, FinanceBalanceOut, FinanceCommissionQuery,
                                 FinanceAgentWithdrawalOut as MpWithdrawalOut,
                                 FinanceTransferConfirmationOut, AgentWithdrawalPage)
from app.http import agent_required
from app.schemas import PageArgs, Schema, Yuan, fields, page_body, validate

blp = Blueprint("mp_finance", __name__, url_prefix="/api/mp/finance", description="我的佣金与提现")


class MpPayeeBody(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(list(finance.PAYEE_KINDS)))
    name = fields.String(load_default="", validate=validate.Length(max=32))
    account = fields.String(load_default="", validate=validate.Length(max=64))
    bank = fields.String(load_default="", validate=validate.Length(max=32))


class MpWithdrawalBody(Schema):
    amount = Yuan(required=True)
    request_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    payee = fields.Nested(MpPayeeBody, load_default=None)


class MpPayeeOut(Schema):
    """My own payee, whole (only I see it unmasked), to prefill my next withdrawal."""

    kind = fields.String()
    kind_name = fields.String()
    name = fields.String()
    account = fields.String()
    bank = fields.String()


@blp.route("/balance", methods=["GET"])
@agent_required
@blp.response(200, FinanceBalanceOut)
def my_balance():
    """My commission: pending, available, held for withdrawal, withdrawn, and owed after a clawback."""
    return finance.balance(g.agent.id)


@blp.route("/commissions", methods=["GET"])
@agent_required
@blp.arguments(FinanceCommissionQuery, location="query")
@blp.response(200, CommissionLinePage)
def my_commissions(query):
    """My commission lines, newest first, each with why I earned it."""
    return page_body(finance.commission_lines(agent_id=g.agent.id, **query), query)


@blp.route("/withdrawals", methods=["GET"])
@agent_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, AgentWithdrawalPage)
def my_withdrawals(query):
    """My withdrawal requests, newest first."""
    return page_body(finance.list_withdrawals(agent_id=g.agent.id, **query), query)


@blp.route("/withdrawals", methods=["POST"])
@agent_required
@blp.arguments(MpWithdrawalBody)
@blp.response(201, MpWithdrawalOut)
def request_withdrawal(body):
    """Ask to withdraw from my available balance (a repeated request_id returns the first request)."""
    return finance.request_withdrawal(agent_id=g.agent.id, amount_fen=body["amount"], request_id=body["request_id"],
                                      payee=body["payee"])


@blp.route("/payees/last", methods=["GET"])
@agent_required
@blp.response(200, MpPayeeOut)
def my_last_payee():
    """The payee of my latest withdrawal, to prefill the next one (404 before I named one)."""
    return finance.last_payee(agent_id=g.agent.id)


@blp.route("/withdrawals/<id:withdrawal_id>/transfer", methods=["GET"])
@agent_required
@blp.response(200, FinanceTransferConfirmationOut)
def my_transfer_confirmation(withdrawal_id):
    """What `wx.requestMerchantTransfer` takes to confirm receipt of my withdrawal's WeChat transfer
    (409 `not_waiting_confirmation` when nothing waits for me)."""
    return finance.transfer_confirmation(agent_id=g.agent.id, withdrawal_id=withdrawal_id)


@blp.route("/withdrawals/<id:withdrawal_id>/transfer/refresh", methods=["POST"])
@agent_required
@blp.response(200, MpWithdrawalOut)
def refresh_my_transfer(withdrawal_id):
    """After I confirmed in WeChat: ask WeChat Pay how my transfer stands (WeChat Pay, not my tap, decides)."""
    return finance.refresh_transfer(withdrawal_id=withdrawal_id, agent_id=g.agent.id)
