"""Authorization certificates (授权书): one number per issuance, the agents' declared WeChat IDs, and every check."""
from peewee import AutoField, BigAutoField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField

from app.agents.models import Agent
from app.clock import utcnow
from app.database import BaseModel


class AgentCertificate(BaseModel):
    """One issuance of an agent's certificate: the facts it states (level, region, term) and its unique number.

    `current_key` holds the agent's id while this is its current certificate and NULL once a change of level,
    region or term superseded it, so a unique index allows one current certificate per agent. Superseded rows are
    kept: their numbers answer "已变更" with the agent's current state.
    """

    id = AutoField()
    number = CharField(max_length=24, unique=True)
    agent = ForeignKeyField(Agent, on_delete="RESTRICT", index=True)
    level_id = IntegerField()
    level_name = CharField(max_length=32)
    province = CharField(max_length=32, default="")
    city = CharField(max_length=32, default="")
    term_start = DateField(null=True)
    term_end = DateField(null=True)
    issued_at = DateTimeField(default=utcnow)
    superseded_at = DateTimeField(null=True)
    current_key = IntegerField(null=True, unique=True)


class AgentWechatId(BaseModel):
    """The WeChat ID (微信号) an agent sells under, as it declared it: consumers search by it. One agent per ID."""

    agent = ForeignKeyField(Agent, primary_key=True, on_delete="RESTRICT")
    wechat_id = CharField(max_length=32, unique=True)
    updated_at = DateTimeField(default=utcnow)


# The console's names of a look-up's result, of what it asked by, and of where it was asked.
CHECK_RESULT_NAMES = {"authorized": "已授权", "changed": "已变更", "expired": "已过期", "suspended": "已暂停",
                      "revoked": "已终止", "unauthorized": "未授权", "not_found": "未查到", "invalid": "输入有误"}
CHECK_KIND_NAMES = {"number": "授权编号", "phone": "手机号", "wechat_id": "微信号", "invalid": "其他"}
CHECK_CHANNEL_NAMES = {"page": "网页", "mp": "小程序"}


class CertificateCheck(BaseModel):
    """One look-up of the verification page or API: what was asked, from where, and what it answered."""

    id = BigAutoField()
    at = DateTimeField(default=utcnow, index=True)
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
