"""An agent's money in the mini-program: commission balance and lines with their explanation, the goods-payment
balance (货款) with its ledger and top-ups, withdrawals from either."""
from flask import g, request, send_file

from app.finance import service as finance
from app.finance.schemas import (AgentWithdrawalPage, CommissionLinePage, FinanceAgentWithdrawalOut as MpWithdrawalOut,
                                 FinanceBalanceOut, FinanceCommissionQuery, FinanceGoodsBalanceOut, FinanceTopUpOut,
                                 FinanceTransferConfirmationOut, GoodsEntryPage, TopUpPage)
from app.http import Blueprint, agent_required
from app.ratelimit import proof_upload_limited
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
    source = fields.String(load_default="commission", validate=validate.OneOf(list(finance.WITHDRAWAL_SOURCES)),
                           metadata={"description": "commission (佣金, the default) or goods (货款余额)"})


class MpTopUpForm(Schema):
    amount = Yuan(required=True)
    reference = fields.String(load_default="", validate=validate.Length(max=64))
    request_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))


class MpWechatTopUpBody(Schema):
    amount = Yuan(required=True)
    request_id = fields.String(load_default=None, validate=validate.Length(min=1, max=64))


class MpWechatTopUpOut(Schema):
    """The top-up and what to pass to wx.requestPayment as it is; the balance is credited when WeChat's
    notification arrives."""

    top_up = fields.Nested(FinanceTopUpOut)
    payment = fields.Dict(keys=fields.String(), values=fields.String())


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
    """Ask to withdraw from my available commission, or (source goods) from my goods-payment balance; a repeated
    request_id returns the first request."""
    return finance.request_withdrawal(agent_id=g.agent.id, amount_fen=body["amount"], request_id=body["request_id"],
                                      payee=body["payee"], source=body["source"])


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


@blp.route("/goods", methods=["GET"])
@agent_required
@blp.response(200, FinanceGoodsBalanceOut)
def my_goods_balance():
    """My goods-payment balance (货款): what I may pay orders and 转货 with, and what my withdrawal requests hold."""
    return finance.goods_balance(agent_id=g.agent.id)


@blp.route("/goods/entries", methods=["GET"])
@agent_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, GoodsEntryPage)
def my_goods_entries(query):
    """My goods balance's entries, newest first: top-ups, payments, 转货 received, refunds, withdrawals."""
    return page_body(finance.goods_ledger(agent_id=g.agent.id, **query), query)


@blp.route("/goods/top-ups", methods=["GET"])
@agent_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, TopUpPage)
def my_top_ups(query):
    """My top-ups, newest first, with their status."""
    return page_body(finance.list_top_ups(agent_id=g.agent.id, **query), query)


@blp.route("/goods/top-ups", methods=["POST"])
@agent_required
@proof_upload_limited
@blp.arguments(MpTopUpForm, location="form")
@blp.response(201, FinanceTopUpOut)
def submit_top_up(form):
    """Top up by bank transfer (multipart: amount, reference, request_id, image — the transfer's proof); finance
    confirms it and the balance is credited then."""
    upload = request.files.get("image")
    return finance.submit_transfer_top_up(agent_id=g.agent.id, amount_fen=form["amount"],
                                          proof_content=upload.read() if upload else b"",
                                          reference=form["reference"], request_id=form["request_id"])


@blp.route("/goods/top-ups/wechat", methods=["POST"])
@agent_required
@blp.arguments(MpWechatTopUpBody)
@blp.response(200, MpWechatTopUpOut)
def start_wechat_top_up(body):
    """Top up by WeChat Pay: the parameters for wx.requestPayment (a repeated request_id asks for the same payment)."""
    top_up, payment = finance.start_wechat_top_up(agent_id=g.agent.id, amount_fen=body["amount"],
                                                  openid=g.wechat_user.openid, client_ip=request.remote_addr,
                                                  request_id=body["request_id"])
    return {"top_up": top_up, "payment": payment}


@blp.route("/goods/top-ups/<id:top_up_id>/check", methods=["POST"])
@agent_required
@blp.response(200, FinanceTopUpOut)
def check_top_up(top_up_id):
    """After paying a WeChat top-up: ask WeChat Pay how it stands (when its notification is late) and credit it if
    it was paid; answers the top-up (status confirmed once credited)."""
    return finance.check_wechat_top_up(top_up_id=top_up_id, agent_id=g.agent.id)


@blp.route("/goods/top-ups/<id:top_up_id>/proof", methods=["GET"])
@agent_required
@blp.doc(responses={"200": {"description": "the proof image", "content": {"image/*": {}}}})
def my_top_up_proof(top_up_id):
    """The transfer proof I uploaded for one of my top-ups."""
    path, mimetype, name = finance.top_up_proof_file(top_up_id, agent_id=g.agent.id)
    return send_file(path, mimetype=mimetype, max_age=0, download_name=name)
