"""Authorization certificates (授权书): issuances with their numbers, agents' WeChat IDs, and the verification log."""
import datetime

from peewee import (AutoField, BigAutoField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField,
                    Model)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Agent(Base):
        id = AutoField()

    class AgentCertificate(Base):
        id = AutoField()
        number = CharField(max_length=24, unique=True)
        agent = ForeignKeyField(Agent, on_delete="RESTRICT", index=True)
        level_id = IntegerField()
        level_name = CharField(max_length=32)
        province = CharField(max_length=32, default="")
        city = CharField(max_length=32, default="")
        term_start = DateField(null=True)
        term_end = DateField(null=True)
        issued_at = DateTimeField(default=datetime.datetime.utcnow)
        superseded_at = DateTimeField(null=True)
        current_key = IntegerField(null=True, unique=True)

    class AgentWechatId(Base):
        agent = ForeignKeyField(Agent, primary_key=True, on_delete="RESTRICT")
        wechat_id = CharField(max_length=32, unique=True)
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

    class CertificateCheck(Base):
        id = BigAutoField()
        at = DateTimeField(default=datetime.datetime.utcnow, index=True)
        channel = CharField(max_length=8, default="page")
        query_kind = CharField(max_length=16)
        query = CharField(max_length=64, default="")
        result = CharField(max_length=16, index=True)
        certificate = ForeignKeyField(AgentCertificate, null=True, on_delete="RESTRICT", index=True)
        agent = ForeignKeyField(Agent, null=True, on_delete="RESTRICT", index=True)
        ip = CharField(max_length=45, default="", index=True)
        province = CharField(max_length=32, default="")
        city = CharField(max_length=32, default="")
        user_agent = CharField(max_length=255, default="")
        openid = CharField(max_length=64, default="")

    db.create_tables([AgentCertificate, AgentWechatId, CertificateCheck])


def down(migrator, db):
    for table in ("certificate_check", "agent_wechat_id", "agent_certificate"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
