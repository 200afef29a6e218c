"""Console pages: inventory — stock with thresholds, the ledger of moves, and stock-takes (盘点).

Roles are the JSON API's (`app/admin/stock.py`): the warehouse changes stock, finance reads.
"""
from flask import request, url_for

from app.admin import stock as api
from app.admin import stocktakes as stocktakes_api
from app.admin.pages import exports
from app.admin.pages.web import (act, download, form_values, load, page, query_args, render, whole_number,
                                 without_paging)
from app.catalog import service as catalog
from app.clock import local_text
from app.errors import InvalidInput
from app.exports import table_file
from app.http import admin_actor
from app.inventory import service as inventory
from app.orders import service as orders
from app.schemas import PageArgs

MOVE_KIND_NAMES = {"receive": "入库", "reserve": "预留", "release": "释放", "ship": "发货", "return": "退货",
                   "adjust": "调整", "transfer_out": "调出", "transfer_in": "调入", "stocktake": "盘点"}
STOCK_HEADERS = ("仓库", "商品", "在库", "预留", "可用", "安全库存")
EXPORT_LIMIT = 100_000
STOCK_TAKE_STATUS_NAMES = {"open": "进行中", "posted": "已过账"}
STOCK_TAKE_HEADERS = ("编号", "仓库", "状态", "开始", "过账", "原因")


def stock_choices():
    products, _ = catalog.list_products(per_page=200)
    return {"warehouses": [(w.id, w.name) for w in inventory.list_warehouses()],
            "products": [(p.id, p.name) for p in products]}


@page("/stock", roles=api.READ_ROLES)
def stock():
    """Stock per warehouse and product, optionally only rows under their threshold."""
    args, errors = query_args(api.AdminStockListArgs())
    items, total = inventory.list_stock(**args)
    return render("inventory/stock.html", items=items, total=total, args=args, errors=errors,
                  filters=form_values(request.args), **stock_choices())


def _stock_rows(args):
    items, _ = inventory.list_stock(**without_paging(args), page=1, per_page=EXPORT_LIMIT)
    return ((r["warehouse_name"], r["product_name"], r["on_hand"], r["reserved"], r["available"], r["threshold"])
            for r in items)


exports.register("stock", title="库存", headers=STOCK_HEADERS, schema=api.AdminStockListArgs, rows=_stock_rows,
                 count=lambda args: inventory.list_stock(**without_paging(args), page=1, per_page=1)[1])
exports.register("stock-moves", title="库存流水", headers=api.MOVE_EXPORT_HEADERS, schema=api.AdminMoveFilterArgs,
                 rows=api.moves_rows, count=lambda args: inventory.list_moves(**args, page=1, per_page=1)[1])


@page("/stock/export", roles=api.READ_ROLES)
def stock_export():
    """The filtered stock rows as .xlsx (in the background when there are many)."""
    return exports.send_export("stock")


@page("/stock/moves", roles=api.READ_ROLES)
def stock_moves():
    """The stock ledger, newest first, filtered by warehouse, product, kind or reference."""
    args, errors = query_args(api.AdminMoveListArgs())
    order_id = orders.id_from_order_no(args.get("reference"))
    if order_id is not None:  # an order number names the order's moves (its reservation, shipment, returns)
        args["reference"] = orders.stock_reference(order_id)
    items, total = inventory.list_moves(**args)
    filters = form_values(request.args)
    return render("inventory/moves.html", items=items, total=total, args=args, errors=errors, filters=filters,
                  export_filters={**filters, **({"reference": args["reference"]} if order_id else {})},
                  kinds=MOVE_KIND_NAMES, **stock_choices())


@page("/stock/moves/export", roles=api.READ_ROLES)
def stock_moves_export():
    """The filtered ledger as .xlsx (in the background when there are many)."""
    return exports.send_export("stock-moves")


def _stock_takes_page(status=200, error=None, values=None):
    args, _ = query_args(PageArgs())
    items, total = inventory.list_stock_takes(**args)
    return render("inventory/stocktakes.html", status, items=items, total=total, args=args, values=values or {},
                  errors=error.fields if error else {}, message=error.message if error else None, **stock_choices())


@page("/stocktakes", roles=api.READ_ROLES)
def stock_takes():
    """Stock-takes, newest first, and the form to open one."""
    return _stock_takes_page()


exports.register_list("stock-takes", title="盘点", headers=STOCK_TAKE_HEADERS, schema=PageArgs,
                      lister=inventory.list_stock_takes,
                      shape=lambda items: ((t.id, t.warehouse.name, STOCK_TAKE_STATUS_NAMES.get(t.status, t.status),
                                            local_text(t.opened_at), local_text(t.posted_at), t.reason) for t in items))


@page("/stocktakes/export", roles=api.READ_ROLES)
def stock_takes_export():
    """The stock-takes as .xlsx."""
    return exports.send_export("stock-takes")


@page("/stocktakes", roles=api.WRITE_ROLES, methods=("POST",), endpoint="stock_take_open")
def stock_take_open():
    """Open a count of a warehouse."""
    values = form_values()
    body = {"warehouse_id": int(values["warehouse_id"]) if values.get("warehouse_id", "").isdigit() else None}
    return act(lambda: inventory.open_stock_take(**load(stocktakes_api.AdminStockTakeBody(), body),
                                                  actor=admin_actor()),
               done=lambda take: url_for("console.stock_take", stock_take_id=take.id), message="已开始盘点",
               redisplay=lambda exc: _stock_takes_page(exc.status, exc, values))


def _stock_take_page(stock_take_id, status=200, error=None, values=None):
    take = inventory.get_stock_take(stock_take_id)
    counted = {row.product_id: row for row in inventory.differences(stock_take_id)}
    sheet = inventory.count_sheet(stock_take_id)
    return render("inventory/stocktake.html", status, take=take, sheet=sheet, counted=counted,
                  warehouse=inventory.get_warehouse(take.warehouse_id), values=values or {},
                  errors=error.fields if error else {}, message=error.message if error else None)


@page("/stocktakes/<id:stock_take_id>", roles=api.READ_ROLES)
def stock_take(stock_take_id):
    """One stock-take: the count form (a row per product in the warehouse), the differences, posting."""
    return _stock_take_page(stock_take_id)


@page("/stocktakes/<id:stock_take_id>/sheet", roles=api.READ_ROLES)
def stock_take_sheet(stock_take_id):
    """A blank count sheet (.xlsx) to print or fill in and upload."""
    content, mimetype, extension = table_file("xlsx", inventory.SHEET_HEADERS, inventory.count_sheet(stock_take_id),
                                              title="盘点表")
    return download(content, mimetype, f"stocktake-{stock_take_id}.{extension}")


def _counts(values):
    """The count form's `counted.<product id>` fields as the API's counts body (blank ones are not counted)."""
    counts = []
    for key, value in values.items():
        if key.startswith("counted."):
            product_id = key.removeprefix("counted.")
            counts.append({"product_id": whole_number(product_id), "counted": whole_number(value)})
    return counts


def _stock_take_action(stock_take_id, call, message):
    values = form_values()
    return act(lambda: call(values), done=url_for("console.stock_take", stock_take_id=stock_take_id), message=message,
               redisplay=lambda exc: _stock_take_page(stock_take_id, exc.status, exc, values))


@page("/stocktakes/<id:stock_take_id>/counts", roles=api.WRITE_ROLES, methods=("POST",))
def stock_take_counts(stock_take_id):
    """Record the counts typed into the form."""
    return _stock_take_action(stock_take_id, lambda values: inventory.enter_counts(
        stock_take_id, **load(stocktakes_api.AdminCountsBody(), {"counts": _counts(values)})), "已保存盘点数量")


def _uploaded_counts(stock_take_id):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput.on("file", "请上传 .xlsx 文件")
    return inventory.upload_counts(stock_take_id, content=upload.read())


@page("/stocktakes/<id:stock_take_id>/upload", roles=api.WRITE_ROLES, methods=("POST",))
def stock_take_upload(stock_take_id):
    """Record the counts of a filled-in sheet."""
    return _stock_take_action(stock_take_id, lambda values: _uploaded_counts(stock_take_id), "已导入盘点数量")


@page("/stocktakes/<id:stock_take_id>/post", roles=api.WRITE_ROLES, methods=("POST",))
def stock_take_post(stock_take_id):
    """Post the differences: on-hand becomes the count, one stock move per difference."""
    return _stock_take_action(stock_take_id, lambda values: inventory.post_stock_take(
        stock_take_id, actor=admin_actor(), **load(stocktakes_api.AdminPostStockTakeBody(), values)), "盘点已过账")
