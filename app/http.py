"""Door plumbing shared by every JSON blueprint: the error shape, bearer auth, client address."""
import ipaddress
import logging
from functools import cache, wraps

import flask_smorest
import marshmallow
from flask import g, jsonify, request
from webargs.flaskparser import FlaskParser
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app.accounts import service as accounts
from app.agents import service as agents
from app.errors import DomainError, Unauthenticated
from app.schemas import MAX_ROW_ID, flatten_messages

log = logging.getLogger(__name__)


class _SchemaOnceParser(FlaskParser):
    """webargs' parser, each arguments schema given as a class made once: webargs makes it anew for every request,
    and with it a deep copy of every field it declares and each schema nested in it (a tenth of the CPU of placing
    an order). The schemas keep no state of a request: one instance serves them all."""

    def _get_schema(self, argmap, req):
        if isinstance(argmap, type) and issubclass(argmap, marshmallow.Schema):
            return _schema_instance(argmap)
        return super()._get_schema(argmap, req)


@cache
def _schema_instance(schema_class):
    return schema_class()


class Blueprint(flask_smorest.Blueprint):
    """Every JSON door's blueprint: flask-smorest's, its arguments parsed by `_SchemaOnceParser`."""

    ARGUMENTS_PARSER = _SchemaOnceParser()


JSON_PREFIXES = ("/api/", "/admin/api/")

_HTTP_ERRORS = {
    400: ("bad_request", "请求格式有误"),
    401: ("unauthenticated", "请先登录"),
    403: ("forbidden", "没有权限执行此操作"),
    404: ("not_found", "接口不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "操作与当前状态冲突"),
    413: ("payload_too_large", "请求内容过大"),
    415: ("unsupported_media_type", "请求内容类型不支持，请使用 application/json"),
    422: ("invalid_input", "输入有误"),
    429: ("rate_limited", "操作过于频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误，请稍后再试"),
    503: ("unavailable", "服务暂时不可用，请稍后再试"),
}


def error_response(status, code, message, fields=None, *, retry_after=None):
    """A JSON error in the one shape: {"error": {"code", "message", "fields"}}."""
    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    if retry_after:
        response.headers["Retry-After"] = str(int(retry_after))
    return response


def wants_json():
    """True for paths whose errors must be JSON."""
    path = request.path if request.path.endswith("/") else request.path + "/"
    return path.startswith(JSON_PREFIXES)


def _handle_domain_error(exc):
    return error_response(exc.status, exc.code, exc.message, exc.fields, retry_after=exc.retry_after)


def http_exception_response(exc):
    """An HTTP error as the one JSON shape under the JSON prefixes; elsewhere werkzeug's own page."""
    if not wants_json():
        return exc
    status = exc.code or 500
    code, message = _HTTP_ERRORS.get(status, ("http_error", exc.name))
    fields = {}
    data = getattr(exc, "data", None) or {}
    if status == 422 and "messages" in data:
        for location_messages in data["messages"].values():
            fields.update(flatten_messages(location_messages))
    elif status == 400 and "messages" in data:
        message = "请求体不是合法的 JSON"
        code = "bad_json"
    response = error_response(status, code, message, fields)
    if status == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _handle_unexpected(exc):
    if isinstance(exc, HTTPException):
        return http_exception_response(exc)
    if isinstance(exc, RecursionError) and request.is_json:
        # A JSON body nested deeper than the parser goes (webargs lets the parser's RecursionError through).
        return error_response(400, "bad_json", "请求体不是合法的 JSON")
    log.exception("unhandled error on %s %s", request.method, request.path)
    if wants_json():
        return error_response(500, *_HTTP_ERRORS[500])
    return "服务器内部错误，请稍后再试", 500


def register_error_handlers(app):
    """Make every error under the JSON prefixes answer in the one JSON shape."""
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(HTTPException, http_exception_response)
    app.register_error_handler(Exception, _handle_unexpected)


def bearer_token():
    """The token of an `Authorization: Bearer …` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _require_token():
    token = bearer_token()
    if token is None:
        raise Unauthenticated("请先登录", code="token_missing")
    return token


def wechat_login_required(view):
    """Let only a signed-in mini-program user through; sets g.wechat_user."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.wechat_user = accounts.wechat_user_from_token(_require_token())
        return view(*args, **kwargs)
    return wrapper


def agent_required(view):
    """Let only a signed-in agent through; sets g.wechat_user and g.agent."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        g.wechat_user, g.agent = agents.signed_in(_require_token())
        return view(*args, **kwargs)
    return wrapper


def admin_required(*roles):
    """Let only a console user holding one of `roles` (or the owner) through; sets g.admin."""
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            g.admin = accounts.admin_from_token(_require_token())
            if roles:
                accounts.require_role(g.admin, roles)
            return view(*args, **kwargs)
        wrapper.admin_roles = roles  # read by the security matrix: the route's lane besides the owner
        return wrapper
    return decorator


def client_ip():
    """The caller's address: behind TRUSTED_PROXIES proxies, the one the nearest proxy saw (see trust_proxies)."""
    return request.remote_addr or "unknown"


def trust_proxies(app, hops):
    """Take the client's address and scheme from the X-Forwarded-For/-Proto of the `hops` proxies in front.

    Only the rightmost `hops` entries are believed: nginx appends the address it saw, so an
    entry the client forged stays to the left and is ignored. Without trusted proxies a
    forwarded request is logged once, because behind a proxy every client would share its
    address: one scan rate limit and one login throttle for everyone.
    """
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
        return
    warned = []

    @app.before_request
    def warn_of_an_untrusted_proxy():
        if not warned and "X-Forwarded-For" in request.headers:
            warned.append(True)
            log.warning("X-Forwarded-For ignored: behind a proxy set TRUSTED_PROXIES (1 behind nginx), "
                        "else every client has the proxy's address for rate limits and scans")


def serve_only_this_machine(app):
    """Answer only requests from this machine (the development key is public, so it may sign nothing for others).

    Checked on every request rather than at start-up: the app never learns what address the
    server (flask run, gunicorn, a test server) binds. The socket's peer, the address ProxyFix
    settled on and every forwarded address must all be loopback, so a proxy on this machine
    relaying the network is refused too.
    """
    log.warning("SECRET_KEY is the development key: only requests from this machine are answered")

    @app.before_request
    def refuse_other_machines():
        environ = request.environ
        peer = environ.get("werkzeug.proxy_fix.orig", environ).get("REMOTE_ADDR")
        forwarded = ",".join(request.headers.getlist("X-Forwarded-For") + request.headers.getlist("X-Real-IP"))
        addresses = [peer, request.remote_addr, *(entry for entry in forwarded.split(",") if entry.strip())]
        if not all(_is_loopback(address) for address in addresses):
            return error_response(403, "development_key", "开发密钥只服务本机：对外提供服务前请设置 SECRET_KEY")
        return None


def _is_loopback(address):
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    return parsed.is_loopback or bool(getattr(parsed, "ipv4_mapped", None) and parsed.ipv4_mapped.is_loopback)


class RowIdConverter(IntegerConverter):
    """`<id:name>` in a route: a positive id that fits BIGINT; anything else is a 404, never an overflow."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ROW_ID)


def admin_actor():
    """Who did it, as stock moves and histories record a console user: "admin:<id>"."""
    return f"admin:{g.admin.id}"


def wechat_login_optional(view):
    """Let anyone through; a signed-in mini-program user (a valid token) sets g.wechat_user and g.openid."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        token = bearer_token()
        g.wechat_user = accounts.wechat_user_from_token(token) if token else None
        g.openid = g.wechat_user.openid if g.wechat_user else ""
        return view(*args, **kwargs)
    return wrapper
