"""Authenticity codes and price control: batches, codes, scans, misses, flags, consumer reports, retail sales,
violations."""
import datetime

from peewee import (AutoField, BigAutoField, BigIntegerField, BooleanField, CharField, DateTimeField,
                    ForeignKeyField, IntegerField, Model, TextField)

TABLES = ("violation", "retail_sale_line", "retail_sale", "consumer_report", "code_flag", "code_miss", "code_scan",
          "code", "code_batch")


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Product(Base):
        id = AutoField()

    class Agent(Base):
        id = AutoField()

    class CodeBatch(Base):
        id = AutoField()
        product = ForeignKeyField(Product, on_delete="RESTRICT", index=True)
        lot = CharField(max_length=32)
        quantity = IntegerField()
        box_size = IntegerField(default=0)
        with_pin = BooleanField(default=False)
        note = CharField(max_length=255, default="")
        created_by = CharField(max_length=48, default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class Code(Base):
        id = BigAutoField()
        code = CharField(max_length=17, unique=True)
        batch = ForeignKeyField(CodeBatch, on_delete="RESTRICT")
        serial = IntegerField()
        is_box = BooleanField(default=False)
        box = ForeignKeyField("self", null=True, on_delete="RESTRICT", index=True)
        pin_hash = CharField(max_length=32, null=True)
        pin_failures = IntegerField(default=0)
        order_id = BigIntegerField(null=True, index=True)
        agent = ForeignKeyField(Agent, null=True, on_delete="RESTRICT", index=True)
        province = CharField(max_length=32, default="")
        bound_at = DateTimeField(null=True)
        bound_by = CharField(max_length=48, default="")
        scan_count = IntegerField(default=0)

        class Meta:
            indexes = ((("batch", "is_box", "serial"), True),)

    class CodeScan(Base):
        id = BigAutoField()
        code = ForeignKeyField(Code, on_delete="RESTRICT")
        at = DateTimeField(default=datetime.datetime.utcnow, index=True)
        ip = CharField(max_length=45)
        user_agent = CharField(max_length=255, default="")
        openid = CharField(max_length=64, default="")
        province = CharField(max_length=32, default="")
        city = CharField(max_length=32, default="")
        channel = CharField(max_length=8, default="page")

        class Meta:
            indexes = ((("code", "at"), False), (("province", "at"), False))

    class CodeMiss(Base):
        id = BigAutoField()
        text = CharField(max_length=40)
        verdict = CharField(max_length=16)
        ip = CharField(max_length=45)
        openid = CharField(max_length=64, default="")
        at = DateTimeField(default=datetime.datetime.utcnow, index=True)

        class Meta:
            indexes = ((("ip", "at"), False), (("openid", "at"), False))

    class CodeFlag(Base):
        id = AutoField()
        code = ForeignKeyField(Code, on_delete="RESTRICT")
        reason = CharField(max_length=16)
        evidence = TextField(default="{}")
        status = CharField(max_length=16, default="open", index=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        reviewed_by = CharField(max_length=48, default="")
        reviewed_at = DateTimeField(null=True)
        note = CharField(max_length=255, default="")

        class Meta:
            indexes = ((("code", "reason"), True),)

    class ConsumerReport(Base):
        id = AutoField()
        code = ForeignKeyField(Code, on_delete="RESTRICT", index=True)
        scan = ForeignKeyField(CodeScan, on_delete="RESTRICT", unique=True)
        price_fen = IntegerField(null=True)
        place = CharField(max_length=64, default="")
        at = DateTimeField(default=datetime.datetime.utcnow)

    class RetailSale(Base):
        id = AutoField()
        agent = ForeignKeyField(Agent, on_delete="RESTRICT")
        client_ref = CharField(max_length=64)
        customer_name = CharField(max_length=64)
        customer_phone = CharField(max_length=20, default="")
        total_fen = BigIntegerField()
        at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            indexes = ((("agent", "client_ref"), True), (("agent", "at"), False))

    class RetailSaleLine(Base):
        id = AutoField()
        sale = ForeignKeyField(RetailSale, on_delete="CASCADE", index=True)
        product = ForeignKeyField(Product, on_delete="RESTRICT")
        quantity = IntegerField()
        unit_fen = IntegerField()

    class Violation(Base):
        id = AutoField()
        agent = ForeignKeyField(Agent, on_delete="RESTRICT")
        kind = CharField(max_length=16, index=True)
        source = CharField(max_length=16)
        code = ForeignKeyField(Code, null=True, on_delete="RESTRICT", index=True)
        product = ForeignKeyField(Product, null=True, on_delete="RESTRICT")
        price_fen = IntegerField(null=True)
        min_fen = IntegerField(null=True)
        max_fen = IntegerField(null=True)
        province = CharField(max_length=32, default="")
        evidence = TextField(default="{}")
        dedupe_key = CharField(max_length=191, unique=True)
        status = CharField(max_length=16, default="open", index=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        acted_by = CharField(max_length=48, default="")
        acted_at = DateTimeField(null=True)
        action_note = CharField(max_length=255, default="")

        class Meta:
            indexes = ((("agent", "created_at"), False),)

    db.create_tables([CodeBatch, Code, CodeScan, CodeMiss, CodeFlag, ConsumerReport, RetailSale, RetailSaleLine,
                      Violation])


def down(migrator, db):
    for table in TABLES:
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
