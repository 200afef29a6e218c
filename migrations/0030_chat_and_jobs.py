"""Official-account bindings, bind tokens, handled messages; the scheduler lease and job runs."""
import datetime

from peewee import AutoField, CharField, DateTimeField, Model, TextField


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class WechatBinding(Base):
        id = AutoField()
        account = CharField(max_length=48, unique=True)
        openid = CharField(max_length=64, unique=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class BindToken(Base):
        id = AutoField()
        token_hash = CharField(max_length=64, unique=True)
        account = CharField(max_length=48)
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    class InboundMessage(Base):
        id = AutoField()
        key = CharField(max_length=191, unique=True)
        reply = TextField(null=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow, index=True)

    class SchedulerLease(Base):
        id = AutoField()
        name = CharField(max_length=32, unique=True)
        holder = CharField(max_length=128)
        expires_at = DateTimeField()

    class JobRun(Base):
        id = AutoField()
        job = CharField(max_length=48)
        holder = CharField(max_length=128)
        status = CharField(max_length=16, default="running")
        detail = CharField(max_length=255, default="")
        started_at = DateTimeField(default=datetime.datetime.utcnow)
        finished_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("job", "started_at"), False),)

    db.create_tables([WechatBinding, BindToken, InboundMessage, SchedulerLease, JobRun])


def down(migrator, db):
    for table in ("job_run", "scheduler_lease", "inbound_message", "bind_token", "wechat_binding"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
