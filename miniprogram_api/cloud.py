"""My cloud stock (云仓): what I hold, buying from my upline's (转货), and my pickups (提货)."""
from flask import g

from app.cloud import service as cloud
from app.cloud.schemas import (CloudHoldingOut, CloudOfferOut, CloudPickupBody, CloudPickupCreatedOut,
                               CloudPickupOut, CloudPickupPageOut, CloudTransferBody, CloudTransferDoneOut,
                               CloudTransferPageOut)
from app.http import Blueprint, agent_required
from app.schemas import PageArgs, page_body

blp = Blueprint("mp_cloud", __name__, url_prefix="/api/mp/cloud", description="云仓")


def _me():
    return f"agent:{g.agent.id}"


@blp.route("/stock", methods=["GET"])
@agent_required
@blp.response(200, CloudHoldingOut(many=True))
def my_stock():
    """My cloud units per product and warehouse, longest held first (buy into it: POST /api/mp/orders with
    to_cloud true)."""
    return cloud.my_cloud_stock(g.agent)


@blp.route("/upline-offers", methods=["GET"])
@agent_required
@blp.response(200, CloudOfferOut(many=True))
def upline_offers():
    """What I can buy from my upline's cloud stock now, at my own level's price."""
    return cloud.upline_offers(g.agent)


@blp.route("/transfers", methods=["POST"])
@agent_required
@blp.arguments(CloudTransferBody)
@blp.response(201, CloudTransferDoneOut)
def buy_from_upline(body):
    """转货: buy units from my upline's cloud stock into mine, paid from my goods balance (货款); a retry with the
    same idempotency_key answers the first (repeated: true); not enough units or money: 409, nothing moves."""
    result = cloud.transfer_from_upline(downline=g.agent, actor=_me(), **body)
    return result, 200 if result.repeated else 201


@blp.route("/transfers", methods=["GET"])
@agent_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, CloudTransferPageOut)
def my_transfers(args):
    """My 转货, bought and sold, newest first."""
    return page_body(cloud.list_transfers(agent_id=g.agent.id, page=args["page"], per_page=args["per_page"]), args)


@blp.route("/pickups", methods=["POST"])
@agent_required
@blp.arguments(CloudPickupBody)
@blp.response(201, CloudPickupCreatedOut)
def request_pickup(body):
    """提货: have some of my cloud units shipped to me or to a customer (consignee fields left out are mine);
    shipping by the templates is paid from my goods balance. Quick entry (POST /api/mp/orders/quick-entry)
    reads pasted text into the consignee and items."""
    pickup, repeated = cloud.request_pickup(agent=g.agent, actor=_me(), **body)
    return {"pickup": pickup, "repeated": repeated}, 200 if repeated else 201


@blp.route("/pickups", methods=["GET"])
@agent_required
@blp.arguments(PageArgs, location="query")
@blp.response(200, CloudPickupPageOut)
def my_pickups(args):
    """My pickups, newest first."""
    return page_body(cloud.list_pickups(agent_id=g.agent.id, page=args["page"], per_page=args["per_page"]), args)


@blp.route("/pickups/<id:pickup_id>", methods=["GET"])
@agent_required
@blp.response(200, CloudPickupOut)
def my_pickup(pickup_id):
    """One of my pickups with its lines (anyone else's is 404)."""
    return cloud.get_pickup(pickup_id, agent=g.agent)


@blp.route("/pickups/<id:pickup_id>/cancel", methods=["POST"])
@agent_required
@blp.response(200, CloudPickupOut)
def cancel_pickup(pickup_id):
    """Cancel one of my pickups while it waits to be picked: the units go back to my cloud stock."""
    return cloud.cancel_pickup(pickup_id, actor=_me(), agent=g.agent)
