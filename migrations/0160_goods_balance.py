"""The goods-payment balance (货款): each agent's balance, its ledger of entries, top-ups; a withdrawal's source."""
from peewee import AutoField, BigIntegerField, Check, CharField, DateTimeField, ForeignKeyField, Model


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class AdminUser(Base):
        id = AutoField()

    class Agent(Base):
        id = AutoField()

    class GoodsBalance(Base):
        agent = ForeignKeyField(Agent, primary_key=True, on_delete="RESTRICT")
        balance_fen = BigIntegerField(default=0)
        held_fen = BigIntegerField(default=0)

        class Meta:
            constraints = [Check("balance_fen >= 0"), Check("held_fen >= 0")]

    class GoodsEntry(Base):
        id = AutoField()
        key = CharField(max_length=96, unique=True)
        agent = ForeignKeyField(Agent, index=False, on_delete="RESTRICT")
        reason = CharField(max_length=24)
        reference = CharField(max_length=64)
        amount_fen = BigIntegerField()
        held_fen = BigIntegerField(default=0)
        memo = CharField(max_length=255, default="")
        actor = CharField(max_length=64, default="")
        created_at = DateTimeField()

        class Meta:
            indexes = ((("agent", "created_at"), False),)

    class GoodsTopUp(Base):
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
        created_at = DateTimeField()

        class Meta:
            indexes = ((("agent", "created_at"), False), (("status", "created_at"), False))

    db.create_tables([GoodsBalance, GoodsEntry, GoodsTopUp])
    migrator.migrate(migrator.add_column("withdrawal", "source", CharField(max_length=16, default="commission")))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("withdrawal", "source"))
    db.execute_sql("DROP TABLE goods_top_up")
    db.execute_sql("DROP TABLE goods_entry")
    db.execute_sql("DROP TABLE goods_balance")
