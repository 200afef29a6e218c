"""Agent levels and the notification outbox."""
import datetime

from peewee import AutoField, BooleanField, CharField, DateTimeField, IntegerField, Model, TextField


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class AgentLevel(Base):
        id = AutoField()
        name = CharField(max_length=32, unique=True)
        rank = IntegerField(unique=True)
        may_recruit = BooleanField(default=True)
        orders_need_upline_approval = BooleanField(default=False)
        may_see_team = BooleanField(default=True)
        min_first_purchase_fen = IntegerField(default=0)
        auto_approve_applications = BooleanField(default=False)
        active = BooleanField(default=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class Notification(Base):
        id = AutoField()
        dedupe_key = CharField(max_length=191, unique=True)
        kind = CharField(max_length=48, index=True)
        recipient = CharField(max_length=48, index=True)
        data = TextField()
        status = CharField(max_length=16, default="pending")
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField(default=datetime.datetime.utcnow)
        last_error = CharField(max_length=255, default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow, index=True)
        sent_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("status", "next_attempt_at"), False),)

    db.create_tables([AgentLevel, Notification])


def down(migrator, db):
    for table in ("notification", "agent_level"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
