"""The certificate drawn: a PNG for WeChat Moments (Pillow, a CJK font on the machine) and an A4 PDF (reportlab's
built-in Chinese CID font). Both carry the brand, the agent's name, level, region, term, number and a QR of the
verification page.

Drawing is most of a certificate's cost, so everything that does not depend on the agent (the border, the title,
the brand and its logo, the labels, the seal) is drawn once per process into a background that each certificate
copies; the QR is built at a fixed version and mask (the mask search is most of `qrcode`'s time) and the PNG is
mapped onto a fixed palette and written at a low compression level (mostly flat colour: it stays small).
"""
import functools
import io
import os
import subprocess

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from app.clock import to_local
from app.config import get_settings
from app.errors import Unavailable
from app.pdf import FONT, use_font
from app.qr import dark_runs, qr_image, qr_matrix

WIDTH, HEIGHT = 750, 1060
RED, GOLD, INK, MUTED, PAPER = "#b3261e", "#c9a227", "#2b2b2b", "#7a6a55", "#fffaf0"
QR_SIZE = 220
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
LABELS = (("授权等级", 505), ("授权区域", 565), ("授权期限", 625), ("授权编号", 685))
VALUE_X = 250


def verify_url(number):
    """The address a certificate's QR opens."""
    return f"{get_settings().PUBLIC_BASE_URL.rstrip('/')}/a/{number}"


@functools.lru_cache(maxsize=1)
def _font_file():
    configured = get_settings().CERTIFICATE_FONT
    if configured:
        return configured if os.path.isfile(configured) else None
    for path in FONT_CANDIDATES:
        if os.path.isfile(path):
            return path
    try:
        listed = subprocess.run(["fc-list", ":lang=zh", "--format", "%{file}\n"], capture_output=True, text=True,
                                timeout=5, check=False).stdout.split()
    except (OSError, subprocess.SubprocessError):
        listed = []
    return next((path for path in sorted(listed) if os.path.isfile(path)), None)


@functools.lru_cache(maxsize=16)
def _font(size):
    path = _font_file()
    if path is None:
        raise Unavailable("服务器未安装中文字体，暂不能生成授权书图片（请安装 fonts-noto-cjk 或设置 CERTIFICATE_FONT）",
                          code="certificate_font_missing")
    return ImageFont.truetype(path, size)


def _qr_image(url, size):
    return qr_image(url, quiet_zone=2).resize((size, size), Image.NEAREST)


def _centred(draw, y, text, font, fill):
    width = draw.textlength(text, font=font)
    draw.text(((WIDTH - width) / 2, y), text, font=font, fill=fill)


def _fitted(draw, text, size, max_width):
    """The largest font up to `size` at which `text` fits `max_width` (long names and regions shrink)."""
    while size > 16 and draw.textlength(text, font=_font(size)) > max_width:
        size -= 2
    return _font(size)


def _logo(brand, logo_file, size):
    if logo_file and os.path.isfile(logo_file):
        with Image.open(logo_file) as logo:
            logo = logo.convert("RGBA")
            logo.thumbnail((size, size))
            return logo
    seal = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(seal)
    draw.ellipse((2, 2, size - 3, size - 3), outline=RED, width=5)
    mark = (brand or "品")[0]
    font = _font(int(size * 0.5))
    box = draw.textbbox((0, 0), mark, font=font)
    draw.text(((size - box[2] - box[0]) / 2, (size - box[3] - box[1]) / 2), mark, font=font, fill=RED)
    return seal


@functools.lru_cache(maxsize=4)
def _background(brand, logo_file):
    """Everything on the certificate but the agent's facts and the QR (drawn once per brand and logo)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((18, 18, WIDTH - 19, HEIGHT - 19), outline=GOLD, width=6)
    draw.rectangle((34, 34, WIDTH - 35, HEIGHT - 35), outline=RED, width=2)
    logo = _logo(brand, logo_file, 96)
    image.paste(logo, ((WIDTH - logo.width) // 2, 70), logo)
    _centred(draw, 180, brand, _fitted(draw, brand, 40, WIDTH - 120), INK)
    _centred(draw, 240, "授 权 书", _font(64), RED)
    _centred(draw, 322, "AUTHORIZATION CERTIFICATE", _font(20), MUTED)
    _centred(draw, 372, "兹授权", _font(26), INK)
    for label, y in LABELS:
        draw.text((90, y), label + "：", font=_font(26), fill=MUTED)
    draw.line((90, 740, WIDTH - 90, 740), fill=GOLD, width=2)
    draw.text((90, 780), "扫描右侧二维码", font=_font(24), fill=INK)
    draw.text((90, 820), "查询授权真伪与当前状态", font=_font(24), fill=INK)
    draw.text((90, 880), "本授权书以品牌方系统记录为准，", font=_font(20), fill=MUTED)
    draw.text((90, 910), "等级、区域或期限变更后原编号失效。", font=_font(20), fill=MUTED)
    return image


def _term_text(certificate):
    start = certificate.term_start.strftime("%Y年%m月%d日") if certificate.term_start else "—"
    end = certificate.term_end.strftime("%Y年%m月%d日") if certificate.term_end else "长期"
    return f"{start} 至 {end}"


def _drawn(certificate, brand, logo_file):
    image = _background(brand, logo_file).copy()
    draw = ImageDraw.Draw(image)
    _centred(draw, 412, certificate.agent_name, _fitted(draw, certificate.agent_name, 48, WIDTH - 160), INK)
    values = (certificate.level_name, certificate.region or "全国", _term_text(certificate), certificate.number)
    for (_, y), value in zip(LABELS, values):
        draw.text((VALUE_X, y - 2), value, font=_fitted(draw, value, 30, WIDTH - VALUE_X - 80), fill=INK)
    issued = to_local(certificate.issued_at).strftime("%Y年%m月%d日") if certificate.issued_at else ""
    draw.text((90, 955), f"授权方：{brand}", font=_fitted(draw, f"授权方：{brand}", 20, 330), fill=MUTED)
    draw.text((90, 985), f"发证日期：{issued}", font=_font(20), fill=MUTED)
    image.paste(_qr_image(verify_url(certificate.number), QR_SIZE), (WIDTH - 90 - QR_SIZE, 760))
    return image


@functools.lru_cache(maxsize=4)
def _palette(brand, logo_file):
    """A palette of 128 colours taken from a sample certificate of this brand: every certificate is mapped onto
    it (a quarter of the cost of writing a full-colour PNG, and half the bytes)."""
    from app.authorization.certificates import Certificate

    sample = Certificate(id=0, number="SQ2026ABCDEFGH", agent_id=0, agent_name="授权代理示例", level_name="区域代理",
                         province="广东省", city="深圳市", term_start=None, term_end=None, issued_at=None, current=True)
    image = _drawn(sample, brand, logo_file)
    image.paste((0, 0, 0), (0, 0, 8, 8))
    image.paste((255, 255, 255), (8, 0, 16, 8))
    return image.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def certificate_png(certificate, *, brand, logo_file=""):
    """The certificate as a PNG (750×1060, 128 colours): bytes. `logo_file` is the brand logo's file, if any."""
    image = _drawn(certificate, brand, logo_file).quantize(palette=_palette(brand, logo_file),
                                                           dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def certificate_pdf(certificate, *, brand, logo_file=""):
    """The certificate as one A4 page (PDF bytes), in reportlab's Chinese CID font."""
    use_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(f"{brand}授权书 {certificate.number}")
    width, height = A4
    pdf.setStrokeColor(HexColor(GOLD))
    pdf.setLineWidth(4)
    pdf.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    pdf.setStrokeColor(HexColor(RED))
    pdf.setLineWidth(1)
    pdf.rect(17 * mm, 17 * mm, width - 34 * mm, height - 34 * mm)
    pdf.setFillColor(HexColor(INK))
    pdf.setFont(FONT, 24)
    pdf.drawCentredString(width / 2, height - 50 * mm, brand)
    pdf.setFillColor(HexColor(RED))
    pdf.setFont(FONT, 44)
    pdf.drawCentredString(width / 2, height - 75 * mm, "授 权 书")
    pdf.setFillColor(HexColor(INK))
    pdf.setFont(FONT, 16)
    pdf.drawCentredString(width / 2, height - 95 * mm, "兹授权")
    pdf.setFont(FONT, 30)
    pdf.drawCentredString(width / 2, height - 112 * mm, certificate.agent_name)
    rows = (("授权等级", certificate.level_name), ("授权区域", certificate.region or "全国"),
            ("授权期限", _term_text(certificate)), ("授权编号", certificate.number))
    y = height - 140 * mm
    for label, value in rows:
        pdf.setFont(FONT, 14)
        pdf.setFillColor(HexColor(MUTED))
        pdf.drawString(35 * mm, y, label + "：")
        pdf.setFillColor(HexColor(INK))
        pdf.setFont(FONT, 16)
        pdf.drawString(65 * mm, y, value)
        y -= 14 * mm
    _pdf_qr(pdf, verify_url(certificate.number), x=width - 80 * mm, y=62 * mm, size=45 * mm)
    pdf.setFont(FONT, 12)
    pdf.setFillColor(HexColor(INK))
    pdf.drawString(35 * mm, 95 * mm, "扫描右侧二维码")
    pdf.drawString(35 * mm, 88 * mm, "查询授权真伪与当前状态")
    issued = to_local(certificate.issued_at).strftime("%Y年%m月%d日") if certificate.issued_at else ""
    pdf.drawString(35 * mm, 74 * mm, f"授权方：{brand}")
    pdf.drawString(35 * mm, 67 * mm, f"发证日期：{issued}")
    pdf.setFillColor(HexColor(MUTED))
    pdf.setFont(FONT, 10)
    pdf.drawString(35 * mm, 45 * mm, "本授权书以品牌方系统记录为准，等级、区域或期限变更后原编号失效。")
    pdf.drawString(35 * mm, 38 * mm, verify_url(certificate.number))
    if logo_file and os.path.isfile(logo_file):
        pdf.drawImage(logo_file, width / 2 - 12 * mm, height - 40 * mm, 24 * mm, 24 * mm, preserveAspectRatio=True,
                      mask="auto")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _pdf_qr(pdf, url, *, x, y, size):
    matrix = qr_matrix(url)
    module = size / len(matrix)
    pdf.setFillColor(HexColor("#000000"))
    for row, column, length in dark_runs(matrix):
        pdf.rect(x + column * module, y + size - (row + 1) * module, length * module, module, stroke=0, fill=1)
