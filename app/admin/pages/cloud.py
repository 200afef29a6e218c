"""Console pages: cloud stock (云仓) — holdings per agent and product with their age (囤货, a compliance signal)
and its export, the cloud moves, 转货 between agents (listed, exported, reversed), and the pickups (提货) the
warehouse picks and ships, each with a page of its own (the codes packed in it).

Roles are the JSON API's (`app/admin/cloud.py`): the warehouse picks and ships, finance reads and reverses 转货.
"""
from flask import request, url_for

from app.admin import cloud as api
from app.admin.pages import exports
from app.admin.pages.inventory import stock_choices
from app.admin.pages.web import act, error_page, form_values, page, query_args, render, without_paging
from app.cloud import service as cloud
from app.cloud.schemas import MOVE_REASON_NAMES
from app.cloud.service import PICKUP_STATE_NAMES
from app.codes import service as codes
from app.http import admin_actor

AGE_CHOICES = ((1, "1个月以上"), (3, "3个月以上"), (6, "6个月以上"), (12, "12个月以上"))


@page("/cloud", roles=api.READ_ROLES)
def cloud_stock():
    """Cloud stock per agent, product and warehouse, longest held first; filtered by how long it is held."""
    args, errors = query_args(api.AdminCloudListArgs())
    items, total = cloud.list_holdings(**args)
    return render("inventory/cloud.html", items=items, total=total, args=args, errors=errors,
                  filters=form_values(request.args), ages=AGE_CHOICES, **stock_choices())


exports.register("cloud-stock", title="云仓库存", headers=api.HOLDING_HEADERS, schema=api.AdminCloudFilterArgs,
                 rows=api.holding_rows, count=lambda args: cloud.list_holdings(**args, page=1, per_page=1)[1])


@page("/cloud/export", roles=api.READ_ROLES)
def cloud_export():
    """The filtered holdings with their age as .xlsx (in the background when there are many)."""
    return exports.send_export("cloud-stock")


@page("/cloud/moves", roles=api.READ_ROLES)
def cloud_moves():
    """Cloud moves, newest first, by agent, product and reason."""
    args, errors = query_args(api.AdminCloudMoveArgs())
    items, total = cloud.list_moves(**args)
    return render("inventory/cloud_moves.html", items=items, total=total, args=args, errors=errors,
                  filters=form_values(request.args), reasons=MOVE_REASON_NAMES, **stock_choices())


@page("/cloud/transfers", roles=api.READ_ROLES)
def cloud_transfers():
    """转货 between agents, newest first, by agent, product and day; finance (or the owner) reverses one."""
    args, errors = query_args(api.AdminCloudTransferArgs())
    items, total = cloud.list_transfers(**args)
    return render("inventory/cloud_transfers.html", rows=cloud.transfer_rows(items), total=total, args=args,
                  errors=errors, filters=form_values(request.args), **stock_choices())


exports.register_list("cloud-transfers", title="转货记录", headers=api.TRANSFER_HEADERS,
                      schema=api.AdminCloudTransferFilterArgs, lister=cloud.list_transfers,
                      shape=lambda items: api.transfer_rows(cloud.transfer_rows(items)))


@page("/cloud/transfers/export", roles=api.READ_ROLES)
def cloud_transfers_export():
    """The filtered 转货 as .xlsx (in the background when there are many)."""
    return exports.send_export("cloud-transfers")


@page("/cloud/transfers/<id:transfer_id>/reverse", roles=api.REVERSE_ROLES, methods=("POST",))
def cloud_transfer_reverse(transfer_id):
    """Reverse a 转货 with the reason typed in: units and money go back."""
    return act(lambda: cloud.reverse_transfer(transfer_id, actor=admin_actor(), reason=form_values().get("reason", "")),
               done=url_for("console.cloud_transfers", **form_values(request.args)),
               message=f"转货 #{transfer_id} 已撤销，货物退回上级云仓，货款退回下级", redisplay=_refused)


@page("/cloud/pickups", roles=api.READ_ROLES)
def cloud_pickups():
    """Pickups (提货), newest first, by status; the warehouse picks, ships (with the codes packed) or cancels."""
    args, errors = query_args(api.AdminCloudPickupArgs())
    items, total = cloud.list_pickups(**without_paging(args), page=args["page"], per_page=args["per_page"])
    for item in items:
        item.line_list = cloud.get_pickup(item.id).line_list
    return render("inventory/cloud_pickups.html", items=items, total=total, args=args, errors=errors,
                  filters=form_values(request.args), statuses=PICKUP_STATE_NAMES)


@page("/cloud/pickups/<id:pickup_id>", roles=api.READ_ROLES)
def cloud_pickup(pickup_id):
    """One pickup: its consignee, lines, shipment and, once shipped, the codes packed in it (as an order's page
    shows an order's)."""
    pickup = cloud.get_pickup(pickup_id)
    return render("inventory/cloud_pickup.html", pickup=pickup, statuses=PICKUP_STATE_NAMES,
                  shipment_codes=codes.codes_of_shipment(pickup_id=pickup.id) if pickup.shipped_at else ([], 0),
                  product_names={line.product_id: line.product_name for line in pickup.line_list})


def _back():
    return url_for("console.cloud_pickups", **form_values(request.args))


def _refused(exc):
    return error_page(exc.status, exc.message)


@page("/cloud/pickups/<id:pickup_id>/pick", roles=api.WRITE_ROLES, methods=("POST",))
def cloud_pickup_pick(pickup_id):
    """Start picking a waiting pickup."""
    return act(lambda: cloud.pick_pickup(pickup_id, actor=admin_actor()), done=_back(),
               message=f"提货单 #{pickup_id} 开始配货", redisplay=_refused)


@page("/cloud/pickups/<id:pickup_id>/ship", roles=api.WRITE_ROLES, methods=("POST",))
def cloud_pickup_ship(pickup_id):
    """Ship a picked pickup with carrier, tracking number and the codes scanned at packing (one per line)."""
    values = form_values()
    codes = [line.strip() for line in values.get("codes", "").splitlines() if line.strip()]
    return act(lambda: cloud.ship_pickup(pickup_id, actor=admin_actor(), carrier=values.get("carrier", ""),
                                         tracking_no=values.get("tracking_no", ""), codes_scanned=codes),
               done=_back(), message=f"提货单 #{pickup_id} 已发货", redisplay=_refused)


@page("/cloud/pickups/<id:pickup_id>/cancel", roles=api.WRITE_ROLES, methods=("POST",))
def cloud_pickup_cancel(pickup_id):
    """Cancel a pickup not yet shipped: the units go back to the agent's cloud stock."""
    return act(lambda: cloud.cancel_pickup(pickup_id, actor=admin_actor()), done=_back(),
               message=f"提货单 #{pickup_id} 已取消，货物退回云仓", redisplay=_refused)
