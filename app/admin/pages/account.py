"""Console pages: sign in, sign out, change one's password."""
from flask import flash, g, redirect, request, session, url_for

from app.accounts import service as accounts
from app.admin.auth import AdminLoginBody, AdminPasswordBody
from app.admin.pages.web import blp, form_values, load, page, render, sign_in
from app.errors import DomainError
from app.http import client_ip

EVERY_ROLE = ("staff", "finance", "warehouse")


def _safe_next(target):
    """Only a console path of our own is a place to go back to (never another site)."""
    return target if target and target.startswith("/admin") and not target.startswith("//") else None


@blp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; a correct password starts a browser session."""
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        return render("login.html", next_url=next_url, values={}, errors={}, message=None)
    values = form_values()
    try:
        body = load(AdminLoginBody(), values)
        user, signed = accounts.login_admin(username=body["username"], password=body["password"], ip=client_ip())
    except DomainError as exc:
        values.pop("password", None)
        return render("login.html", exc.status, next_url=next_url, values=values, errors=exc.fields,
                      message=exc.message)
    sign_in(user, signed.token)
    return redirect(next_url or url_for("console.dashboard"))


@page("/logout", roles=EVERY_ROLE, methods=("POST",))
def logout():
    """Sign out everywhere: every token of the user is revoked."""
    accounts.logout_admin(g.admin)
    session.clear()
    flash("已退出登录", "ok")
    return redirect(url_for("console.login"))


@page("/password", roles=EVERY_ROLE, methods=("GET", "POST"))
def password():
    """Change one's password; every earlier session (this one too) ends."""
    if request.method == "GET":
        return render("password.html", errors={}, message=None)
    try:
        body = load(AdminPasswordBody(), form_values())
        accounts.change_admin_password(g.admin, **body)
    except DomainError as exc:
        return render("password.html", exc.status, errors=exc.fields, message=exc.message)
    session.clear()
    flash("密码已修改，请用新密码重新登录", "ok")
    return redirect(url_for("console.login"))
