"""The agent network: review rules and terms on levels, the closure-table tree, applications,
history, level proposals, the purchase and retail ledgers, and cached invite images."""
import datetime

from peewee import (AutoField, BigIntegerField, BlobField, BooleanField, CharField, CompositeKey, DateTimeField,
                    ForeignKeyField, IntegerField, Model)

LEVEL_COLUMNS = {
    "term_days": IntegerField(default=365),
    "review_window_days": IntegerField(default=90),
    "promote_purchase_fen": BigIntegerField(null=True),
    "promote_recruits": IntegerField(null=True),
    "demote_below_purchase_fen": BigIntegerField(null=True),
    "level_changes_need_approval": BooleanField(default=False),
}
AGENT_COLUMNS = {
    "bind_code": CharField(max_length=16, null=True, unique=True),
    "level_since": DateTimeField(default=datetime.datetime.utcnow),
}
NEW_TABLES = ("agent_invite_image", "agent_retail_sale", "agent_purchase", "level_proposal", "agent_change",
              "agent_application", "agent_closure", "agent_tree_lock")


class MediumBlobField(BlobField):
    field_type = "MEDIUMBLOB"


def up(migrator, db):
    migrator.migrate(*[migrator.add_column("agent_level", name, field) for name, field in LEVEL_COLUMNS.items()],
                     *[migrator.add_column("agent", name, field) for name, field in AGENT_COLUMNS.items()])

    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class AdminUser(Base):
        id = AutoField()

    class WechatUser(Base):
        id = AutoField()

    class AgentLevel(Base):
        id = AutoField()

    class Agent(Base):
        id = AutoField()

    class AgentTreeLock(Base):
        id = IntegerField(primary_key=True)

    class AgentClosure(Base):
        ancestor = ForeignKeyField(Agent, on_delete="RESTRICT")
        descendant = ForeignKeyField(Agent, on_delete="RESTRICT")
        depth = IntegerField()

        class Meta:
            primary_key = CompositeKey("ancestor", "descendant")
            indexes = ((("descendant", "depth"), False),)

    class AgentApplication(Base):
        id = AutoField()
        wechat_user = ForeignKeyField(WechatUser, index=True, on_delete="RESTRICT")
        inviter = ForeignKeyField(Agent, index=True, on_delete="RESTRICT")
        level = ForeignKeyField(AgentLevel, on_delete="RESTRICT")
        name = CharField(max_length=64)
        phone = CharField(max_length=20)
        province = CharField(max_length=32, default="")
        city = CharField(max_length=32, default="")
        status = CharField(max_length=16, default="pending", index=True)
        pending_key = IntegerField(null=True, unique=True)
        decision_reason = CharField(max_length=255, default="")
        decided_by = ForeignKeyField(AdminUser, null=True, on_delete="RESTRICT")
        decided_at = DateTimeField(null=True)
        agent = ForeignKeyField(Agent, null=True, on_delete="RESTRICT")
        created_at = DateTimeField(default=datetime.datetime.utcnow, index=True)

    class AgentChange(Base):
        id = AutoField()
        agent = ForeignKeyField(Agent, on_delete="RESTRICT")
        kind = CharField(max_length=16)
        old_value = CharField(max_length=64, default="")
        new_value = CharField(max_length=64, default="")
        reason = CharField(max_length=255)
        source = CharField(max_length=16)
        actor = ForeignKeyField(AdminUser, null=True, on_delete="RESTRICT")
        created_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            indexes = ((("agent", "kind", "created_at"), False),)

    class LevelProposal(Base):
        id = AutoField()
        agent = ForeignKeyField(Agent, index=True, on_delete="RESTRICT")
        from_level = ForeignKeyField(AgentLevel, on_delete="RESTRICT")
        to_level = ForeignKeyField(AgentLevel, on_delete="RESTRICT")
        direction = CharField(max_length=8)
        reason = CharField(max_length=255)
        status = CharField(max_length=16, default="pending", index=True)
        pending_key = IntegerField(null=True, unique=True)
        decision_reason = CharField(max_length=255, default="")
        decided_by = ForeignKeyField(AdminUser, null=True, on_delete="RESTRICT")
        decided_at = DateTimeField(null=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class AgentPurchase(Base):
        id = AutoField()
        order_id = BigIntegerField(unique=True)
        agent = ForeignKeyField(Agent, on_delete="RESTRICT")
        amount_fen = BigIntegerField()
        reversed_fen = BigIntegerField(default=0)
        at = DateTimeField()
        reversed_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("agent", "at"), False), (("at",), False))

    class AgentRetailSale(Base):
        id = AutoField()
        sale_id = BigIntegerField(unique=True)
        agent = ForeignKeyField(Agent, on_delete="RESTRICT")
        amount_fen = BigIntegerField()
        at = DateTimeField()

        class Meta:
            indexes = ((("agent", "at"), False), (("at",), False))

    class AgentInviteImage(Base):
        agent = ForeignKeyField(Agent, primary_key=True, on_delete="RESTRICT")
        invite_code = CharField(max_length=16)
        png = MediumBlobField()
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    db.create_tables([AgentTreeLock, AgentClosure, AgentApplication, AgentChange, LevelProposal, AgentPurchase,
                      AgentRetailSale, AgentInviteImage])
    # Agents that exist before the tree: each is its own depth-0 row, then every
    # ancestor row, built level by level from the upline links.
    db.execute_sql("INSERT INTO agent_closure (ancestor_id, descendant_id, depth) SELECT id, id, 0 FROM agent")
    depth = 0
    while db.execute_sql(
            "INSERT INTO agent_closure (ancestor_id, descendant_id, depth) "
            "SELECT c.ancestor_id, a.id, c.depth + 1 FROM agent a "
            "JOIN agent_closure c ON c.descendant_id = a.upline_id AND c.depth = %s" % depth).rowcount:
        depth += 1


def down(migrator, db):
    for table in NEW_TABLES:
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
    migrator.migrate(*[migrator.drop_column("agent", name) for name in AGENT_COLUMNS],
                     *[migrator.drop_column("agent_level", name) for name in LEVEL_COLUMNS])
