"""Every table of the app, for the schema check and the test suite's clean-up.

Each domain adds its models here when it is created.
"""
from app.accounts.models import AdminUser, LoginFailure, WechatUser
from app.agents.models import Agent, AgentLevel
from app.notify.models import Notification
from app.chat.models import BindToken, InboundMessage, WechatBinding
from app.jobs.models import JobRun, SchedulerLease
from app.wechat import WechatCacheEntry

ALL_MODELS = [
    AdminUser,
    LoginFailure,
    WechatUser,
    WechatCacheEntry,
    AgentLevel,
    Agent,
    Notification,
    WechatBinding,
    BindToken,
    InboundMessage,
    SchedulerLease,
    JobRun,
]
