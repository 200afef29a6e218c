"""Authenticity codes from the chat: a bare code (or 防伪码 <code>) gets the scan verdict, recorded as a chat scan."""
from app.codes import service as codes
from bot.commands import command, short_time

CHAT_CHANNEL = "chat"


@command("防伪码", aliases=("fwm",), summary="查询真伪（也可直接发送防伪码）", recognises=codes.looks_like_code)
def verify(asker, args):
    if not args.strip():
        return "请发送商品标签上的防伪码（16 或 17 位字母数字）。"
    verdict = codes.look_up(text=args, ip="", openid=asker.openid, channel=CHAT_CHANNEL)
    if not verdict.genuine:
        return f"{verdict.code}：{verdict.message}"
    lines = [f"{verdict.code}：{verdict.message}", f"品牌：{verdict.brand}",
             f"商品：{verdict.product_name} {verdict.product_spec}".rstrip(), f"批次：{verdict.lot}"]
    if verdict.scans_before:
        lines.append(f"此前已被查询 {verdict.scans_before} 次，首次 {short_time(verdict.first_scan_at)}"
                     f"（{verdict.first_scan_place}）")
    if verdict.warning:
        lines.append("查询次数较多，请谨慎核实：可刮开涂层验证刮开码，或联系品牌方。")
    return "\n".join(lines)
