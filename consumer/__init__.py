"""The consumer's door: the page WeChat opens when the QR on a product is scanned (`/v/<code>`).

Server-rendered, small and self-contained (inline CSS, no scripts, fonts or
images from elsewhere), so it opens fast on any phone and leaks no visit to a
third party. It never shows who the agent is.
"""
import functools
from types import MappingProxyType
from urllib.parse import urlparse

from flask import Blueprint, current_app, redirect, request, url_for
from markupsafe import Markup

from app import regions
from app.clock import local_text
from app.authorization import service as authorization
from app.codes import service as codes
from app.config import get_settings
from app.errors import DomainError
from app.http import client_ip
from app.money import parse_yuan
from app.ratelimit import lookup_limited

blp = Blueprint("consumer", __name__, url_prefix="/v", template_folder="templates")

PIN_ANSWERS = {
    "correct": ("ok", "刮开码正确：您手中的标签是品牌原装标签"),
    "wrong": ("bad", "刮开码不正确，请核对后重试"),
    "locked": ("bad", "刮开码输错次数过多，已暂停验证，请联系品牌方核实"),
    "no_pin": ("info", "该防伪码没有刮开码"),
}


@functools.lru_cache(maxsize=1)
def _province_options():
    """The province <option>s of the report form, escaped once: a scan page rendered them, 34 of them, each time."""
    return Markup("").join(Markup("<option>{}</option>").format(province) for province in regions.provinces())


def page_answer(template, status=200, **context):
    """A consumer page: never cached, nothing loaded from elsewhere (the Content-Security-Policy enforces it);
    images only from us: the brand's logo (same origin) and product photos (at the public address)."""
    return _rendered(f"consumer/{template}", context), status, _page_headers(get_settings().PUBLIC_BASE_URL)


def _rendered(name, context):
    """The template `name` with the environment's globals (`url_for`, `brand`, `request`…) and `context`, as
    `render_template` renders it. Flask's copy of the globals, through the chain of maps Jinja keeps them in, and
    its context processors (run twice, the app's and the blueprint's) were a sixth of a scan page's rendering."""
    environment = current_app.jinja_env
    template = environment.get_template(name)
    try:
        return environment.concat(template.root_render_func(
            template.new_context({**environment.globals, **context}, shared=True)))
    except Exception:
        return environment.handle_exception()  # as Template.render: the traceback names the template's lines


@functools.lru_cache(maxsize=4)
def _page_headers(public_base_url):
    """A consumer page's headers for the configured public address, written once per address (read-only)."""
    public = urlparse(public_base_url)
    return MappingProxyType({
        "Cache-Control": "no-store", "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
        f"form-action 'self'; img-src 'self' data: {public.scheme}://{public.netloc}"})



@blp.app_template_filter("local_time")
def local_time(moment):
    """A stored UTC time as the brand's local "YYYY-MM-DD HH:MM"."""
    return local_text(moment)


@blp.route("/", methods=["GET"])
def typed_code():
    """The form to type a code by hand; a typed code goes to its page."""
    code = (request.args.get("code") or "").strip()[:64]
    if code:
        return redirect(url_for("consumer.scan", code=code.replace("/", "")))
    return page_answer("enter.html")


@blp.route("/<path:code>", methods=["GET"])
@lookup_limited
def scan(code):
    """Check the code and record the scan; the consumer may pick a region (?province=&city=)."""
    verdict = codes.look_up(text=code[:64], ip=client_ip(), user_agent=request.headers.get("User-Agent", ""),
                            province=request.args.get("province", "")[:32], city=request.args.get("city", "")[:32])
    number = (authorization.verify_number_for_agent(agent_id=verdict.agent_id)
              if verdict.genuine and not verdict.unshipped else None)
    return page_answer("scan.html", verdict=verdict, province_options=_province_options(),
                       authorization_number=number)


@blp.route("/<path:code>/pin", methods=["POST"])
@lookup_limited
def pin(code):
    """Check the scratch-off PIN of a code."""
    try:
        kind, message = PIN_ANSWERS[codes.check_pin(text=code[:64], pin=request.form.get("pin", "")[:16],
                                                    ip=client_ip())]
    except DomainError as exc:
        kind, message = "bad", exc.message
    return page_answer("message.html", code=code[:64], kind=kind, message=message)


@blp.route("/<path:code>/report", methods=["POST"])
@lookup_limited
def report(code):
    """The consumer's region, price paid and place of purchase after a scan."""
    form = request.form
    try:
        price = (form.get("price") or "").strip()
        codes.report(text=code[:64], token=form.get("token", "")[:512], province=form.get("province", "")[:32],
                     city=form.get("city", "")[:32], price_fen=parse_yuan(price) if price else None,
                     place=form.get("place", "")[:64])
        kind, message = "ok", "感谢您的反馈！"
    except ValueError:
        kind, message = "bad", "价格格式不正确，请填写数字，如 99.00"
    except DomainError as exc:
        kind, message = "bad", exc.message
    return page_answer("message.html", code=code[:64], kind=kind, message=message)


@blp.errorhandler(429)
def too_many(_exc):
    """Too many look-ups from one address: a Chinese page, not JSON."""
    return page_answer("message.html", 429, code="", kind="bad", message="查询过于频繁，请稍后再试")
