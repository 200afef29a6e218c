"""Console page plumbing: the blueprint, the signed-in session, role checks, CSRF, forms and error pages.

The session is Flask's signed cookie (HttpOnly, SameSite=Strict, Secure in
production) holding the same bearer token the JSON API issues, so logging out or
changing the password revokes a browser session like any other token. Every POST
carries the session's CSRF token in a hidden field.
"""
import hmac
from io import BytesIO
import re
import secrets
from functools import wraps
from urllib.parse import urlencode

from flask import Blueprint, flash, g, redirect, render_template, request, send_file, session, url_for
from marshmallow import EXCLUDE, ValidationError
from werkzeug.exceptions import HTTPException

from app.accounts import service as accounts
from app.admin.pages import names
from app.agents import service as agents
from app.errors import DomainError, Forbidden, InvalidInput, Unauthenticated
from app.http import http_exception_response, wants_json
from app.money import format_yuan
from app.schemas import flatten_messages

blp = Blueprint("console", __name__, url_prefix="/admin", template_folder="../templates",
                static_folder="../static", static_url_path="/static")

CSRF_FIELD = "csrf_token"
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
_WHOLE_NUMBER = re.compile(r"-?\d{1,18}")
ROLE_NAMES = accounts.ROLE_NAMES

# The main navigation: an entry shows only when its page exists and the user's role may open it.
NAV = (("看板", "console.dashboard"), ("订单", "console.orders"), ("代理", "console.agents"),
       ("库存", "console.stock"), ("财务", "console.withdrawals"), ("防伪码", "console.code_batches"),
       ("控价", "console.violations"), ("发件箱", "console.outbox"), ("设置", "console.settings"))

# Sections whose pages live under more than their navigation entry's own URL prefix.
NAV_EXTRA_PREFIXES = {"console.stock": ("/admin/stocktakes", "/admin/transfers", "/admin/allocation", "/admin/cloud")}

# Which roles may open each page (by endpoint); the navigation shows a user only the pages it may open.
PAGE_ROLES = {}


@blp.record_once
def _cookie_settings(state):
    settings = state.app.config["WEISHANG"]
    state.app.config.update(SESSION_COOKIE_NAME="weishang_console", SESSION_COOKIE_HTTPONLY=True,
                            SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_SECURE=settings.is_production)
    # Globals rather than a context processor, so that imported macros see them too.
    state.app.jinja_env.globals.update(csrf_token=csrf_token, nav=NAV, may_open=_may_open_here,
                                       role_names=ROLE_NAMES, query_with=query_with, in_section=in_section,
                                       **names.TEMPLATE_GLOBALS)
    state.app.jinja_env.tests["digit_text"] = names.is_digit_text
    # Unknown URLs match no blueprint, so only an app-level handler sees them.
    state.app.register_error_handler(404, _unknown_url)


def csrf_token():
    """This session's CSRF token (created on first use)."""
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


@blp.before_request
def _check_csrf():
    if request.method == "POST":
        sent = request.form.get(CSRF_FIELD, "")
        if not sent or not hmac.compare_digest(sent, session.get(CSRF_FIELD, "")):
            return error_page(400, "页面已过期或来源不明，请刷新后重试")
    return None


@blp.after_request
def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def sign_in(user, token):
    """Start a fresh browser session for `user` holding its bearer token."""
    session.clear()
    session["token"] = token
    session[CSRF_FIELD] = secrets.token_urlsafe(32)
    session.permanent = False


def signed_in_user():
    """The console user of this browser session, or Unauthenticated."""
    token = session.get("token")
    if not token:
        raise Unauthenticated("请先登录")
    return accounts.admin_from_token(token)


def holds_role(user, roles):
    """True when `user` holds one of `roles` (or is the owner), as the API's role check decides."""
    try:
        accounts.require_role(user, roles)
    except Forbidden:
        return False
    return True


def may_open(user, endpoint):
    """True when `user`'s role may open the page at `endpoint`."""
    return endpoint in PAGE_ROLES and holds_role(user, PAGE_ROLES[endpoint])


def page(rule, *, roles, methods=("GET",), endpoint=None):
    """Route a console page that only signed-in users holding one of `roles` (or the owner) may open."""
    def decorator(view):
        endpoint_name = endpoint or view.__name__
        PAGE_ROLES[f"{blp.name}.{endpoint_name}"] = tuple(roles)

        @wraps(view)
        def wrapper(*args, **kwargs):
            g.admin = signed_in_user()
            accounts.require_role(g.admin, roles)
            return view(*args, **kwargs)
        blp.add_url_rule(rule, endpoint_name, wrapper, methods=list(methods))
        return wrapper
    return decorator


def in_section(endpoint):
    """True when this request's page belongs to the section of the navigation entry at `endpoint`
    (a page under the entry's URL prefix: /admin/codes/lookup is in 防伪码's section)."""
    prefixes = ("/".join(url_for(endpoint).split("/")[:3]),) + NAV_EXTRA_PREFIXES.get(endpoint, ())
    return any(_under(request.path, prefix) for prefix in prefixes)


def _under(path, prefix):
    if prefix == "/admin/":  # the dashboard: only itself, not every page
        return path == prefix
    return path == prefix or path.startswith(prefix + "/")


def _may_open_here(endpoint):
    return may_open(g.admin, endpoint) if g.get("admin") else False


@blp.app_template_filter("yuan")
def yuan(fen):
    """Fen as a yuan string ("12.34")."""
    return format_yuan(fen or 0)


def query_with(**changes):
    """This page's URL with some query arguments changed (None drops one): for pagers and filters."""
    args = request.args.to_dict()
    args.update({key: value for key, value in changes.items() if value is not None})
    for key in [key for key, value in changes.items() if value is None]:
        args.pop(key, None)
    return request.path + ("?" + urlencode(args) if args else "")


def form_values(source=None):
    """The submitted form (or `source`) without the CSRF token and without blank values."""
    values = (source if source is not None else request.form).to_dict()
    values.pop(CSRF_FIELD, None)
    return {key: value.strip() for key, value in values.items() if value.strip()}


def with_checkboxes(values, names):
    """`values` with each checkbox of `names` as "true"/"false": a browser sends nothing for an unticked box."""
    return {**values, **{name: "true" if values.get(name) else "false" for name in names}}


def whole_number(text):
    """A whole number typed in a form as an int (the API's strict schemas take JSON numbers); anything else as typed."""
    return int(text) if isinstance(text, str) and _WHOLE_NUMBER.fullmatch(text) else text


def load(schema, values):
    """`values` checked by a marshmallow schema of the JSON API; InvalidInput with Chinese field errors."""
    try:
        return schema.load(values, unknown=EXCLUDE)
    except ValidationError as exc:
        raise InvalidInput("请检查标红的字段", fields=flatten_messages(exc.messages)) from exc


def without_paging(args):
    """A list's checked query arguments without page and per_page: the filters, for an export."""
    return {key: value for key, value in args.items() if key not in ("page", "per_page")}


def query_args(schema, *, agent_fields=()):
    """The page's query string checked by the API's schema; a bad one falls back to no filters.

    Each of `agent_fields` may hold an agent's id (from a link) or the name or phone a person typed: typed text
    naming exactly one agent becomes its id; naming none or several is that field's error.
    """
    values = form_values(request.args)
    picked, picker_errors = pick_agents(values, agent_fields)
    checked = {key: value for key, value in values.items() if key not in picker_errors}
    try:
        return load(schema, {**checked, **picked}), picker_errors
    except InvalidInput as exc:
        return load(schema, {}), {**exc.fields, **picker_errors}




def picked_filters(args, agent_fields):
    """The filters as typed, with each agent picker holding the id it was resolved to (for the form and the
    export link)."""
    values = form_values(request.args)
    values.update({name: str(args[name]) for name in agent_fields if args.get(name) is not None})
    return values


def pick_agents(values, fields):
    """({field: agent id}, {field: Chinese error}) for the agent picker fields among `values` that hold typed
    text rather than an id (an id stays as it is)."""
    picked, errors = {}, {}
    for name in fields:
        text = values.get(name)
        if text is None or names.is_digit_text(text):
            continue
        try:
            picked[name] = str(agents.agent_named(text, field=name).id)
        except InvalidInput as exc:
            errors.update(exc.fields)
    return picked, errors


def download(content, mimetype, filename):
    """A file to save (an export, labels, a picking list)."""
    return send_file(BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename)


def render(template, status=200, **context):
    """A console page."""
    return render_template(f"console/{template}", **context), status


def attempt(call, *, then, redisplay):
    """Run one service call: `then(result)` answers when it succeeds, `redisplay(error)` when the service refuses
    (a sign-in or role error still raises, to the login or error page)."""
    try:
        result = call()
    except DomainError as exc:
        if isinstance(exc, (Unauthenticated, Forbidden)):
            raise
        return redisplay(exc)
    return then(result)


def act(call, *, done, redisplay, message):
    """Run one service call for a form; on success flash `message` and go to `done`, on a refusal redisplay.

    `done` is a URL or a function of the call's result; `redisplay(error)` renders the form again
    with the error's field messages, at the error's status.
    """
    def then(result):
        flash(message(result) if callable(message) else message, "ok")
        return redirect(done(result) if callable(done) else done)
    return attempt(call, then=then, redisplay=redisplay)


def error_page(status, message):
    """A Chinese error page."""
    return render("error.html", status, code=status, message=message)


@blp.errorhandler(DomainError)
def _domain_error(exc):
    if isinstance(exc, Unauthenticated):
        session.pop("token", None)
        target = request.full_path if request.method == "GET" else url_for("console.dashboard")
        return redirect(url_for("console.login", next=target))
    return error_page(exc.status, exc.message)


HTTP_MESSAGES = {404: "页面不存在", 405: "不支持该操作", 413: "上传的文件过大"}


@blp.errorhandler(HTTPException)
def _http_error(exc):
    return error_page(exc.code or 500, HTTP_MESSAGES.get(exc.code, "请求有误"))


def _unknown_url(exc):
    """An unknown URL under /admin/ is the console's Chinese 404 page (with its navigation when signed in)."""
    if wants_json() or not (request.path + "/").startswith(blp.url_prefix + "/"):
        return http_exception_response(exc)
    try:
        g.admin = signed_in_user()
    except DomainError:
        g.admin = None
    return error_page(404, HTTP_MESSAGES[404])
