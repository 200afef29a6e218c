"""The agent network: levels, agents, the tree, applications, histories, proposals and the performance ledgers."""
from peewee import (AutoField, BigIntegerField, BlobField, BooleanField, CharField, CompositeKey, DateField,
                    DateTimeField, ForeignKeyField, IntegerField, TextField)

from app.accounts.models import AdminUser, WechatUser
from app.clock import utcnow
from app.database import BaseModel


class AgentLevel(BaseModel):
    """A rung of the network (总代理, 区域代理, 普通代理 …); rank 1 is the highest.

    Review rules: an agent of the level just below is promoted into this level when,
    over the last `review_window_days`, its own purchases reach `promote_purchase_fen`
    or its new direct recruits reach `promote_recruits`; an agent holding this level
    is demoted one rank when its own purchases in the window stay under
    `demote_below_purchase_fen`. A promotion into this level or a demotion out of it
    waits for the owner when `level_changes_need_approval`, else it applies at once.
    """

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
    term_days = IntegerField(default=365)
    review_window_days = IntegerField(default=90)
    promote_purchase_fen = BigIntegerField(null=True)
    promote_recruits = IntegerField(null=True)
    demote_below_purchase_fen = BigIntegerField(null=True)
    level_changes_need_approval = BooleanField(default=False)


AGENT_STATUSES = ("pending", "active", "suspended", "expired", "left")
AGENT_STATUS_NAMES = {"pending": "待审核", "active": "正常", "suspended": "已暂停", "expired": "已到期", "left": "已退出"}


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
    joined_at = DateTimeField(default=utcnow, index=True)
    notes = TextField(default="")
    created_at = DateTimeField(default=utcnow)
    bind_code = CharField(max_length=16, null=True, unique=True)
    level_since = DateTimeField(default=utcnow)


class AgentTreeLock(BaseModel):
    """One row that every change of the tree's shape locks first, so that such changes run one at a time."""

    id = IntegerField(primary_key=True)


class AgentClosure(BaseModel):
    """The tree as a closure table: one row per (ancestor, descendant) pair, the agent itself at depth 0."""

    ancestor = ForeignKeyField(Agent, on_delete="RESTRICT")
    descendant = ForeignKeyField(Agent, on_delete="RESTRICT")
    depth = IntegerField()

    class Meta:
        primary_key = CompositeKey("ancestor", "descendant")
        indexes = ((("descendant", "depth"), False),)


APPLICATION_STATUSES = ("pending", "approved", "rejected")
# The console's names of an application's or a level proposal's status (the two share "pending" and "rejected").
DECISION_NAMES = {"pending": "待处理", "approved": "已通过", "applied": "已调整", "rejected": "已驳回"}


class AgentApplication(BaseModel):
    """A WeChat user's request to join under the agent whose invite code it used.

    `pending_key` holds the WeChat user's id while the application is pending and
    NULL afterwards, so a unique index allows one pending application per user.
    """

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
    created_at = DateTimeField(default=utcnow, index=True)


CHANGE_KINDS = ("joined", "level", "upline", "status", "term")
CHANGE_NAMES = {"joined": "加入", "level": "等级", "upline": "上级", "status": "状态", "term": "期限"}


class AgentChange(BaseModel):
    """One entry of an agent's history: what changed (level, upline, status, term), from what to what, who, why, when.

    `actor` is the console user who made the change, NULL for the system (review,
    jobs, an upline leaving); `source` says which path made it.
    """

    id = AutoField()
    agent = ForeignKeyField(Agent, backref="changes", on_delete="RESTRICT")
    kind = CharField(max_length=16)
    old_value = CharField(max_length=64, default="")
    new_value = CharField(max_length=64, default="")
    reason = CharField(max_length=255)
    source = CharField(max_length=16)
    actor = ForeignKeyField(AdminUser, null=True, on_delete="RESTRICT")
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("agent", "kind", "created_at"), False),)


PROPOSAL_STATUSES = ("pending", "applied", "rejected")


class LevelProposal(BaseModel):
    """A promotion or demotion the review proposed; `pending_key` (the agent id while pending) allows one at a time."""

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
    created_at = DateTimeField(default=utcnow)


class AgentPurchase(BaseModel):
    """What an agent bought from the brand, one row per order; `reversed_fen` is how much of it was refunded so far."""

    id = AutoField()
    order_id = BigIntegerField(unique=True)
    agent = ForeignKeyField(Agent, on_delete="RESTRICT")
    amount_fen = BigIntegerField()
    reversed_fen = BigIntegerField(default=0)
    at = DateTimeField()
    reversed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("agent", "at"), False), (("at",), False))


class AgentRetailSale(BaseModel):
    """What an agent sold to a consumer, one row per recorded sale."""

    id = AutoField()
    sale_id = BigIntegerField(unique=True)
    agent = ForeignKeyField(Agent, on_delete="RESTRICT")
    amount_fen = BigIntegerField()
    at = DateTimeField()

    class Meta:
        indexes = ((("agent", "at"), False), (("at",), False))


class MediumBlobField(BlobField):
    """Binary up to 16 MB on MySQL (BLOB stops at 64 KB; mini-program codes can be larger)."""

    field_type = "MEDIUMBLOB"


class AgentInviteImage(BaseModel):
    """The mini-program code image of an agent's invite, kept so WeChat is asked once per invite code."""

    agent = ForeignKeyField(Agent, primary_key=True, on_delete="RESTRICT")
    invite_code = CharField(max_length=16)
    png = MediumBlobField()
    created_at = DateTimeField(default=utcnow)
