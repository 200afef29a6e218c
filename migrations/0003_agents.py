"""Agents: the resellers of the network."""
import datetime

from peewee import AutoField, CharField, DateField, DateTimeField, ForeignKeyField, Model, TextField


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class WechatUser(Base):
        id = AutoField()

    class AgentLevel(Base):
        id = AutoField()

    class Agent(Base):
        id = AutoField()
        wechat_user = ForeignKeyField(WechatUser, null=True, unique=True, on_delete="RESTRICT")
        name = CharField(max_length=64)
        phone = CharField(max_length=20, index=True)
        province = CharField(max_length=32, default="", index=True)
        city = CharField(max_length=32, default="")
        upline = ForeignKeyField("self", null=True, index=True, on_delete="RESTRICT")
        level = ForeignKeyField(AgentLevel, index=True, on_delete="RESTRICT")
        status = CharField(max_length=16, default="pending", index=True)
        term_start = DateField(null=True)
        term_end = DateField(null=True, index=True)
        invite_code = CharField(max_length=16, unique=True)
        joined_at = DateTimeField(default=datetime.datetime.utcnow)
        notes = TextField(default="")
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    db.create_tables([Agent])


def down(migrator, db):
    db.execute_sql("DROP TABLE IF EXISTS agent")
