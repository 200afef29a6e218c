"""The public verification of agents (授权查询): `/a/<授权编号>`, the page a certificate's QR opens, and `/a?q=`,
a search by number, WeChat ID or phone.

Like the scan page it is server-rendered and self-contained; the answer is whether
this is an authorized agent, its masked name, level, region, term and status —
never a phone or a WeChat ID, not even the one that was typed.
"""
from flask import Blueprint, request

from app.authorization import service as authorization
from app.http import client_ip
from app.ratelimit import authorization_lookup_limited
from consumer import page_answer

blp = Blueprint("authorization_page", __name__, url_prefix="/a", template_folder="templates")

CARD_KINDS = {"authorized": "ok", "changed": "warn", "invalid": "info"}


def _answer(text):
    verifications = authorization.verify(text=text, ip=client_ip(), user_agent=request.headers.get("User-Agent", ""))
    return page_answer("authorization.html", verifications=verifications, kinds=CARD_KINDS)


@blp.route("", methods=["GET"], strict_slashes=False)
@authorization_lookup_limited
def search():
    """The search form; with `q` (a number, a WeChat ID or a phone), its answer."""
    query = (request.args.get("q") or "").strip()[:64]
    if not query:
        return page_answer("authorization.html", verifications=None, kinds=CARD_KINDS)
    return _answer(query)


@blp.route("/<path:number>", methods=["GET"])
@authorization_lookup_limited
def certificate(number):
    """The answer for one certificate number (what its QR opens)."""
    return _answer(number[:64])


@blp.errorhandler(429)
def too_many(_exc):
    """Too many look-ups from one address: a Chinese page, not JSON."""
    return page_answer("message.html", 429, code="", kind="bad", message="查询过于频繁，请稍后再试", heading="授权查询")
