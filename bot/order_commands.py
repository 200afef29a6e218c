"""The 订单 command: an order by its number for the brand; for an agent, its recent orders or one of its own."""
from app.money import format_yuan
from app.orders import service as orders
from bot.commands import AGENT, BRAND, clipped, command, short_time

RECENT_ORDERS = 5
RECENT_EVENTS = 5


@command("订单", aliases=("dd",), roles=BRAND | AGENT, summary={
    "": "订单状态与进度（订单 单号）", "agent": "我的最近订单；订单 单号：订单进度"})
def order(asker, args):
    number = args.strip()
    if asker.role == "agent":
        if not number:
            return _my_recent_orders(asker)
        return _order_detail(orders.get_order_by_no(number, buyer_agent_id=asker.record_id))
    if not number:
        return "请发送「订单 单号」，如：订单 250314000123"
    return _order_detail(orders.get_order_by_no(number))


def _my_recent_orders(asker):
    recent, total = orders.list_orders(buyer_agent_id=asker.record_id, per_page=RECENT_ORDERS)
    if not total:
        return "您还没有订单。"
    lines = [f"我的最近订单（共 {total} 笔）："]
    lines += [f"{orders.order_no(row)} {orders.STATE_NAMES[row.status]} {format_yuan(row.total_fen)}元" for row in recent]
    lines.append("发送「订单 单号」查看进度。")
    return "\n".join(lines)


def _order_detail(found):
    lines = [f"订单 {orders.order_no(found)}", f"状态：{orders.STATE_NAMES[found.status]}",
             f"收货人：{clipped(found.consignee_name, 10)}（{found.province}）",
             f"金额：{format_yuan(found.total_fen)}元，共 {found.units} 件"]
    if found.tracking_no:
        lines.append(f"快递：{found.carrier} {found.tracking_no}")
        trace = orders.trace_of(found.id)
        if trace and trace.lines:
            lines.append(f"物流：{short_time(trace.lines[0].at)} {clipped(trace.lines[0].text, 30)}")
    lines.append("进度：")
    lines += [f"{short_time(event.created_at)} {orders.ACTION_NAMES.get(event.action, event.action)}"
              + (f"（{clipped(event.reason, 20)}）" if event.reason else "")
              for event in found.event_log[-RECENT_EVENTS:]]
    return "\n".join(lines)
