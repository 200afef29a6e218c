"""Withdrawals paid out by WeChat Pay's 商家转账 (the transfer bill's number, state and package), and the daily
reconciliation of WeChat Pay's trade bill with our payments and refunds."""
import datetime

from peewee import AutoField, BigIntegerField, CharField, DateField, DateTimeField, IntegerField, Model, TextField

COLUMNS = (
    ("out_bill_no", CharField(max_length=32, null=True, unique=True)),
    ("transfer_bill_no", CharField(max_length=64, default="")),
    ("transfer_state", CharField(max_length=24, default="")),
    ("package_info", TextField(null=True)),
    ("transfer_attempts", IntegerField(default=0)),
    ("transfer_sent_at", DateTimeField(null=True)),
    ("transfer_error", CharField(max_length=255, default="")),
    ("failed_at", DateTimeField(null=True)),
)


def up(migrator, db):
    migrator.migrate(*[migrator.add_column("withdrawal", name, field) for name, field in COLUMNS])

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class PayReconciliation(Base):
        bill_date = DateField(primary_key=True)
        bill_rows = IntegerField(default=0)
        payments = IntegerField(default=0)
        refunds = IntegerField(default=0)
        discrepancies = IntegerField(default=0)
        ran_at = DateTimeField(default=datetime.datetime.utcnow)

    class PayDiscrepancy(Base):
        id = AutoField()
        bill_date = DateField()
        what = CharField(max_length=8)
        number = CharField(max_length=64)
        kind = CharField(max_length=16)
        bill_fen = BigIntegerField(null=True)
        our_fen = BigIntegerField(null=True)
        found_at = DateTimeField(default=datetime.datetime.utcnow)
        resolved_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("bill_date", "what", "number"), True),)

    db.create_tables([PayReconciliation, PayDiscrepancy])


def down(migrator, db):
    db.execute_sql("DROP TABLE pay_discrepancy")
    db.execute_sql("DROP TABLE pay_reconciliation")
    migrator.migrate(*[migrator.drop_column("withdrawal", name) for name, _ in COLUMNS])
