"""Console pages: transfers between warehouses (调拨) and the allocation report (智能调配) with its suggestions.

Roles are the JSON API's (`app/admin/transfers.py`): the warehouse dispatches and books arrivals, finance reads.
"""
from flask import request, url_for

from app.admin import transfers as api
from app.admin.pages import exports
from app.admin.pages.inventory import EXPORT_LIMIT, stock_choices
from app.admin.pages.web import (act, error_page, form_values, load, page, query_args, render, whole_number,
                                 without_paging)
from app.http import admin_actor
from app.inventory import service as inventory

STATUS_NAMES = {"in_transit": "在途", "arrived": "已到货"}
FORM_LINES = 5
TRANSFER_HEADERS = ("编号", "调出仓库", "调入仓库", "状态", "商品", "数量", "发出时间", "到货时间", "备注")
ALLOCATION_HEADERS = ("仓库", "商品", "可用", "在途", "安全库存", "近7天发货", "近30天发货", "可售天数")


def _submitted_lines(values):
    """The form's filled-in line rows, in order, as [(product id text, quantity text)]."""
    rows = []
    for index in range(FORM_LINES):
        product_id, quantity = values.get(f"lines.{index}.product_id"), values.get(f"lines.{index}.quantity")
        if product_id or quantity:
            rows.append((product_id or "", quantity or ""))
    return rows


def _dispatch_body(values):
    """The API's dispatch body from the form, and the form's values with its line rows closed up."""
    rows = _submitted_lines(values)
    shown = {key: value for key, value in values.items() if not key.startswith("lines.")}
    for index, (product_id, quantity) in enumerate(rows):
        shown.update({f"lines.{index}.product_id": product_id, f"lines.{index}.quantity": quantity})
    body = {"from_warehouse_id": whole_number(values.get("from_warehouse_id", "")),
            "to_warehouse_id": whole_number(values.get("to_warehouse_id", "")), "note": values.get("note", ""),
            "lines": [{"product_id": whole_number(p), "quantity": whole_number(q)} for p, q in rows]}
    return body, shown


def _choices_and_names():
    """The warehouse and product choices of the forms, and the same as id → name maps for the tables."""
    choices = stock_choices()
    return {**choices, "warehouse_names": dict(choices["warehouses"]), "product_names": dict(choices["products"])}


def _transfers_page(status=200, error=None, values=None):
    args, filter_errors = query_args(api.AdminTransferListArgs())
    items, total = inventory.list_transfers(**args)
    return render("inventory/transfers.html", status, items=items, total=total, args=args,
                  filters=form_values(request.args), filter_errors=filter_errors, values=values or {},
                  errors=error.fields if error else {}, message=error.message if error else None,
                  statuses=STATUS_NAMES, form_lines=range(FORM_LINES), **_choices_and_names())


@page("/transfers", roles=api.READ_ROLES)
def transfer_list():
    """Transfers, newest first, by status or warehouse, and the form to dispatch one."""
    return _transfers_page()


@page("/transfers", roles=api.WRITE_ROLES, methods=("POST",), endpoint="transfer_dispatch")
def transfer_dispatch():
    """Dispatch a transfer typed into the form or taken from an allocation suggestion."""
    body, shown = _dispatch_body(form_values())
    return act(lambda: inventory.dispatch_transfer(**load(api.AdminTransferBody(), body), actor=admin_actor()),
               done=lambda transfer: url_for("console.transfer_detail", transfer_id=transfer.id),
               message=lambda transfer: f"调拨单 #{transfer.id} 已发出，货物在途",
               redisplay=lambda exc: _transfers_page(exc.status, exc, shown))


def _transfer_rows(args):
    items, _ = inventory.list_transfers(**without_paging(args), page=1, per_page=EXPORT_LIMIT)
    names = _choices_and_names()
    warehouses, products = names["warehouse_names"], names["product_names"]
    return ((t.id, warehouses.get(t.from_warehouse_id, t.from_warehouse_id),
             warehouses.get(t.to_warehouse_id, t.to_warehouse_id), STATUS_NAMES[t.status],
             products.get(line.product_id, line.product_id), line.quantity, t.dispatched_at, t.arrived_at, t.note)
            for t in items for line in t.line_list)


exports.register("transfers", title="调拨", headers=TRANSFER_HEADERS, schema=api.AdminTransferListArgs,
                 rows=_transfer_rows,
                 count=lambda args: inventory.list_transfers(**without_paging(args), page=1, per_page=1)[1])


@page("/transfers/export", roles=api.READ_ROLES)
def transfer_export():
    """The filtered transfers as .xlsx, a row per line (in the background when there are many)."""
    return exports.send_export("transfers")


@page("/transfers/<id:transfer_id>", roles=api.READ_ROLES)
def transfer_detail(transfer_id):
    """One transfer: its ends, lines and times, and booking its arrival."""
    return render("inventory/transfer.html", transfer=inventory.get_transfer(transfer_id), statuses=STATUS_NAMES,
                  **_choices_and_names())


@page("/transfers/<id:transfer_id>/arrive", roles=api.WRITE_ROLES, methods=("POST",))
def transfer_arrive(transfer_id):
    """Book the goods into the destination warehouse."""
    done = url_for("console.transfer_detail", transfer_id=transfer_id)
    return act(lambda: inventory.arrive_transfer(transfer_id, actor=admin_actor()), done=done,
               message="已到货入库", redisplay=lambda exc: error_page(exc.status, exc.message))


@page("/allocation", roles=api.READ_ROLES)
def allocation_page():
    """Demand, stock and days of cover per warehouse and product, with transfers worth making."""
    args, errors = query_args(api.AdminAllocationArgs())
    rows, suggestions = inventory.allocation_report(**args)
    return render("inventory/allocation.html", args=args, errors=errors, rows=rows, suggestions=suggestions,
                  filters=form_values(request.args), **_choices_and_names())


def _allocation_rows(args):
    rows, _ = inventory.allocation_report(**args)
    return ((r.warehouse_name, r.product_name, r.available, r.in_transit, r.threshold, r.shipped_7d, r.shipped_30d,
             r.days_of_cover) for r in rows)


exports.register("allocation", title="调配", headers=ALLOCATION_HEADERS, schema=api.AdminAllocationArgs,
                 rows=_allocation_rows, count=lambda args: len(inventory.allocation_report(**args)[0]))


@page("/allocation/export", roles=api.READ_ROLES)
def allocation_export():
    """The allocation rows as .xlsx."""
    return exports.send_export("allocation")
