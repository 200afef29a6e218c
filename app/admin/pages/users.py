"""Console pages: settings — console accounts and their roles, managed by the owner (`app/admin/users.py`), and
every WeChat binding (the owner sees and removes any)."""
from flask import g, url_for

from app.accounts import service as accounts
from app.accounts.service import ADMIN_ROLES
from app.admin import users as api
from app.admin.pages import exports
from app.admin.pages.web import ROLE_NAMES, act, form_values, load, page, query_args, render
from app.chat import service as chat
from app.clock import local_text
from app.schemas import PageArgs

OWNER = ("owner",)
USER_HEADERS = ("用户名", "姓名", "角色", "状态", "创建时间", "最近登录")


def _users_page(status=200, error=None, values=None, acted=None):
    """Accounts, a page at a time, and the form for a new one."""
    args, _ = query_args(PageArgs())
    items, total = accounts.list_admin_users(**args)
    return render("settings/users.html", status, items=items, total=total, args=args, acted=acted,
                  roles=[(role, ROLE_NAMES[role]) for role in ADMIN_ROLES],
                  values=values if acted is None and values else {"role": "staff"},
                  errors=error.fields if error else {}, message=error.message if error else None)


@page("/settings/users", roles=OWNER)
def settings_users():
    """Console accounts with their role and state, each with change role, disable/enable and reset password."""
    return _users_page()


def _account_action(call, schema, message, acted=None):
    values = form_values()
    return act(lambda: call(**load(schema, values)), done=url_for("console.settings_users"), message=message,
               redisplay=lambda exc: _users_page(exc.status, exc, values, acted))


# Only what the page shows: never the password hash or the token version.
exports.register_list("users", title="后台账号", headers=USER_HEADERS, schema=PageArgs, lister=accounts.list_admin_users,
                      shape=lambda items: ((u.username, u.display_name, ROLE_NAMES.get(u.role, u.role),
                                            "启用" if u.active else "已停用", local_text(u.created_at),
                                            local_text(u.last_login_at) or "从未") for u in items))


@page("/settings/users/export", roles=OWNER)
def settings_users_export():
    """The console accounts as .xlsx."""
    return exports.send_export("users")


@page("/settings/users", roles=OWNER, methods=("POST",), endpoint="settings_user_create")
def settings_user_create():
    """Create an account with a first password."""
    return _account_action(accounts.create_admin_user, api.AdminUserCreateBody(),
                           lambda user: f"已创建账号 {user.username}")


@page("/settings/users/<id:user_id>/role", roles=OWNER, methods=("POST",))
def settings_user_role(user_id):
    """Give an account another role."""
    return _account_action(lambda **body: accounts.change_admin_role(actor=g.admin, user_id=user_id, **body),
                           api.AdminUserRoleBody(), lambda user: f"{user.username} 的角色已改为{ROLE_NAMES[user.role]}",
                           acted=user_id)


@page("/settings/users/<id:user_id>/active", roles=OWNER, methods=("POST",))
def settings_user_active(user_id):
    """Disable an account (it is signed out at once) or enable it again."""
    return _account_action(lambda **body: accounts.set_admin_active(actor=g.admin, user_id=user_id, **body),
                           api.AdminUserActiveBody(),
                           lambda user: f"{user.username} 已{'启用' if user.active else '停用并退出登录'}", acted=user_id)


@page("/settings/users/<id:user_id>/password", roles=OWNER, methods=("POST",))
def settings_user_password(user_id):
    """Set a new password for another account; its sessions end."""
    return _account_action(lambda **body: accounts.reset_admin_password(actor=g.admin, user_id=user_id, **body),
                           api.AdminUserPasswordBody(), lambda user: f"已重置 {user.username} 的密码", acted=user_id)


BINDING_STATES = {chat.LIVE: "有效", chat.REBIND: "需重新绑定", chat.INACTIVE: "账号已停用"}


def _bindings_page(status=200, error=None):
    args, _ = query_args(PageArgs())
    items, total = chat.list_bindings(**args)
    return render("settings/bindings.html", status, items=items, total=total, args=args, states=BINDING_STATES,
                  message=error.message if error else None)


@page("/settings/bindings", roles=OWNER)
def settings_bindings():
    """Every WeChat bound to a console account or an agent, whether it may still act, each with 解除绑定."""
    return _bindings_page()


@page("/settings/bindings/<id:binding_id>/delete", roles=OWNER, methods=("POST",))
def settings_binding_delete(binding_id):
    """Remove a binding: that WeChat gets no alerts and no chat powers until it binds again."""
    return act(lambda: chat.remove_binding(binding_id=binding_id), done=url_for("console.settings_bindings"),
               message="已解除绑定", redisplay=lambda exc: _bindings_page(exc.status, exc))
