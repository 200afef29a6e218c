"""Printable labels: each code's QR of `{PUBLIC_BASE_URL}/v/{code}` as CSV rows, PNG/SVG images in a zip, or an
A4 PDF sheet. Files stream chunk by chunk; nothing holds a whole batch in memory.

The QR is built at one fixed version (the smallest that holds the URL, found
once per base URL), error correction M and mask 0: letting `qrcode` try all
eight masks for each code costs several times more than drawing it.
"""
import io
import math
import zipfile
from xml.sax.saxutils import escape

from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from app.brand import service as brand
from app.codes import codec
from app.config import get_settings
from app.errors import InvalidInput
from app.exports import csv_bytes
from app.pdf import FONT, use_font
from app.qr import dark_runs, qr_image, qr_matrix

QUIET_ZONE = 4
PIXELS_PER_MODULE = 8
MAX_PDF_LABELS = 2000
LABEL_FORMATS = {"pdf": "application/pdf", "png": "application/zip", "svg": "application/zip"}


def scan_url(code):
    """The address a code's QR opens."""
    return f"{get_settings().PUBLIC_BASE_URL.rstrip('/')}/v/{code}"


def qr_png(url, *, pixels_per_module=PIXELS_PER_MODULE):
    """A PNG of the QR of `url` with its quiet zone: drawn one pixel per module, then scaled up."""
    image = qr_image(url, quiet_zone=QUIET_ZONE).convert("1")
    image = image.resize((image.width * pixels_per_module,) * 2, Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_svg(url):
    """An SVG of the QR of `url` (one path of dark runs, quiet zone included)."""
    matrix = qr_matrix(url)
    size = len(matrix) + 2 * QUIET_ZONE
    path = "".join(f"M{x + QUIET_ZONE},{y + QUIET_ZONE}h{n}v1h-{n}z" for y, x, n in dark_runs(matrix))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
            f'<title>{escape(url)}</title><rect width="{size}" height="{size}" fill="#fff"/>'
            f'<path d="{path}" fill="#000"/></svg>').encode()


def _label_rows(batch, codes, include_pin):
    for serial, code in codes:
        row = [serial, code, scan_url(code)]
        if batch.box_size:
            row.append((serial - 1) // batch.box_size + 1)
        if include_pin:
            row.append(codec.pin_for(code))
        yield row


def csv_stream(batch, codes, *, boxes=False):
    """A label printer's CSV (UTF-8 with BOM), yielded in pieces: serial, code, url, [box], [pin]."""
    include_pin = batch.with_pin and not boxes
    headers = ["serial", "code", "url"] + (["box"] if batch.box_size and not boxes else []) + (
        ["pin"] if include_pin else [])
    rows = _label_rows(batch, codes, include_pin)
    if boxes:
        rows = ([serial, code, url] for serial, code, url, *_ in rows)
    yield csv_bytes(headers, [])
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == 1000:
            yield csv_bytes([], chunk)[len("\ufeff\r\n".encode()):]
            chunk = []
    if chunk:
        yield csv_bytes([], chunk)[len("\ufeff\r\n".encode()):]


class _Pipe(io.RawIOBase):
    """A write-only stream whose written bytes are taken out as they come (zipfile writes to it)."""

    def __init__(self):
        super().__init__()
        self.pending = bytearray()

    def writable(self):
        return True

    def write(self, data):
        self.pending += data
        return len(data)

    def take(self):
        data, self.pending = bytes(self.pending), bytearray()
        return data


def zip_stream(codes, *, image_format, prefix="code"):
    """A zip of one PNG or SVG per code, yielded entry by entry."""
    render, extension = (qr_png, "png") if image_format == "png" else (qr_svg, "svg")
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for serial, code in codes:
            archive.writestr(f"{prefix}-{serial:07d}-{code}.{extension}", render(scan_url(code)))
            yield pipe.take()
    yield pipe.take()


def pdf_sheet(batch, codes, *, columns, rows, include_pin):
    """An A4 PDF of labels in a `columns` × `rows` grid per page: the QR, the code and (optionally) the PIN."""
    use_font()
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4)
    sheet.setTitle(f"{brand.current().name} 防伪标签 批次{batch.id} {batch.lot}")
    page_width, page_height = A4
    margin = 8 * mm
    cell_width, cell_height = (page_width - 2 * margin) / columns, (page_height - 2 * margin) / rows
    text_height = 9 if not include_pin else 18
    per_page = columns * rows
    heading = f"{brand.current().name} 防伪标签 · 批次{batch.id} {batch.lot}"
    for index, (serial, code) in enumerate(codes):
        if index % per_page == 0:
            if index:
                sheet.showPage()
            # The brand's name on every page, in the margin above the grid, so a sheet is never anonymous.
            sheet.setFont(FONT, 7)
            sheet.drawString(margin, page_height - margin + 2, heading)
        column, row = index % per_page % columns, index % per_page // columns
        left = margin + column * cell_width
        top = page_height - margin - row * cell_height
        matrix = qr_matrix(scan_url(code))
        side = min(cell_width, cell_height - text_height) * 0.9
        module = side / len(matrix)
        origin_x, origin_y = left + (cell_width - side) / 2, top - side - 2
        for y, x, length in dark_runs(matrix):
            sheet.rect(origin_x + x * module, origin_y + side - (y + 1) * module, length * module, module,
                       stroke=0, fill=1)
        font_size = max(4.0, min(7.0, cell_width / 12))
        sheet.setFont(FONT, font_size)
        sheet.drawCentredString(left + cell_width / 2, origin_y - font_size - 1, f"{code}  #{serial}")
        if include_pin:
            sheet.drawCentredString(left + cell_width / 2, origin_y - 2 * font_size - 2,
                                    f"刮开码 {codec.pin_for(code)}")
    sheet.save()
    return buffer.getvalue()


def label_range(*, first, last, pdf=False):
    """The serials (first, last) of labels asked for; a PDF ends at most MAX_PDF_LABELS after `first`.
    `last` None means the batch's end (not for a PDF). InvalidInput for a range that cannot be."""
    if last is not None and last < first:
        raise InvalidInput.on("last", "结束序号不能小于起始序号")
    if pdf:
        last = last or first + MAX_PDF_LABELS - 1
        if last - first >= MAX_PDF_LABELS:
            raise InvalidInput.on("last", f"一个 PDF 最多 {MAX_PDF_LABELS} 个标签，请分段下载")
    return first, last


def label_count(batch, *, boxes, first, last):
    """How many labels a range holds within the batch (its items, or its boxes)."""
    if boxes:
        end = math.ceil(batch.quantity / batch.box_size) if batch.box_size else 0
    else:
        end = batch.quantity
    return max(0, min(end, last or end) - first + 1)


def label_file(batch, codes, *, fmt, first=1, boxes=False, columns=4, rows=8, pin=True):
    """Labels of `codes` as (content, mimetype, file name): an A4 PDF sheet (bytes), or a zip of PNG or SVG images
    (an iterator of bytes, to stream)."""
    if fmt == "pdf":
        content = pdf_sheet(batch, codes, columns=columns, rows=rows, include_pin=pin and batch.with_pin and not boxes)
        return content, LABEL_FORMATS[fmt], f"codes-{batch.id}-{first}.pdf"
    chunks = zip_stream(codes, image_format=fmt, prefix="box" if boxes else "item")
    return chunks, LABEL_FORMATS[fmt], f"codes-{batch.id}-{fmt}.zip"
