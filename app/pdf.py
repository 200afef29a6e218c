"""What every PDF we draw shares: reportlab's built-in Chinese font (no font file needed) and paragraphs of text.

ReportLab's Paragraph reads its text as markup: a consignee named `<img src=x onerror=…>` stopped every picking list
holding that order, and `<img src="/a/server/file"/>` or `<font size=20>` in an address drew a server file or a fake
instruction on the printed sheet. None of our paragraphs uses markup, so `paragraph` escapes all of its text.
"""
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph

FONT = "STSong-Light"


def use_font():
    """Register the Chinese font once per process."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def paragraph(text, style):
    """A Paragraph showing `text` exactly as written (never read as markup)."""
    return Paragraph(escape(str(text)), style)
