"""Console pages: orders — the list with filters and batch actions, the detail with every allowed action,
quick entry, and the batch shipment upload.

Roles are the JSON API's (`app/admin/orders.py`): staff process, finance confirms
payments and refunds, the warehouse picks and ships, every role reads.
"""
import re
import secrets

from flask import g, request, send_file, url_for

from app.admin import orders as api
from app.admin.pages import exports
from app.admin.pages.web import (act, download, form_values, holds_role, load, page, pick_agents, picked_filters,
                                 query_args, render, whole_number, without_paging)
from app.catalog import service as catalog
from app.codes import service as codes
from app.errors import InvalidInput
from app.http import admin_actor
from app.orders import service as order_service  # `orders` is the list page below
from app.orders.schemas import OrderReasonBody, OrderRequiredReasonBody

ENTRY_ROWS = 5
# The order page's actions by what they do; refunds, cancellations and rejections stand apart, below them.
ACTION_GROUPS = (("付款", ("pay",)), ("审批与发货", ("approve", "pick", "store", "ship", "receive", "complete")),
                 ("防伪码", ("codes",)))
DANGER_ACTIONS = ("refund", "cancel", "reject")


def action_groups(actions):
    """ACTION_GROUPS, any action none of them names joining 审批与发货 (a new action is never left off the page)."""
    known = {action for _, members in ACTION_GROUPS for action in members} | set(DANGER_ACTIONS)
    others = tuple(action for action in actions if action not in known)
    return [(title, members + others if title == "审批与发货" else members) for title, members in ACTION_GROUPS]
REFUND_STATES = {"refunding": "退款中", "succeeded": "已退款", "failed": "退款失败"}
CODE_SEPARATORS = re.compile(r"[\s,，;；]+")


def _filters(args):
    """The list's query arguments as `order_service.list_orders` filters."""
    return {("buyer_agent_id" if key == "agent_id" else key): value for key, value in without_paging(args).items()}


@page("/orders", roles=api.READ_ROLES)
def orders():
    """Orders, newest first, with filters, a page at a time; batch actions on the ticked ones."""
    args, errors = query_args(api.AdminOrderListArgs(), agent_fields=("agent_id",))
    items, total = order_service.list_orders(**_filters(args), page=args["page"], per_page=args["per_page"])
    return render("orders/list.html", items=items, total=total, args=args, errors=errors,
                  filters=picked_filters(args, ("agent_id",)), states=order_service.STATE_NAMES, order_no=order_service.order_no)


exports.register("orders", title="订单", headers=order_service.EXPORT_HEADERS, schema=api.AdminOrderFilterArgs,
                 rows=lambda args: order_service.export_rows(**_filters(args)),
                 count=lambda args: order_service.list_orders(**_filters(args), page=1, per_page=1)[1])


@page("/orders/export", roles=api.READ_ROLES)
def orders_export():
    """The filtered orders as .xlsx (in the background when there are many)."""
    return exports.send_export("orders")


def _detail(order_id, *, status=200, failed=None, error=None, values=None):
    order = order_service.get_order(order_id)
    actions = [action for action in order_service.allowed_actions(order.status, to_cloud=order.to_cloud)
               if holds_role(g.admin, ACTION_ROLES[action])]
    if order.status in ("picking", "shipped") and holds_role(g.admin, api.WAREHOUSE):
        actions.append("codes")
    return render("orders/detail.html", status, order=order, order_no=order_service.order_no(order), actions=actions,
                  states=order_service.STATE_NAMES, action_names=order_service.ACTION_NAMES, failed=failed, values=values or {},
                  action_groups=action_groups(actions), danger_actions=DANGER_ACTIONS,
                  message=error.message if error else None, errors=error.fields if error else {},
                  tracked=order_service.order_tracking(order.id), carriers=order_service.carrier_choices(),
                  may_share=holds_role(g.admin, api.STAFF), may_track=holds_role(g.admin, api.STAFF + api.WAREHOUSE),
                  wechat_refunds=order_service.list_wechat_refunds(order_id), refund_states=REFUND_STATES,
                  shipment_codes=codes.codes_of_shipment(order_id=order_id) if order.shipped_at else ([], 0),
                  product_names={line.product_id: line.product_name for line in order.line_list})


@page("/orders/<id:order_id>", roles=api.READ_ROLES)
def order(order_id):
    """One order: its lines, amounts, event log and a button for every action the role may take now."""
    return _detail(order_id)


@page("/orders/<id:order_id>/payment-proof", roles=api.FINANCE)
def order_payment_proof(order_id):
    """The order's transfer proof image, shown on its page to finance."""
    path, mimetype, name = order_service.payment_proof_file(order_id)
    return send_file(path, mimetype=mimetype, max_age=0, download_name=name)


def _codes(values):
    return [code for code in CODE_SEPARATORS.split(values.get("codes", "")) if code]


def _reason(values, required):
    return load(OrderRequiredReasonBody() if required else OrderReasonBody(), values)["reason"]


def _pay(order_id, values):
    form = load(api.AdminPaymentForm(), values)
    upload = request.files.get("proof")
    proof = upload.read() if upload and upload.filename else None
    return order_service.confirm_offline_payment(order_id, actor=admin_actor(), amount_fen=form["amount"],
                                            payment_ref=form["payment_ref"], proof_content=proof)


def _ship(order_id, values):
    body = load(api.AdminShipBody(), {**values, "codes": _codes(values)})
    return order_service.ship(order_id, actor=admin_actor(), **body)


def _bind(order_id, values):
    body = load(api.AdminBindCodesBody(), {"codes": _codes(values)})
    return order_service.bind_codes(order_id, actor=admin_actor(), **body)


REFUND_QUANTITY = re.compile(r"refund\.(\d{1,18})")


def _refund_lines(values):
    """The units typed per product (refund.<product id>), or None for a whole refund (the 全额退款 button)."""
    if values.get("scope") != "lines":
        return None
    lines = [{"product_id": int(match[1]), "quantity": whole_number(quantity)}
             for key, quantity in values.items() if (match := REFUND_QUANTITY.fullmatch(key)) and quantity != "0"]
    if not lines:
        raise InvalidInput.on("refund", "请填写要退的商品数量，或选择全额退款")
    return lines


def _refund(order_id, values):
    body = load(api.AdminRefundBody(), {"reason": values.get("reason", ""), "goods_back": "goods_back" in values,
                                        "lines": _refund_lines(values)})
    return order_service.refund(order_id, actor=admin_actor(), **body)


def _share(order_id, values):
    return order_service.share_link(order_id, actor=admin_actor(), show_prices="show_prices" in values)


# action: (roles, what it does with the order id and the form, the message on success)
ACTIONS = {
    "approve": (api.STAFF, lambda i, v: order_service.approve(i, actor=admin_actor(), reason=_reason(v, False)), "已审核通过"),
    "reject": (api.STAFF, lambda i, v: order_service.reject(i, actor=admin_actor(), reason=_reason(v, True)), "已驳回"),
    "pay": (api.FINANCE, _pay, lambda result: "已确认付款" if result[1] else "此前已确认付款，未重复处理"),
    "pick": (api.WAREHOUSE, lambda i, v: order_service.pick(i, actor=admin_actor()), "已开始配货"),
    "store": (api.WAREHOUSE, lambda i, v: order_service.store(i, actor=admin_actor()), "已入云仓"),
    "ship": (api.WAREHOUSE, _ship, "已发货"),
    "codes": (api.WAREHOUSE, _bind, lambda result: f"已绑定 {result['bound']} 个防伪码"),
    "receive": (api.STAFF, lambda i, v: order_service.receive(i, actor=admin_actor()), "已确认收货"),
    "complete": (api.STAFF, lambda i, v: order_service.complete(i, actor=admin_actor()), "订单已完成"),
    "cancel": (api.STAFF, lambda i, v: order_service.cancel(i, actor=admin_actor(), reason=_reason(v, True)), "订单已取消"),
    "refund": (api.FINANCE, _refund, lambda result: "已提交微信退款，微信确认退款成功后记账"
               if getattr(result, "status", "") == "refunding" else "已退款"),
    "tracking_link": (api.STAFF, _share, "分享链接已更新"),
    "tracking_link_revoke": (api.STAFF, lambda i, v: order_service.revoke_links(i, actor=admin_actor()),
                             "分享链接已停用，客户打开旧链接将看到链接已失效"),
    "tracking_refresh": (api.STAFF + api.WAREHOUSE, lambda i, v: order_service.refresh_trace(i),
                         lambda taken: f"物流已刷新，新增 {taken.added} 条"),
    "tracking_resubscribe": (api.STAFF + api.WAREHOUSE, lambda i, v: order_service.resubscribe(i), "已重新提交订阅"),
}
ACTION_ROLES = {action: roles for action, (roles, _, _) in ACTIONS.items()}


def _action_page(action, call, message):
    def view(order_id):
        values = form_values()
        return act(lambda: call(order_id, values), done=url_for("console.order", order_id=order_id),
                   message=message,
                   redisplay=lambda exc: _detail(order_id, status=exc.status, failed=action, error=exc,
                                                 values=values))
    view.__doc__ = f"{order_service.ACTION_NAMES.get(action, action)} (one service call), back to the order."
    return view


for _action, (_roles, _call, _message) in ACTIONS.items():
    page(f"/orders/<id:order_id>/{_action}", roles=_roles, methods=("POST",),
         endpoint=f"order_{_action}")(_action_page(_action, _call, _message))


def _ticked():
    try:
        return [int(value) for value in request.form.getlist("order_ids")]
    except ValueError as exc:
        raise InvalidInput.on("order_ids", "订单编号无效") from exc


def _batch_results(title, call):
    try:
        results = call(_ticked())
    except InvalidInput as exc:
        return render("orders/results.html", exc.status, title=title, results=[], message=exc.message)
    return render("orders/results.html", title=title, results=results, message=None)


@page("/orders/batch/pay", roles=api.FINANCE, methods=("POST",))
def orders_batch_pay():
    """Confirm the full payment of the ticked orders; a result per order."""
    return _batch_results("批量确认付款", lambda ids: order_service.confirm_payments(ids, actor=admin_actor()))


@page("/orders/batch/pick", roles=api.WAREHOUSE, methods=("POST",))
def orders_batch_pick():
    """Start picking the ticked orders; a result per order."""
    return _batch_results("批量开始配货", lambda ids: order_service.mark_picked(ids, actor=admin_actor()))


@page("/orders/picking-list", roles=api.WAREHOUSE, methods=("POST",))
def orders_picking_list():
    """The picking lists of the ticked orders, one PDF."""
    ids = _ticked()
    if not ids:
        return render("orders/results.html", 422, title="配货单", results=[], message="请先勾选订单")
    return download(order_service.picking_list_pdf(ids), "application/pdf", "picking-list.pdf")


@page("/orders/batch/ship", roles=api.WAREHOUSE, methods=("GET", "POST"))
def orders_batch_ship():
    """Upload an .xlsx/.csv of 订单号, 快递公司, 快递单号; every row's result is shown."""
    if request.method == "GET":
        return render("orders/batch_ship.html", results=None, errors={}, message=None)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise InvalidInput.on("file", "请上传 .xlsx 或 .csv 文件")
        results = order_service.ship_from_file(upload.read(), filename=upload.filename, actor=admin_actor())
    except InvalidInput as exc:
        return render("orders/batch_ship.html", exc.status, results=None, errors=exc.fields, message=exc.message)
    return render("orders/batch_ship.html", results=results, errors={}, message=None)


def _entry_form(status=200, *, values, errors=None, message=None, draft=None):
    products, _ = catalog.list_products(active=True, per_page=200)
    values.setdefault("idempotency_key", secrets.token_urlsafe(16))
    return render("orders/new.html", status, values=values, errors=errors or {}, message=message, draft=draft,
                  products=[(product.id, product.name) for product in products], rows=range(ENTRY_ROWS))


@page("/orders/new", roles=api.STAFF, methods=("GET",))
def order_new():
    """Quick entry: paste chat text to fill the form, or fill it by hand."""
    return _entry_form(values={})


@page("/orders/new/draft", roles=api.STAFF, methods=("POST",))
def order_draft():
    """Read pasted chat text into the entry form (nothing is saved)."""
    values = form_values()
    picked, picker_errors = pick_agents(values, ("agent_id",))
    if picker_errors:
        return _entry_form(422, values=values, errors=picker_errors, message="请检查标红的字段")
    values.update(picked)
    try:
        body = load(api.AdminQuickEntryBody(), {**values, "agent_id": whole_number(values.get("agent_id"))})
        draft = order_service.staff_draft(body["text"], agent_id=body["agent_id"])
    except InvalidInput as exc:
        return _entry_form(exc.status, values=values, errors=exc.fields, message=exc.message)
    for field in ("name", "phone", "province", "city", "district", "address"):
        values[f"consignee.{field}"] = getattr(draft, field).value
    values["remark"] = draft.remark.value
    for index, item in enumerate(draft.items[:ENTRY_ROWS]):
        values[f"items.{index}.product_id"] = str(item.product_id or "")
        values[f"items.{index}.quantity"] = str(item.quantity)
    return _entry_form(values=values, draft=draft)


def _entry_body(values):
    items = [{"product_id": whole_number(values.get(f"items.{i}.product_id")),
              "quantity": whole_number(values.get(f"items.{i}.quantity"))}
             for i in range(ENTRY_ROWS) if values.get(f"items.{i}.product_id")]
    consignee = {field: values.get(f"consignee.{field}", "")
                 for field in ("name", "phone", "province", "city", "district", "address")}
    return load(api.AdminOrderBody(), {"idempotency_key": values.get("idempotency_key", ""),
                                       "agent_id": whole_number(values.get("agent_id")), "items": items,
                                       "consignee": consignee, "remark": values.get("remark", "")})


@page("/orders/new", roles=api.STAFF, methods=("POST",), endpoint="order_create")
def order_create():
    """Enter the order; a resubmitted form (same key) finds the first order instead of a second one."""
    values = form_values()
    return act(lambda: order_service.enter_order(actor=admin_actor(), **_entry_body(values)),
               done=lambda placed: url_for("console.order", order_id=placed.id),
               message=lambda placed: "订单已录入" if not placed.repeated else "该订单此前已录入",
               redisplay=lambda exc: _entry_form(exc.status, values=values, errors=exc.fields, message=exc.message))
