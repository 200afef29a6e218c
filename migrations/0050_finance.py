"""Finance: commission rule versions, order settlements and refunds, the commission ledger (lines,
journal entries, postings, balances), withdrawals and expenses."""
import datetime

from peewee import (AutoField, BigIntegerField, BooleanField, CharField, DateField, DateTimeField, ForeignKeyField,
                    IntegerField, Model, TextField)

TABLES = ("expense", "withdrawal", "agent_balance", "posting", "journal_entry", "commission_line",
          "settlement_refund", "order_settlement", "commission_rule_version")


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class AdminUser(Base):
        id = AutoField()

    class Agent(Base):
        id = AutoField()

    class CommissionRuleVersion(Base):
        id = AutoField()
        effective_from = DateField(index=True)
        rules = TextField()
        max_depth = IntegerField(default=3)
        allow_deeper = BooleanField(default=False)
        note = CharField(max_length=255, default="")
        created_by = ForeignKeyField(AdminUser, null=True, on_delete="RESTRICT")
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class OrderSettlement(Base):
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

        class Meta:
            indexes = (
                (("paid_on",), False),
                (("period", "paid_on", "subtotal_fen", "discount_fen", "shipping_fen", "cost_fen",
                  "commission_fen"), False),
                (("buyer_agent", "paid_at"), False),
                (("released_at", "release_after"), False),
            )

    class SettlementRefund(Base):
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

    class CommissionLine(Base):
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
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        available_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("agent", "created_at"), False), (("rule", "period"), False))

    class JournalEntry(Base):
        id = AutoField()
        key = CharField(max_length=96, unique=True)
        kind = CharField(max_length=24)
        order_id = BigIntegerField(null=True, index=True)
        memo = CharField(max_length=255, default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class Posting(Base):
        id = AutoField()
        entry = ForeignKeyField(JournalEntry, backref="postings", on_delete="RESTRICT")
        agent = ForeignKeyField(Agent, null=True, index=False, on_delete="RESTRICT")
        account = CharField(max_length=24)
        amount_fen = BigIntegerField()

        class Meta:
            indexes = ((("agent", "account"), False),)

    class AgentBalance(Base):
        agent = ForeignKeyField(Agent, primary_key=True, on_delete="RESTRICT")
        pending_fen = BigIntegerField(default=0)
        available_fen = BigIntegerField(default=0)
        held_fen = BigIntegerField(default=0)
        withdrawn_fen = BigIntegerField(default=0)

    class Withdrawal(Base):
        id = AutoField()
        agent = ForeignKeyField(Agent, on_delete="RESTRICT")
        amount_fen = BigIntegerField()
        status = CharField(max_length=16, default="pending")
        request_key = CharField(max_length=96, null=True, unique=True)
        reason = CharField(max_length=255, default="")
        reference = CharField(max_length=64, default="")
        decided_by = ForeignKeyField(AdminUser, null=True, on_delete="RESTRICT")
        decided_at = DateTimeField(null=True)
        paid_at = DateTimeField(null=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            indexes = ((("status", "created_at"), False), (("agent", "created_at"), False))

    class Expense(Base):
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
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            indexes = ((("period", "category"), False),)

    db.create_tables([CommissionRuleVersion, OrderSettlement, SettlementRefund, CommissionLine, JournalEntry, Posting,
                      AgentBalance, Withdrawal, Expense])


def down(migrator, db):
    for table in TABLES:
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
