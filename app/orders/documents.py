"""Printable and downloadable order documents: picking lists (PDF) and the order export (rows for a table file)."""
from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer, Table, TableStyle

from app.clock import to_local
from app.errors import InvalidInput
from app.money import format_yuan
from app.orders import lifecycle
from app.orders.models import OrderLine
from app.orders.states import STATE_NAMES
from app.pdf import FONT, paragraph, use_font

MAX_PICKING_ORDERS = 200
MAX_EXPORT_ROWS = 100_000
EXPORT_CHUNK = 500
EXPORT_HEADERS = ("订单号", "下单时间", "状态", "买家代理ID", "收货人", "电话", "省", "市", "区", "地址", "一件代发",
                  "商品", "件数", "商品金额", "优惠", "运费", "应付", "已退", "快递公司", "快递单号", "备注")


def _styles():
    use_font()
    return (ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22),
            ParagraphStyle("body", fontName=FONT, fontSize=10, leading=14))


def picking_list_pdf(order_ids):
    """A PDF with one page per order: consignee, address and the lines to pick, with a tick column."""
    order_ids = list(dict.fromkeys(order_ids or ()))
    if not order_ids or len(order_ids) > MAX_PICKING_ORDERS:
        raise InvalidInput.on("order_ids", f"请选择1到{MAX_PICKING_ORDERS}个订单")
    title, body = _styles()
    story = []
    for order_id in order_ids:
        order = lifecycle.get_order(order_id)
        if story:
            story.append(PageBreak())
        story += [paragraph(f"配货单 {lifecycle.order_no(order)}", title), Spacer(1, 4 * mm),
                  paragraph(f"收货人：{order.consignee_name}　电话：{order.consignee_phone}", body),
                  paragraph(f"地址：{order.province}{order.city}{order.district}{order.address}", body),
                  paragraph(f"备注：{order.remark or '无'}　{'一件代发' if order.dropship else ''}", body),
                  Spacer(1, 4 * mm), _lines_table(order)]
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title="配货单").build(story)
    return buffer.getvalue()


def _lines_table(order):
    rows = [["商品", "商品ID", "数量", "已拣"]]
    rows += [[line.product_name, str(line.product_id), str(line.quantity), "□"] for line in order.line_list]
    table = Table(rows, colWidths=[90 * mm, 25 * mm, 20 * mm, 20 * mm])
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 11),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)]))
    return table


def export_rows(**filters):
    """The orders matching the list filters as export rows (newest first, at most 100,000)."""
    orders, _ = lifecycle.list_orders(**filters, page=1, per_page=MAX_EXPORT_ROWS)
    for start in range(0, len(orders), EXPORT_CHUNK):
        chunk = orders[start:start + EXPORT_CHUNK]
        goods = {}
        for line in (OrderLine.select(OrderLine.order, OrderLine.product_name, OrderLine.quantity)
                     .where(OrderLine.order.in_([order.id for order in chunk])).order_by(OrderLine.id)):
            goods.setdefault(line.order_id, []).append(f"{line.product_name}×{line.quantity}")
        for order in chunk:
            yield _export_row(order, "，".join(goods.get(order.id, [])))


def _export_row(order, goods):
    return (lifecycle.order_no(order), to_local(order.created_at).strftime("%Y-%m-%d %H:%M"),
            STATE_NAMES.get(order.status, order.status), order.buyer_agent_id or "", order.consignee_name,
            order.consignee_phone, order.province, order.city, order.district, order.address,
            "是" if order.dropship else "否", goods, order.units, format_yuan(order.subtotal_fen),
            format_yuan(order.level_discount_fen + order.promotion_discount_fen), format_yuan(order.shipping_fen),
            format_yuan(order.total_fen), format_yuan(order.refunded_fen), order.carrier, order.tracking_no,
            order.remark)
