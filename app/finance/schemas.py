"""Request and response shapes the console and the mini-program share for money, and the facts the orders domain
hands over when money moves (`PaidOrder`, `OrderRefund` and their lines, frozen dataclasses of `inputs`)."""
import json

from app.finance.inputs import OrderRefund, PaidOrder, RefundedLine, SoldLine  # noqa: F401
from app.finance.models import LINE_STATUSES, TOPUP_METHODS, TOPUP_STATUSES, WITHDRAWAL_SOURCES, WITHDRAWAL_STATUSES
from app.schemas import Schema, UtcDateTime, ValidationError, Yuan, fields, page_schema, validate

RATE = validate.Range(min=0, max=10000)
NON_NEGATIVE = validate.Range(min=0)


class Month(fields.String):
    """A month as "YYYY-MM" in JSON, the int YYYYMM inside."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        year, dash, month = text.partition("-")
        if not (dash and year.isdigit() and month.isdigit() and len(year) == 4 and 1 <= int(month) <= 12):
            raise ValidationError("月份格式应为 YYYY-MM")
        return int(year) * 100 + int(month)


class FinanceEnabledRule(Schema):
    enabled = fields.Boolean(load_default=False)


class FinanceSameLevelRule(FinanceEnabledRule):
    rates_bp = fields.List(fields.Integer(strict=True, validate=RATE), load_default=list,
                           validate=validate.Length(max=2))


class FinanceReferralRule(FinanceEnabledRule):
    kind = fields.String(load_default="fixed", validate=validate.OneOf(["fixed", "percent"]))
    amount_fen = Yuan(data_key="amount", load_default=0, validate=NON_NEGATIVE)
    rate_bp = fields.Integer(strict=True, load_default=0, validate=RATE)
    scope = fields.String(load_default="first_order", validate=validate.OneOf(["first_order", "months"]))
    months = fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0, max=120))


class FinanceTeamTier(Schema):
    from_fen = Yuan(data_key="from", required=True, validate=NON_NEGATIVE)
    rate_bp = fields.Integer(strict=True, required=True, validate=RATE)


class FinanceTeamRule(FinanceEnabledRule):
    tiers = fields.List(fields.Nested(FinanceTeamTier), load_default=list, validate=validate.Length(max=20))


class FinanceRules(Schema):
    """A rule set: rates in basis points (300 = 3%), amounts in yuan."""

    level_difference = fields.Nested(FinanceEnabledRule, load_default=dict)
    same_level = fields.Nested(FinanceSameLevelRule, load_default=dict)
    referral = fields.Nested(FinanceReferralRule, load_default=dict)
    team = fields.Nested(FinanceTeamRule, load_default=dict)
    cloud_transfers = fields.Nested(FinanceEnabledRule, load_default=dict)   # also pay on 转货 inside the network


class FinanceRuleVersionOut(Schema):
    id = fields.Integer()
    effective_from = fields.Date()
    max_depth = fields.Integer()
    allow_deeper = fields.Boolean()
    note = fields.String()
    rules = fields.Method("stored_rules")
    created_at = UtcDateTime()
    warnings = fields.List(fields.String())

    def stored_rules(self, version):
        return FinanceRules().dump(json.loads(version.rules))


class FinanceBalanceOut(Schema):
    agent_id = fields.Integer()
    pending = Yuan()
    available = Yuan()
    held = Yuan()
    withdrawn = Yuan()
    owed = Yuan()


class FinanceCommissionLineOut(Schema):
    id = fields.Integer()
    order_id = fields.Integer(allow_none=True)
    agent_id = fields.Integer()
    rule = fields.String()
    rule_version_id = fields.Integer(allow_none=True)
    depth = fields.Integer()
    amount = Yuan(attribute="amount_fen")
    reversed = Yuan(attribute="reversed_fen")
    status = fields.String(validate=validate.OneOf(LINE_STATUSES))
    explanation = fields.String()
    details = fields.Function(lambda line: json.loads(line.details))
    created_at = UtcDateTime()
    available_at = UtcDateTime(allow_none=True)


class FinanceCommissionQuery(Schema):
    status = fields.String(validate=validate.OneOf(LINE_STATUSES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class FinancePayeeOut(Schema):
    kind = fields.String()
    kind_name = fields.String()
    name = fields.String()
    account_masked = fields.String()
    bank = fields.String()


class FinanceWithdrawalOut(Schema):
    id = fields.Integer()
    agent_id = fields.Integer()
    amount = Yuan(attribute="amount_fen")
    status = fields.String(validate=validate.OneOf(WITHDRAWAL_STATUSES))
    source = fields.String(validate=validate.OneOf(WITHDRAWAL_SOURCES), metadata={
        "description": "commission (佣金) or goods (货款余额)"})
    reason = fields.String()
    reference = fields.String()
    payee = fields.Nested(FinancePayeeOut)
    created_at = UtcDateTime()
    decided_at = UtcDateTime(allow_none=True)
    paid_at = UtcDateTime(allow_none=True)
    out_bill_no = fields.String(allow_none=True)
    transfer_state = fields.String()
    transfer_state_name = fields.String()
    awaiting_confirmation = fields.Boolean()
    transfer_error = fields.String()
    failed_at = UtcDateTime(allow_none=True)


class FinanceGoodsBalanceOut(Schema):
    """An agent's goods-payment balance (货款): what it may spend, and what open withdrawal requests hold."""

    agent_id = fields.Integer()
    balance = Yuan(attribute="balance_fen")
    held = Yuan(attribute="held_fen")


class FinanceGoodsEntryOut(Schema):
    """One change of a goods balance: signed amount (negative when spent), what it was for and its reference."""

    id = fields.Integer()
    amount = Yuan(attribute="amount_fen")
    held = Yuan(attribute="held_fen")
    reason = fields.String()
    reason_name = fields.String()
    reference = fields.String()
    memo = fields.String()
    created_at = UtcDateTime()


class FinanceTopUpOut(Schema):
    """A top-up of the goods balance: offline transfer (with its proof) or WeChat Pay."""

    id = fields.Integer()
    agent_id = fields.Integer()
    amount = Yuan(attribute="amount_fen")
    method = fields.String(validate=validate.OneOf(TOPUP_METHODS))
    status = fields.String(validate=validate.OneOf(TOPUP_STATUSES))
    has_proof = fields.Function(lambda top_up: bool(top_up.proof))
    payment_ref = fields.String()
    reason = fields.String()
    created_at = UtcDateTime()
    decided_at = UtcDateTime(allow_none=True)


class FinanceAgentWithdrawalOut(FinanceWithdrawalOut):
    """A withdrawal as its agent sees it: without WeChat Pay's error text (a merchant's matter, for finance)."""

    class Meta:
        exclude = ("transfer_error",)


class FinanceTransferConfirmationOut(Schema):
    """What `wx.requestMerchantTransfer` takes (mchId, appId, package), and the withdrawal it confirms."""

    withdrawal_id = fields.Integer()
    amount = Yuan(attribute="amount_fen")
    mch_id = fields.String()
    app_id = fields.String()
    package = fields.String()


class FinanceReconciliationOut(Schema):
    bill_date = fields.Date()
    bill_rows = fields.Integer()
    payments = fields.Integer()
    refunds = fields.Integer()
    discrepancies = fields.Integer()
    ran_at = UtcDateTime()


class FinanceDiscrepancyOut(Schema):
    id = fields.Integer()
    bill_date = fields.Date()
    what = fields.String()
    number = fields.String()
    kind = fields.String()
    description = fields.String()
    bill_amount = Yuan(attribute="bill_fen", allow_none=True)
    our_amount = Yuan(attribute="our_fen", allow_none=True)
    found_at = UtcDateTime()
    resolved_at = UtcDateTime(allow_none=True)


CommissionLinePage = page_schema(FinanceCommissionLineOut)
GoodsEntryPage = page_schema(FinanceGoodsEntryOut)
TopUpPage = page_schema(FinanceTopUpOut)
WithdrawalPage = page_schema(FinanceWithdrawalOut)
AgentWithdrawalPage = page_schema(FinanceAgentWithdrawalOut)
ReconciliationPage = page_schema(FinanceReconciliationOut)
DiscrepancyPage = page_schema(FinanceDiscrepancyOut)
