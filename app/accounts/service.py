"""Signing in: WeChat login for the mini-program, passwords for the console."""
import functools
import secrets
from dataclasses import dataclass
from datetime import timedelta

from peewee import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from app import wechat
from app.clock import utcnow
from app.config import get_settings
from app.database import Prepared, db, for_update, paginate
from app.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited, Unauthenticated, Unavailable
from app.accounts.models import ADMIN_ROLES, ROLE_NAMES, AdminUser, LoginFailure, WechatUser  # noqa: F401  (part of this face)
from app.tokens import issue_token, read_token

INVALID_CODE_ERRCODES = {40029: "登录凭证无效，请重新登录", 40163: "登录凭证已被使用，请重新登录"}
WECHAT_RATE_LIMIT_ERRCODE = 45011
MIN_PASSWORD_LENGTH = 8
# Attempts this close to a successful one count as racing it: the success then clears no failures.
RACE_SECONDS = 10


@dataclass(frozen=True)
class Session:
    """A signed-in principal and the bearer token that proves it."""

    user_id: int
    token: str
    expires_in: int


def login_wechat_user(js_code):
    """Exchange a wx.login() code for our token, creating the WeChat user on first login."""
    if not js_code or len(js_code) > 128:
        raise InvalidInput.on("code", "登录凭证格式不正确")
    session = _code_to_session(js_code)
    openid = session["openid"]
    user = WechatUser.get_or_none(WechatUser.openid == openid) or _create_wechat_user(openid)
    (WechatUser
     .update(unionid=session.get("unionid") or user.unionid, session_key=session.get("session_key", ""),
             last_login_at=utcnow())
     .where(WechatUser.id == user.id)
     .execute())
    ttl = get_settings().TOKEN_TTL_SECONDS
    return Session(user.id, issue_token("wx", user.id, user.token_version), ttl)


def dev_login(*, openid):
    """Sign in as the WeChat user `openid` without WeChat (created when new); NotFound unless dev login is on."""
    if not get_settings().dev_login_enabled:
        raise NotFound("接口不存在", code="not_found")
    if not openid or len(openid) > 64:
        raise InvalidInput.on("openid", "openid 格式不正确")
    user = WechatUser.get_or_none(WechatUser.openid == openid) or _create_wechat_user(openid)
    return Session(user.id, issue_token("wx", user.id, user.token_version), get_settings().TOKEN_TTL_SECONDS)


def wechat_user_for_openid(openid):
    """The WeChat user with this openid, created when new (for seeding a demo; sign-in goes through WeChat)."""
    return WechatUser.get_or_none(WechatUser.openid == openid) or _create_wechat_user(openid)


def _create_wechat_user(openid):
    # Outside any transaction on purpose: after losing the race to insert, the
    # re-read must see the winner's committed row (REPEATABLE READ would not).
    try:
        with db.atomic():
            return WechatUser.create(openid=openid)
    except IntegrityError:
        return WechatUser.get(WechatUser.openid == openid)


def _code_to_session(js_code):
    if not get_settings().wechat_mp_configured:
        raise Unavailable("小程序尚未配置，无法登录", code="wechat_not_configured")
    client = wechat.mini_program_client()
    refusals = {errcode: Unauthenticated(message, code="invalid_code")
                for errcode, message in INVALID_CODE_ERRCODES.items()}
    refusals[WECHAT_RATE_LIMIT_ERRCODE] = RateLimited("微信登录请求过于频繁，请稍后再试")
    with wechat.failures_as_domain_errors("code2session", refusals=refusals):
        return client.wxa.code_to_session(js_code)


_WECHAT_USER_BY_ID = Prepared(lambda param: WechatUser.select().where(WechatUser.id == param))


def wechat_user_from_token(token, *, read=_WECHAT_USER_BY_ID.first):
    """The WeChat user a mini-program token belongs to, or Unauthenticated. `read(user id)` answers the user row
    or None: another domain may read, in the same statement, what it joins to the user (agents.signed_in)."""
    user_id, version = read_token(token, "wx", get_settings().TOKEN_TTL_SECONDS)
    user = read(user_id)
    if user is None or user.token_version != version:
        raise Unauthenticated("登录已失效，请重新登录", code="token_revoked")
    return user


def create_admin_user(*, username, password, role, display_name=""):
    """Create a console account; the password is stored only as a salted hash."""
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise InvalidInput.on("username", "用户名不能为空且不超过64个字符")
    if role not in ADMIN_ROLES:
        raise InvalidInput.on("role", "角色必须是 " + "、".join(ADMIN_ROLES) + " 之一")
    _check_password_strength(password)
    try:
        with db.atomic():
            return AdminUser.create(username=username, password_hash=generate_password_hash(password),
                                    role=role, display_name=display_name or username)
    except IntegrityError as exc:
        raise Conflict("用户名已存在", code="username_taken", fields={"username": "用户名已存在"}) from exc


def admin_user_exists(*, username):
    """Whether a console account is called `username`."""
    return AdminUser.select().where(AdminUser.username == username).exists()


def list_admin_users(*, page=1, per_page=50):
    """Console accounts, oldest first, one page: (items, total)."""
    return paginate(AdminUser.select().order_by(AdminUser.id), page=page, per_page=per_page)


def get_admin_user(user_id):
    """The console account with this id, or NotFound."""
    user = AdminUser.get_or_none(AdminUser.id == user_id)
    if user is None:
        raise NotFound("账号不存在", code="admin_user_not_found")
    return user


def display_names(user_ids):
    """{console user id: the name people see (display name, else username)} of `user_ids` (one query)."""
    ids = {int(user_id) for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    rows = AdminUser.select(AdminUser.id, AdminUser.display_name, AdminUser.username).where(AdminUser.id.in_(sorted(ids)))
    return {user.id: user.display_name or user.username for user in rows}


def _refuse_losing_an_owner(actor, user, field):
    """The console must keep an owner: nobody demotes or disables their own account, nor the last active owner."""
    if user.id == actor.id:
        raise Conflict("不能停用或降级自己的账号", code="own_account", fields={field: "不能修改自己的账号"})
    others = for_update(AdminUser.select(AdminUser.id).where(
        AdminUser.role == "owner", AdminUser.active == True, AdminUser.id != user.id))  # noqa: E712
    if user.role == "owner" and user.active and not list(others):
        raise Conflict("至少要保留一个启用的品牌主账号", code="last_owner", fields={field: "这是最后一个品牌主"})


def change_admin_role(*, actor, user_id, role):
    """Give a console account another role (the owner keeps at least one owner, and its own role)."""
    if role not in ADMIN_ROLES:
        raise InvalidInput.on("role", "角色必须是 " + "、".join(ADMIN_ROLES) + " 之一")
    with db.atomic():
        user = get_admin_user(user_id)
        if user.role == "owner" and role != "owner":
            _refuse_losing_an_owner(actor, user, "role")
        AdminUser.update(role=role).where(AdminUser.id == user.id).execute()
    return get_admin_user(user_id)


def set_admin_active(*, actor, user_id, active):
    """Disable a console account (every token it holds stops working at once) or enable it again."""
    with db.atomic():
        user = get_admin_user(user_id)
        if not active:
            _refuse_losing_an_owner(actor, user, "active")
        # Disabling also revokes the tokens, so enabling later does not bring old sessions back.
        (AdminUser.update(active=active, token_version=AdminUser.token_version + (0 if active else 1))
         .where(AdminUser.id == user.id).execute())
    return get_admin_user(user_id)


def reset_admin_password(*, actor, user_id, password):
    """Set a new password for another console account (the owner's reset); its earlier sessions end.

    One's own password changes only with the old one (change_admin_password), so a stolen session cannot take over.
    """
    user = get_admin_user(user_id)
    if user.id == actor.id:
        raise Conflict("请在「改密码」页面修改自己的密码", code="own_account", fields={"password": "不能在这里重置自己的密码"})
    _check_password_strength(password)
    (AdminUser.update(password_hash=generate_password_hash(password), token_version=AdminUser.token_version + 1)
     .where(AdminUser.id == user.id).execute())
    return get_admin_user(user_id)


def set_admin_password(*, username, password):
    """Set a console account's password from the server's command line (`flask users set-password`): its
    sessions end and its failed sign-ins are forgotten, so a locked-out owner can sign in again."""
    _check_password_strength(password)
    with db.atomic():
        user = AdminUser.get_or_none(AdminUser.username == (username or "")[:64])
        if user is None:
            raise NotFound("账号不存在", code="admin_user_not_found", fields={"username": "没有这个用户名"})
        (AdminUser.update(password_hash=generate_password_hash(password), token_version=AdminUser.token_version + 1)
         .where(AdminUser.id == user.id).execute())
        LoginFailure.delete().where(LoginFailure.username == user.username).execute()
    return get_admin_user(user.id)


def _check_password_strength(password):
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput.on("password", f"密码至少{MIN_PASSWORD_LENGTH}位")


def login_admin(*, username, password, ip):
    """Check a console password, throttling repeated failures per username and per address.

    The attempt is counted before the password is checked, so concurrent guesses cannot all
    pass the throttle; unknown, disabled and wrong-password logins each check one hash, so
    their timing does not tell which usernames exist.
    """
    username = (username or "")[:64]
    attempt = _count_attempt(username, ip[:64], get_settings())
    user = AdminUser.get_or_none(AdminUser.username == username)
    matches = check_password_hash(user.password_hash if user else _dummy_hash(), password or "")
    if user is None or not user.active or not matches:
        LoginFailure.update(pending=False).where(LoginFailure.id == attempt).execute()
        raise Unauthenticated("用户名或密码错误", code="bad_credentials")
    with db.atomic():
        _forget_failures_after_success(username, attempt)
        AdminUser.update(last_login_at=utcnow()).where(AdminUser.id == user.id).execute()
    ttl = get_settings().ADMIN_TOKEN_TTL_SECONDS
    return user, Session(user.id, issue_token("admin", user.id, user.token_version), ttl)


@functools.cache
def _dummy_hash():
    """A hash of no one's password, checked for unknown usernames to take as long as a real check."""
    return generate_password_hash(secrets.token_urlsafe(16))


def _count_attempt(username, ip, settings):
    """Record the attempt (committed at once, so every racing attempt sees it), then refuse it when the
    username's or the address's attempts in the window exceed the limit; returns its row id."""
    with db.atomic():
        attempt = LoginFailure.create(username=username, ip=ip, pending=True).id
    recent = _recent(settings)
    by_user = LoginFailure.select().where(recent, LoginFailure.username == username).count()
    by_ip = LoginFailure.select().where(recent, LoginFailure.ip == ip).count()
    if by_user > settings.LOGIN_FAILURE_LIMIT or by_ip > settings.LOGIN_FAILURE_LIMIT * 4:
        # A refused attempt checked no password: it does not prolong the lock-out.
        LoginFailure.delete().where(LoginFailure.id == attempt).execute()
        raise RateLimited("登录失败次数过多，请15分钟后再试", code="login_throttled",
                          retry_after=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    return attempt


def _recent(settings):
    return LoginFailure.created_at >= utcnow() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def _forget_failures_after_success(username, attempt):
    """Drop the successful attempt, and clear the username's earlier failures unless another attempt raced it
    (one still being checked, or one made within RACE_SECONDS of it): a right password sent among guesses
    resets nothing."""
    since = LoginFailure.get_by_id(attempt).created_at - timedelta(seconds=RACE_SECONDS)
    LoginFailure.delete().where(LoginFailure.id == attempt).execute()
    mine, checking = LoginFailure.username == username, LoginFailure.pending == True  # noqa: E712
    raced = LoginFailure.select().where(mine, _recent(get_settings()), checking | (LoginFailure.created_at >= since))
    if not raced.exists():
        LoginFailure.delete().where(mine, ~checking, LoginFailure.created_at < since).execute()


def admin_from_token(token):
    """The active console user a token belongs to, or Unauthenticated."""
    user_id, version = read_token(token, "admin", get_settings().ADMIN_TOKEN_TTL_SECONDS)
    user = AdminUser.get_or_none(AdminUser.id == user_id)
    if user is None or not user.active or user.token_version != version:
        raise Unauthenticated("登录已失效，请重新登录", code="token_revoked")
    return user


def require_role(user, roles):
    """Forbidden unless the user holds one of `roles`; the owner may do everything."""
    if user.role != "owner" and user.role not in roles:
        raise Forbidden("当前角色无权执行此操作", code="role_forbidden")


def logout_admin(user):
    """Revoke every token the user holds."""
    AdminUser.update(token_version=AdminUser.token_version + 1).where(AdminUser.id == user.id).execute()


def change_admin_password(user, *, old_password, new_password):
    """Change a password after checking the old one; every earlier token stops working."""
    if not check_password_hash(user.password_hash, old_password or ""):
        raise InvalidInput.on("old_password", "原密码不正确")
    _check_password_strength(new_password)
    (AdminUser.update(password_hash=generate_password_hash(new_password),
                      token_version=AdminUser.token_version + 1)
     .where(AdminUser.id == user.id).execute())


def admin_user_or_none(admin_user_id):
    """The console user with this id, active or not, or None."""
    return AdminUser.get_or_none(AdminUser.id == admin_user_id)


def active_admin_user(admin_user_id):
    """The active console user with this id, or None."""
    user = AdminUser.get_or_none(AdminUser.id == admin_user_id)
    return user if user is not None and user.active else None


def active_owner_ids():
    """Ids of every active owner account."""
    query = AdminUser.select(AdminUser.id).where(AdminUser.role == "owner", AdminUser.active == True)  # noqa: E712
    return [user.id for user in query.order_by(AdminUser.id)]
