"""The agent network: levels (and, with the agents issue, agents and their history)."""
from peewee import AutoField, BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from app.accounts.models import WechatUser
from app.clock import utcnow
from app.database import BaseModel


class AgentLevel(BaseModel):
    """A rung of the network (总代理, 区域代理, 普通代理 …); rank 1 is the highest."""

    id = AutoField()
    name = CharField(max_length=32, unique=True)
    rank = IntegerField(unique=True)
    may_recruit = BooleanField(default=True)
    orders_need_upline_approval = BooleanField(default=False)
    may_see_team = BooleanField(default=True)
    min_first_purchase_fen = IntegerField(default=0)
    auto_approve_applications = BooleanField(default=False)
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)


AGENT_STATUSES = ("pending", "active", "suspended", "expired", "left")


class Agent(BaseModel):
    """A reseller in the brand's network; never deleted (status `left` instead)."""

    id = AutoField()
    wechat_user = ForeignKeyField(WechatUser, null=True, unique=True, backref="agent", on_delete="RESTRICT")
    name = CharField(max_length=64)
    phone = CharField(max_length=20, index=True)
    province = CharField(max_length=32, default="", index=True)
    city = CharField(max_length=32, default="")
    upline = ForeignKeyField("self", null=True, backref="downline", index=True, on_delete="RESTRICT")
    level = ForeignKeyField(AgentLevel, backref="agents", index=True, on_delete="RESTRICT")
    status = CharField(max_length=16, default="pending", index=True)
    term_start = DateField(null=True)
    term_end = DateField(null=True, index=True)
    invite_code = CharField(max_length=16, unique=True)
    joined_at = DateTimeField(default=utcnow)
    notes = TextField(default="")
    created_at = DateTimeField(default=utcnow)
