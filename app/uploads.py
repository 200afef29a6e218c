"""Uploaded files: what type a file is, judged by its leading bytes only, and the name and type it is served under.

The name and the type a client sent are never trusted: a PDF header followed by HTML, named `receipt.html`, is kept
as `<random>.pdf` and downloaded as `<our name>.pdf` with the type that extension means (and `nosniff`, set on
every answer in `app/__init__.py`), so no browser renders it as a page.
"""
import hashlib
import os

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
    a temporary file so no reader sees half of it; returns "<folder's own name>/<sha256>.<extension>"."""
    name = f"{os.path.basename(folder)}/{hashlib.sha256(content).hexdigest()}.{extension}"
    path = os.path.join(os.path.dirname(folder), name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not os.path.exists(path):
        with open(path + ".part", "wb") as handle:
            handle.write(content)
        os.replace(path + ".part", path)
    return name
