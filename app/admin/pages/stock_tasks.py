"""Console pages: the warehouse's own changes — receiving goods (入库, several products a form), adjusting with a
reason, warehouses (create, edit, the provinces they serve, retire) and their low-stock thresholds.

Roles and schemas are the JSON API's (`app/admin/stock.py`, `app/admin/warehouses.py`): the warehouse changes,
finance reads.
"""
import secrets

from flask import request, url_for

from app import regions
from app.admin import stock as api
from app.admin import warehouses as warehouses_api
from app.admin.pages.inventory import stock_choices
from app.admin.pages.web import act, form_values, load, page, render, whole_number, with_checkboxes
from app.errors import InvalidInput
from app.http import admin_actor
from app.inventory import service as inventory

RECEIPT_ROWS = 8


def _receipt_lines(values):
    """The filled rows of the receipt form as API lines, and each line's row (for marking errors)."""
    lines, rows = [], []
    for row in range(RECEIPT_ROWS):
        product, quantity = values.get(f"lines.{row}.product_id"), values.get(f"lines.{row}.quantity")
        if product or quantity:
            lines.append({"product_id": whole_number(product), "quantity": whole_number(quantity)})
            rows.append(row)
    return lines, rows


def _receive(values):
    lines, rows = _receipt_lines(values)
    if not lines:
        raise InvalidInput.on("lines.0.product_id", "请至少填写一行商品和数量")
    body = {"warehouse_id": whole_number(values.get("warehouse_id")), "lines": lines,
            # A blank reference still books once: the form's own key stands in, so a double submit changes nothing.
            "reference": values.get("reference") or f"入库-{values.get('form_key', '')}"[:64],
            "reason": values.get("reason", "")}
    try:
        return inventory.receive(**load(api.AdminReceiptBody(), body), actor=admin_actor())
    except InvalidInput as exc:
        exc.fields = {_row_field(key, rows): message for key, message in exc.fields.items()}
        raise


def _row_field(key, rows):
    """lines.<line>.x as the form's lines.<row>.x."""
    parts = key.split(".")
    if len(parts) >= 2 and parts[0] == "lines" and parts[1].isdecimal() and int(parts[1]) < len(rows):
        parts[1] = str(rows[int(parts[1])])
    return ".".join(parts)


def _receipt_page(status=200, error=None, values=None):
    return render("inventory/receive.html", status, values=values or {"form_key": secrets.token_urlsafe(12)},
                  errors=error.fields if error else {}, message=error.message if error else None,
                  rows=range(RECEIPT_ROWS), **stock_choices())


@page("/stock/receive", roles=api.WRITE_ROLES, methods=("GET", "POST"))
def stock_receive():
    """Book goods into a warehouse, several products at once; the same receipt number books them once."""
    if request.method == "GET":
        return _receipt_page()
    values = form_values()
    return act(lambda: _receive(values), done=url_for("console.stock"),
               message=lambda change: "这张入库单已入库过，未重复入库" if change.repeated else "已入库",
               redisplay=lambda exc: _receipt_page(exc.status, exc, values))


def _adjustment_page(status=200, error=None, values=None):
    return render("inventory/adjust.html", status, values=values or {}, errors=error.fields if error else {},
                  message=error.message if error else None, **stock_choices())


@page("/stock/adjust", roles=api.WRITE_ROLES, methods=("GET", "POST"))
def stock_adjust():
    """Correct a product's on-hand stock by a signed number of units, with a reason (never below reserved)."""
    if request.method == "GET":
        return _adjustment_page(values=form_values(request.args))
    values = form_values()
    body = {**values, **{name: whole_number(values.get(name)) for name in ("warehouse_id", "product_id", "delta")}}
    return act(lambda: inventory.adjust(**load(api.AdminAdjustmentBody(), body), actor=admin_actor()),
               done=url_for("console.stock_moves"), message="库存已调整",
               redisplay=lambda exc: _adjustment_page(exc.status, exc, values))


def _warehouse_body(values, *, provinces):
    return with_checkboxes({**values, "provinces": provinces}, ("active",))


def _warehouses_page(status=200, error=None, values=None):
    return render("inventory/warehouses.html", status, warehouses=inventory.list_warehouses(),
                  provinces=regions.provinces(), values=values or {"active": "true"},
                  errors=error.fields if error else {}, message=error.message if error else None)


@page("/stock/warehouses", roles=api.READ_ROLES)
def warehouses():
    """The warehouses, the provinces each serves, and a form to add one."""
    return _warehouses_page()


@page("/stock/warehouses", roles=api.WRITE_ROLES, methods=("POST",), endpoint="warehouse_create")
def warehouse_create():
    """Add a warehouse serving the provinces ticked."""
    values = form_values()
    body = _warehouse_body(values, provinces=request.form.getlist("provinces"))
    return act(lambda: inventory.create_warehouse(**load(warehouses_api.AdminWarehouseBody(), body)),
               done=lambda warehouse: url_for("console.warehouse", warehouse_id=warehouse.id),
               message=lambda warehouse: f"已添加仓库 {warehouse.name}",
               redisplay=lambda exc: _warehouses_page(exc.status, exc, {**values, "provinces": body["provinces"]}))


def _warehouse_page(warehouse_id, status=200, error=None, values=None):
    warehouse = inventory.get_warehouse(warehouse_id)
    stock_rows, _ = inventory.list_stock(warehouse_id=warehouse_id, per_page=200)
    shown = values or {"name": warehouse.name, "address": warehouse.address, "provinces": warehouse.province_names,
                       "active": "true" if warehouse.active else "false"}
    return render("inventory/warehouse.html", status, warehouse=warehouse, stock_rows=stock_rows,
                  provinces=regions.provinces(), values=shown, errors=error.fields if error else {},
                  message=error.message if error else None)


@page("/stock/warehouses/<id:warehouse_id>", roles=api.READ_ROLES)
def warehouse(warehouse_id):
    """One warehouse: its details and provinces (editable), and its products' low-stock thresholds."""
    return _warehouse_page(warehouse_id)


@page("/stock/warehouses/<id:warehouse_id>", roles=api.WRITE_ROLES, methods=("POST",), endpoint="warehouse_update")
def warehouse_update(warehouse_id):
    """Change the warehouse's name, address, provinces; untick 启用 to retire it (it keeps its history)."""
    values = form_values()
    body = _warehouse_body(values, provinces=request.form.getlist("provinces"))
    return act(lambda: inventory.update_warehouse(warehouse_id, **load(warehouses_api.AdminWarehousePatchBody(), body)),
               done=url_for("console.warehouse", warehouse_id=warehouse_id), message="仓库已保存",
               redisplay=lambda exc: _warehouse_page(warehouse_id, exc.status, exc,
                                                     {**values, "provinces": body["provinces"]}))


@page("/stock/warehouses/<id:warehouse_id>/thresholds", roles=api.WRITE_ROLES, methods=("POST",))
def warehouse_threshold(warehouse_id):
    """Set a product's low-stock threshold in this warehouse (blank: the product's default)."""
    values = form_values()
    threshold = whole_number(values["threshold"]) if "threshold" in values else None
    body = {"threshold": threshold}
    return act(lambda: inventory.set_threshold(warehouse_id=warehouse_id,
                                               product_id=whole_number(values.get("product_id")),
                                               **load(warehouses_api.AdminThresholdBody(), body)),
               done=url_for("console.warehouse", warehouse_id=warehouse_id), message="安全库存已保存",
               redisplay=lambda exc: _warehouse_page(warehouse_id, exc.status, exc))
