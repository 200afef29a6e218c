"""Uploaded files: what type a file is, judged by its leading bytes only, and the name and type it is served under.

The name and the type a client sent are never trusted: a PDF header followed by HTML, named `receipt.html`, is kept
as `<random>.pdf` and downloaded as `<our name>.pdf` with the type that extension means (and `nosniff`, set on
every answer in `app/__init__.py`), so no browser renders it as a page.
"""
import contextlib
import hashlib
import os
import secrets

from app.config import get_settings
from app.errors import InvalidInput, NotFound

FILE_TYPES = {  # extension: (leading bytes, mimetype)
    "pdf": (b"%PDF-", "application/pdf"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
    "webp": (b"RIFF", "image/webp"),  # then four bytes of length and "WEBP"
}


def file_type(content, allowed):
    """The extension (one of `allowed`) whose leading bytes `content` starts with, or None."""
    return next((ext for ext in allowed if content.startswith(FILE_TYPES[ext][0])
                 and (ext != "webp" or content[8:12] == b"WEBP")), None)


def served_as(stored_name, stem):
    """(mimetype, download name) of a stored file: `stem` plus the extension its type was verified as."""
    extension = os.path.splitext(stored_name)[1].lstrip(".")
    return FILE_TYPES[extension][1], f"{stem}.{extension}"


def store_by_content(content, *, folder, extension):
    """Write `content` into `folder` as `<its sha256>.<extension>`, once (a name never changes meaning), through
    a temporary file so no reader sees half of it; returns "<folder's own name>/<sha256>.<extension>".

    Each writer has a temporary file of its own: the same file uploaded twice at once (a double tap, a retry)
    is written by both, and whichever is renamed last puts the same bytes in place. With one shared temporary
    name, one writer truncated the file the other was renaming, and the second rename found nothing (a 500)."""
    name = f"{os.path.basename(folder)}/{hashlib.sha256(content).hexdigest()}.{extension}"
    path = os.path.join(os.path.dirname(folder), name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not os.path.exists(path):
        # Its name its writer's own ("x": never another's), the umask's permissions, and traceable to its file.
        partial = f"{path}.{secrets.token_hex(8)}.part"
        try:
            with open(partial, "xb") as handle:
                handle.write(content)
            os.replace(partial, path)
        except BaseException:
            with contextlib.suppress(OSError):  # the error that stopped the write is the one to report
                os.unlink(partial)
            raise
    return name


MAX_PROOF_BYTES = 2 * 1024 * 1024
PROOF_TYPES = ("jpg", "png", "webp")


def save_payment_proof(content):
    """Store a transfer proof image (JPEG, PNG or WebP, at most 2 MB) under the upload directory; its relative path
    (an order's payment or a goods-balance top-up)."""
    if not content:
        raise InvalidInput.on("proof", "请上传付款凭证图片")
    if len(content) > MAX_PROOF_BYTES:
        raise InvalidInput.on("proof", "付款凭证图片不能超过2MB")
    extension = file_type(content, PROOF_TYPES)
    if extension is None:
        raise InvalidInput.on("proof", "付款凭证须是 JPG、PNG 或 WebP 图片")
    return store_by_content(content, folder=os.path.join(get_settings().UPLOAD_DIR, "payment-proofs"),
                            extension=extension)


def payment_proof_file(stored_name, *, stem, missing):
    """(path on disk, mimetype, download name) of a stored transfer proof, served as the type it was verified as;
    `missing` (a NotFound message) when there is none."""
    extension = stored_name.rsplit(".", 1)[-1] if stored_name else ""
    path = os.path.abspath(os.path.join(get_settings().UPLOAD_DIR, stored_name or ""))
    if extension not in PROOF_TYPES or not os.path.isfile(path):
        raise NotFound(missing, code="no_payment_proof")
    return (path, *served_as(stored_name, stem))
