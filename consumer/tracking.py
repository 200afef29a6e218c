"""The customer's tracking page (`/t/<token>`, the share link an agent sends) and the logistics provider's
push callback (`/tracking/kuaidi100/<parcel token>`).

The page is like the scan page: server-rendered, no login, no scripts, rate-limited per address,
and it shows nothing of the agent (no price it paid, no phone, no name). An unknown and a revoked link
answer the same 404 page.
"""
from flask import Blueprint, jsonify, request

from app.errors import DomainError
from app.orders import service as orders
from app.ratelimit import limiter, tracking_limited
from consumer import page_answer

blp = Blueprint("tracking_page", __name__, url_prefix="/t", template_folder="templates")
push_blp = Blueprint("tracking_push", __name__, url_prefix="/tracking")


@blp.route("/<token>", methods=["GET"])
@tracking_limited
def show(token):
    """The order's brand, items, status timeline, carrier and trace."""
    try:
        view = orders.tracking_page(token[:64])
    except DomainError as exc:
        return page_answer("tracking_message.html", exc.status, message=exc.message)
    return page_answer("tracking.html", view=view)


@blp.errorhandler(429)
def too_many(_exc):
    """Too many pages from one address: a Chinese page."""
    return page_answer("tracking_message.html", 429, message="查询过于频繁，请稍后再试")


@push_blp.route("/kuaidi100/<token>", methods=["POST"])
@limiter.exempt
def kuaidi100_push(token):
    """A 快递100 push (form `param`, `sign`): 200 with 快递100's success answer, else 4xx in the one error shape
    (with `result` false, which 快递100 reads as not taken)."""
    try:
        orders.accept_push(callback_token=token[:64], param=request.form.get("param"),
                             sign=(request.form.get("sign") or "")[:64])
    except DomainError as exc:
        return jsonify(result=False, returnCode=str(exc.status), message=exc.message, **exc.to_dict()), exc.status
    return jsonify(result=True, returnCode="200", message="成功")
