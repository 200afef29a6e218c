"""The agent network: levels (and, with the agents issue, agents and their history)."""
from peewee import AutoField, BooleanField, CharField, DateTimeField, IntegerField

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
