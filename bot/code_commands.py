"""Authenticity codes from the chat: a bare code (or 防伪码 <code>), optionally followed by where the consumer is
(防伪码 <code> 广东深圳), gets the scan verdict, recorded as a chat scan with that place on the consumer's word."""
from app import regions
from app.codes import service as codes
from bot.commands import command, short_time

CHAT_CHANNEL = "chat"


def _code_and_place(text):
    """The code (ASCII, spaces allowed) and the place written after it in Chinese."""
    cut = next((index for index, char in enumerate(text) if not char.isascii()), len(text))
    return text[:cut].strip(), text[cut:].strip()


def _names_a_code(text):
    return codes.looks_like_code(_code_and_place(text)[0])


@command("防伪码", aliases=("fwm",), summary="查询真伪（也可直接发送防伪码，可在后面写上所在地）",
         recognises=_names_a_code)
def verify(asker, args):
    code_text, place = _code_and_place(args)
    if not code_text:
        return "请发送商品标签上的防伪码（16 或 17 位字母数字）。"
    found = regions.find_region(place) if place else None
    verdict = codes.look_up(text=code_text, ip="", openid=asker.openid, channel=CHAT_CHANNEL,
                            province=found.region.province if found else "", city=found.region.city if found else "")
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
