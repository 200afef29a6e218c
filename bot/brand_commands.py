"""Chat commands for the brand's owners and staff: today's figures, low stock, open alerts."""
from itertools import groupby

from app.clock import local_today
from app.codes import service as codes
from app.inventory import service as inventory
from app.orders import service as orders
from bot.commands import BRAND, clipped, command, short_time

LOW_STOCK_LINES = 10
ALERT_LINES = 3


@command("今日", aliases=("jr", "today"), roles=BRAND, summary="今日订单、收款与新代理")
def today(_asker, _args):
    figures = orders.day_figures(local_today())
    return "\n".join([f"今日（{figures['day']}）", f"下单：{figures['placed']} 笔",
                      f"付款：{figures['paid']} 笔，共 {figures['paid_amount']} 元",
                      f"发货：{figures['shipped']} 笔", f"新代理：{figures['new_agents']} 人"])


@command("库存", aliases=("kc",), roles=BRAND, summary="低于安全库存的商品（按仓库）")
def low_stock(_asker, _args):
    rows, total = inventory.list_stock(below_threshold=True, per_page=LOW_STOCK_LINES)
    if not total:
        return "所有商品的可用库存都在安全库存以上。"
    lines = [f"低于安全库存：{total} 项"]
    for warehouse, stock in groupby(rows, key=lambda row: row["warehouse_name"]):
        lines.append(f"【{warehouse}】")
        lines += [f"{clipped(row['product_name'], 16)}：可用 {row['available']}，安全 {row['threshold']}"
                  for row in stock]
    if total > len(rows):
        lines.append(f"另有 {total - len(rows)} 项，请到后台「库存」查看。")
    return "\n".join(lines)


@command("预警", aliases=("yj",), roles=BRAND, summary="待处理的控价、窜货与可疑防伪码")
def alerts(_asker, _args):
    found = codes.open_alerts(limit=ALERT_LINES)
    if not found.violation_counts and not found.flag_count:
        return "暂无待处理的预警。"
    counts = [f"{label} {count} 条" for label, count in found.violation_counts]
    if found.flag_count:
        counts.append(f"可疑防伪码 {found.flag_count} 个")
    lines = ["待处理预警：" + "，".join(counts)]
    lines += [f"{short_time(row['created_at'])} {row['kind_label']} {clipped(row['agent_name'], 10)}"
              + (f"（{row['province']}）" if row["province"] else "") for row in found.latest_violations]
    lines += [f"{short_time(row['created_at'])} 可疑码 {row['code']}：{row['reason_label']}"
              for row in found.latest_flags]
    lines.append("请到后台「控价」「防伪码」处理。")
    return "\n".join(lines)
