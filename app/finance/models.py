"""Money: commission rules, order settlements, the commission ledger, withdrawals and expenses.

The ledger is double-entry: a JournalEntry's Postings sum to zero. Agent accounts
are `pending`, `available`, `held` (asked to withdraw) and `withdrawn`; the brand's
side is `commission_expense`. AgentBalance caches each agent's account sums and is
written in the same transaction as the postings (`flask finance check` compares).
"""
from peewee import (AutoField, BigIntegerField, BooleanField, Check, CharField, DateField, DateTimeField,
                    ForeignKeyField, IntegerField, TextField)

from app.accounts.models import AdminUser
from app.agents.models import Agent
from app.clock import utcnow
from app.database import BaseModel
from app.finance.payees import Payee
from app.money import format_yuan

# Foreign keys declared index=False are the first column of a composite index, which serves them.
AGENT_ACCOUNTS = ("pending", "available", "held", "withdrawn")
BRAND_ACCOUNT = "commission_expense"
RULE_KINDS = ("level_difference", "same_level", "referral", "team")
RULE_NAMES = {"level_difference": "级差", "same_level": "平级奖", "referral": "推荐奖", "team": "团队奖"}
LINE_STATUSES = ("pending", "available", "reversed")
LINE_STATUS_NAMES = {"pending": "待结算", "available": "可提现", "reversed": "已冲回"}
SETTLEMENT_STATUSES = ("paid", "completed", "cancelled")
# WeChat-change payouts (商家转账): approved → transferring → paid, or failed (the money returned once).
WITHDRAWAL_STATUSES = ("pending", "approved", "transferring", "rejected", "paid", "failed")
OPEN_WITHDRAWAL_STATUSES = ("pending", "approved", "transferring")
TRANSFER_STATE_NAMES = {"ACCEPTED": "转账已受理", "PROCESSING": "转账处理中", "WAIT_USER_CONFIRM": "待确认收款",
                        "TRANSFERING": "转账中", "CANCELING": "撤销中", "SUCCESS": "已到账", "FAIL": "转账失败",
                        "CANCELLED": "已撤销"}
WITHDRAWAL_SOURCES = ("commission", "goods")
TOPUP_METHODS = ("transfer", "wechat")
TOPUP_STATUSES = ("pending", "confirmed", "rejected", "closed")
EXPENSE_CATEGORIES = ("shipping", "marketing", "salaries", "rent", "other")


class CommissionRuleVersion(BaseModel):
    """One version of the commission rules (JSON), in force from `effective_from` (local date); never changed."""

    id = AutoField()
    effective_from = DateField(index=True)
    rules = TextField()
    max_depth = IntegerField(default=3)
    allow_deeper = BooleanField(default=False)
    note = CharField(max_length=255, default="")
    created_by = ForeignKeyField(AdminUser, null=True, on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)


class OrderSettlement(BaseModel):
    """The money of one paid order: what was charged, what the goods cost, what commission it paid.

    Refund columns are cumulative. `period` is the local month (YYYYMM) of `paid_on`,
    so reports group in SQL the same way on every database.
    """

    order_id = BigIntegerField(primary_key=True)
    order_no = CharField(max_length=64)
    buyer_agent = ForeignKeyField(Agent, null=True, index=False, on_delete="RESTRICT")
    paid_at = DateTimeField()
    paid_on = DateField()
    period = IntegerField()
    rule_version = ForeignKeyField(CommissionRuleVersion, null=True, on_delete="RESTRICT")
    subtotal_fen = BigIntegerField()
    discount_fen = BigIntegerField()
    shipping_fen = BigIntegerField()
    total_fen = BigIntegerField()
    cost_fen = BigIntegerField()
    commission_fen = BigIntegerField()
    refunded_goods_fen = BigIntegerField(default=0)
    refunded_shipping_fen = BigIntegerField(default=0)
    returned_cost_fen = BigIntegerField(default=0)
    commission_reversed_fen = BigIntegerField(default=0)
    status = CharField(max_length=16, default="paid")
    completed_at = DateTimeField(null=True)
    release_after = DateTimeField(null=True)
    released_at = DateTimeField(null=True)
    lines = TextField()

    @property
    def gross_margin_fen(self):
        """What the order leaves the brand: charged, less refunds, cost of goods kept and commission kept."""
        return (self.total_fen - self.refunded_goods_fen - self.refunded_shipping_fen
                - (self.cost_fen - self.returned_cost_fen) - (self.commission_fen - self.commission_reversed_fen))

    class Meta:
        indexes = (
            (("paid_on",), False),
            # covering the reports: a year of months is read from this index alone
            (("period", "paid_on", "subtotal_fen", "discount_fen", "shipping_fen", "cost_fen", "commission_fen"),
             False),
            (("buyer_agent", "paid_at"), False),
            (("released_at", "release_after"), False),
        )


class SettlementRefund(BaseModel):
    """One refund (or the cancellation) of a settled order: what went back, and the commission it reversed."""

    id = AutoField()
    refund_id = CharField(max_length=64, unique=True)
    order = ForeignKeyField(OrderSettlement, backref="refunds", on_delete="RESTRICT")
    kind = CharField(max_length=16, default="refund")
    refunded_at = DateTimeField()
    refunded_on = DateField(index=True)
    period = IntegerField(index=True)
    goods_fen = BigIntegerField()
    shipping_fen = BigIntegerField()
    cost_fen = BigIntegerField()
    commission_reversed_fen = BigIntegerField()


class BuyerFirstOrder(BaseModel):
    """The order that counts as a buyer's first (for a first-order referral bonus), claimed once, keyed by the buyer.

    Two of a new agent's orders settling at the same moment both claim; the key makes
    one wait for the other and then find the claim, so the bonus is paid once.
    """

    buyer_agent = ForeignKeyField(Agent, primary_key=True, on_delete="RESTRICT")
    order_id = BigIntegerField()


class CommissionLine(BaseModel):
    """What one agent earned under one rule from one order (or one month's team); `key` is
    "order:<id>:agent:<id>:<rule>" or "team:<YYYYMM>:agent:<id>", so nothing is paid twice."""

    id = AutoField()
    key = CharField(max_length=96, unique=True)
    order_id = BigIntegerField(null=True, index=True)
    period = IntegerField()
    agent = ForeignKeyField(Agent, index=False, on_delete="RESTRICT")
    rule = CharField(max_length=24)
    rule_version = ForeignKeyField(CommissionRuleVersion, null=True, on_delete="RESTRICT")
    depth = IntegerField()
    amount_fen = BigIntegerField()
    reversed_fen = BigIntegerField(default=0)
    status = CharField(max_length=16, default="pending")
    explanation = TextField()
    details = TextField(default="{}")
    created_at = DateTimeField(default=utcnow)
    available_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("agent", "created_at"), False), (("rule", "period"), False))


class JournalEntry(BaseModel):
    """A balanced set of postings, written once and never edited; `key` makes each event post once."""

    id = AutoField()
    key = CharField(max_length=96, unique=True)
    kind = CharField(max_length=24)
    order_id = BigIntegerField(null=True, index=True)
    memo = CharField(max_length=255, default="")
    created_at = DateTimeField(default=utcnow)


class Posting(BaseModel):
    """One side of a journal entry: an amount (signed fen) on an agent's account or the brand's."""

    id = AutoField()
    entry = ForeignKeyField(JournalEntry, backref="postings", on_delete="RESTRICT")
    agent = ForeignKeyField(Agent, null=True, index=False, on_delete="RESTRICT")
    account = CharField(max_length=24)
    amount_fen = BigIntegerField()

    class Meta:
        indexes = ((("agent", "account"), False),)


class AgentBalance(BaseModel):
    """The sums of an agent's accounts; `available_fen` goes negative when a clawback exceeds it (owed)."""

    agent = ForeignKeyField(Agent, primary_key=True, on_delete="RESTRICT")
    pending_fen = BigIntegerField(default=0)
    available_fen = BigIntegerField(default=0)
    held_fen = BigIntegerField(default=0)
    withdrawn_fen = BigIntegerField(default=0)


class Withdrawal(BaseModel):
    """An agent's request to be paid out; the amount is held from `available` while it is open."""

    id = AutoField()
    agent = ForeignKeyField(Agent, on_delete="RESTRICT")
    amount_fen = BigIntegerField()
    status = CharField(max_length=16, default="pending")
    request_key = CharField(max_length=96, null=True, unique=True)
    reason = CharField(max_length=255, default="")
    reference = CharField(max_length=64, default="")
    payee_kind = CharField(max_length=16, default="")
    payee_name = CharField(max_length=32, default="")
    payee_account = CharField(max_length=64, default="")
    payee_bank = CharField(max_length=32, default="")
    source = CharField(max_length=16, default="commission")
    decided_by = ForeignKeyField(AdminUser, null=True, on_delete="RESTRICT")
    decided_at = DateTimeField(null=True)
    paid_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    # The WeChat transfer bill, for WeChat-change payees when WeChat Pay pays out: `out_bill_no` is set once, at
    # approval, and never changes, so a retried call can only ever reach the same transfer.
    out_bill_no = CharField(max_length=32, null=True, unique=True)
    transfer_bill_no = CharField(max_length=64, default="")
    transfer_state = CharField(max_length=24, default="")
    package_info = TextField(null=True)
    transfer_attempts = IntegerField(default=0)
    transfer_sent_at = DateTimeField(null=True)
    transfer_error = CharField(max_length=255, default="")
    failed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "created_at"), False), (("agent", "created_at"), False))

    @property
    def payee(self):
        """Where the money goes (a Payee; WeChat change for requests made before payees were recorded)."""
        return Payee(self.payee_kind or "wechat", self.payee_name, self.payee_account, self.payee_bank)

    @property
    def transfer_state_name(self):
        """WeChat Pay's state of the transfer in Chinese ("" when WeChat Pay does not pay this withdrawal)."""
        return TRANSFER_STATE_NAMES.get(self.transfer_state, self.transfer_state)

    @property
    def awaiting_confirmation(self):
        """The agent has to confirm receipt in the mini-program (wx.requestMerchantTransfer)."""
        return self.status == "transferring" and self.transfer_state == "WAIT_USER_CONFIRM" and bool(self.package_info)


class Expense(BaseModel):
    """Money the brand spent, by category; an optional attachment (receipt) lives under instance/uploads."""

    id = AutoField()
    category = CharField(max_length=16)
    spent_on = DateField(index=True)
    period = IntegerField()
    amount_fen = BigIntegerField()
    note = CharField(max_length=255, default="")
    attachment_path = CharField(max_length=128, null=True)
    attachment_name = CharField(max_length=128, default="")
    attachment_type = CharField(max_length=48, default="")
    created_by = ForeignKeyField(AdminUser, null=True, on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("period", "category"), False),)


class GoodsBalance(BaseModel):
    """An agent's goods-payment balance (货款): what it may spend (`balance_fen`) and what a withdrawal request holds
    (`held_fen`); each equals the sum of the agent's GoodsEntry rows (`flask finance check` compares)."""

    agent = ForeignKeyField(Agent, primary_key=True, on_delete="RESTRICT")
    balance_fen = BigIntegerField(default=0)
    held_fen = BigIntegerField(default=0)

    class Meta:
        constraints = [Check("balance_fen >= 0"), Check("held_fen >= 0")]


class GoodsEntry(BaseModel):
    """One change of an agent's goods balance, written once and never edited.

    `key` is "<in|out|hold|…>:<reason>:<reference>", so the same top-up, order payment
    or 转货 moves the balance once however often it is asked for.
    """

    id = AutoField()
    key = CharField(max_length=96, unique=True)
    agent = ForeignKeyField(Agent, index=False, on_delete="RESTRICT")
    reason = CharField(max_length=24)
    reference = CharField(max_length=64)
    amount_fen = BigIntegerField()
    held_fen = BigIntegerField(default=0)
    memo = CharField(max_length=255, default="")
    actor = CharField(max_length=64, default="")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        # The second covers `check`'s sum of every agent's entries (no table rows read).
        indexes = ((("agent", "created_at"), False), (("agent", "amount_fen", "held_fen"), False))


class GoodsTopUp(BaseModel):
    """An agent's top-up of its goods balance: an offline transfer with its proof (finance confirms or rejects) or a
    WeChat Pay payment (its notification confirms)."""

    id = AutoField()
    agent = ForeignKeyField(Agent, index=False, on_delete="RESTRICT")
    amount_fen = BigIntegerField()
    method = CharField(max_length=16)
    status = CharField(max_length=16, default="pending")
    request_key = CharField(max_length=96, null=True, unique=True)
    proof = CharField(max_length=128, default="")
    payment_ref = CharField(max_length=64, default="")
    reason = CharField(max_length=255, default="")
    decided_by = ForeignKeyField(AdminUser, null=True, on_delete="RESTRICT")
    decided_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("agent", "created_at"), False), (("status", "created_at"), False))


DISCREPANCY_KINDS = {"missing_ours": "账单有、系统无", "missing_bill": "系统有、账单无", "amount": "金额不符"}
DISCREPANCY_WHATS = {"payment": "支付", "refund": "退款"}


def describe(discrepancy):
    """A discrepancy in a sentence ("支付 261202000001：金额不符（账单 ¥100.00，系统 ¥90.00）")."""
    amounts = "，".join(f"{side} ¥{format_yuan(fen)}" for side, fen in
                       (("账单", discrepancy.bill_fen), ("系统", discrepancy.our_fen)) if fen is not None)
    return (f"{DISCREPANCY_WHATS.get(discrepancy.what, discrepancy.what)} {discrepancy.number}："
            f"{DISCREPANCY_KINDS.get(discrepancy.kind, discrepancy.kind)}（{amounts}）")


class PayReconciliation(BaseModel):
    """One day's trade bill compared with our WeChat payments and refunds (the latest run of that day)."""

    bill_date = DateField(primary_key=True)
    bill_rows = IntegerField(default=0)
    payments = IntegerField(default=0)
    refunds = IntegerField(default=0)
    discrepancies = IntegerField(default=0)
    ran_at = DateTimeField(default=utcnow)


class PayDiscrepancy(BaseModel):
    """Something a day's bill and our books disagree on, found once (and told to the owners once)."""

    id = AutoField()
    bill_date = DateField()
    what = CharField(max_length=8)  # payment | refund
    number = CharField(max_length=64)  # out_trade_no | out_refund_no
    kind = CharField(max_length=16)
    bill_fen = BigIntegerField(null=True)
    our_fen = BigIntegerField(null=True)
    found_at = DateTimeField(default=utcnow)
    resolved_at = DateTimeField(null=True)  # a later run of the same day no longer found it

    class Meta:
        indexes = ((("bill_date", "what", "number"), True),)

    @property
    def description(self):
        return describe(self)
