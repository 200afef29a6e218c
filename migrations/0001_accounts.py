"""Console users, WeChat users, login throttling and the shared WeChat token cache."""
import datetime

from peewee import AutoField, BooleanField, CharField, DateTimeField, IntegerField, Model, TextField


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class AdminUser(Base):
        id = AutoField()
        username = CharField(max_length=64, unique=True)
        password_hash = CharField(max_length=255)
        role = CharField(max_length=16)
        display_name = CharField(max_length=64, default="")
        active = BooleanField(default=True)
        token_version = IntegerField(default=0)
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        last_login_at = DateTimeField(null=True)

    class WechatUser(Base):
        id = AutoField()
        openid = CharField(max_length=64, unique=True)
        unionid = CharField(max_length=64, null=True, index=True)
        session_key = CharField(max_length=64, default="")
        token_version = IntegerField(default=0)
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        last_login_at = DateTimeField(null=True)

    class LoginFailure(Base):
        id = AutoField()
        username = CharField(max_length=64, index=True)
        ip = CharField(max_length=64, index=True)
        created_at = DateTimeField(default=datetime.datetime.utcnow, index=True)

    class WechatCacheEntry(Base):
        key = CharField(max_length=191, unique=True)
        value = TextField()
        expires_at = DateTimeField(null=True)

    db.create_tables([AdminUser, WechatUser, LoginFailure, WechatCacheEntry])


def down(migrator, db):
    for table in ("wechat_cache_entry", "login_failure", "wechat_user", "admin_user"):
        db.execute_sql(f"DROP TABLE IF EXISTS {table}")
