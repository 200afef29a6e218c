"""Who can sign in: console users (brand owner and staff) and WeChat users of the mini-program."""
from peewee import AutoField, BooleanField, CharField, DateTimeField, IntegerField

from app.clock import utcnow
from app.database import BaseModel

ADMIN_ROLES = ("owner", "staff", "finance", "warehouse")
ROLE_NAMES = {"owner": "品牌主", "staff": "运营", "finance": "财务", "warehouse": "仓库"}


class AdminUser(BaseModel):
    """A console account of the brand; `token_version` revokes every token issued before it."""

    id = AutoField()
    username = CharField(max_length=64, unique=True)
    password_hash = CharField(max_length=255)
    role = CharField(max_length=16)
    display_name = CharField(max_length=64, default="")
    active = BooleanField(default=True)
    token_version = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)


class WechatUser(BaseModel):
    """A WeChat user who signed in to the mini-program, known by openid."""

    id = AutoField()
    openid = CharField(max_length=64, unique=True)
    unionid = CharField(max_length=64, null=True, index=True)
    session_key = CharField(max_length=64, default="")
    token_version = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)


class LoginFailure(BaseModel):
    """One console login attempt, kept to throttle guessing by username and by address.

    It is written (`pending`) before the password is checked, so racing guesses all count;
    a failure clears `pending`, a success deletes its row.
    """

    id = AutoField()
    username = CharField(max_length=64, index=True)
    ip = CharField(max_length=64, index=True)
    pending = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow, index=True)
