"""QR codes drawn fast: one fixed version for a URL's length (the smallest that holds it), error correction M and
mask 0 — letting `qrcode` try all eight masks for each code costs several times more than drawing it.

Shared by the code labels and the authorization certificates.
"""
import functools

import qrcode
from qrcode.constants import ERROR_CORRECT_M

MASK_PATTERN = 0


@functools.lru_cache(maxsize=8)
def version_for_length(length):
    """The smallest QR version holding a URL of `length` characters at error correction M."""
    probe = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    probe.add_data("x" * length)
    return probe.best_fit()


def qr_matrix(url):
    """The QR modules of `url` (rows of booleans, no quiet zone) at a fixed version and mask."""
    qr = qrcode.QRCode(version=version_for_length(len(url)), error_correction=ERROR_CORRECT_M,
                       mask_pattern=MASK_PATTERN, border=0)
    qr.add_data(url)
    qr.make(fit=False)
    return qr.get_matrix()


def dark_runs(matrix):
    """(row, first column, length) of each horizontal run of dark modules (for vector drawing: PDF, SVG)."""
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                yield y, start, x - start
            else:
                x += 1


def qr_image(url, *, quiet_zone):
    """The QR of `url` as a greyscale image, one pixel per module, with `quiet_zone` white modules around it."""
    from PIL import Image

    matrix = qr_matrix(url)
    size = len(matrix) + 2 * quiet_zone
    margin = b"\xff" * quiet_zone
    rows = [b"\xff" * size] * quiet_zone
    rows += [margin + bytes(0 if dark else 255 for dark in row) + margin for row in matrix]
    rows += [b"\xff" * size] * quiet_zone
    return Image.frombytes("L", (size, size), b"".join(rows))
