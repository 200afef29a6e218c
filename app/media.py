"""Images we publish (product photos, the brand's logo): checked, re-encoded and stored under UPLOAD_DIR by their content.

Whatever arrives is decoded by Pillow (bounded in pixels, so a decompression bomb is
refused before it is expanded), resized to at most MAX_SIDE pixels, and written again
as a JPEG whose name is the hash of what we wrote: the stored file is always ours, never
the upload's bytes, and a name never changes meaning, so it may be cached for ever.
"""
import io
import os
import re

from PIL import Image, UnidentifiedImageError

from app.config import get_settings
from app.errors import InvalidInput, NotFound
from app.uploads import store_by_content

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 1200
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
FOLDERS = ("products", "brand")
_NAME = re.compile(r"(?:%s)/[0-9a-f]{64}\.jpg" % "|".join(FOLDERS))


def store_image(content, *, folder, field="image"):
    """Check an uploaded JPEG, PNG or WebP (at most 2 MB), re-encode it and store it; returns its media name."""
    if not content:
        raise InvalidInput.on(field, "请选择图片")
    if len(content) > MAX_UPLOAD_BYTES:
        raise InvalidInput.on(field, "图片不能超过2MB")
    picture = _decoded(content, field)
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85, optimize=True)
    return store_by_content(buffer.getvalue(), folder=os.path.join(_media_root(), folder), extension="jpg")


def _decoded(content, field):
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(content)) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise InvalidInput.on(field, "图片须是 JPG、PNG 或 WebP 格式")
            if probe.width * probe.height > MAX_PIXELS:
                raise InvalidInput.on(field, "图片尺寸过大")
            probe.load()
            if probe.mode in ("RGBA", "LA", "P", "PA"):
                # Transparency (a logo's, a cut-out product's) on white, as the pages show them, not black.
                rgba = probe.convert("RGBA")
                white = Image.new("RGB", rgba.size, "white")
                white.paste(rgba, mask=rgba.getchannel("A"))
                return white
            return probe.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput.on(field, "无法识别的图片，请换一张 JPG、PNG 或 WebP 图片") from exc


def media_path(name):
    """Where a stored media name lives on disk; NotFound for anything that is not one of our names."""
    if not _NAME.fullmatch(name or ""):
        raise NotFound("文件不存在", code="media_not_found")
    return os.path.join(_media_root(), name)


def _media_root():
    return os.path.abspath(os.path.join(get_settings().UPLOAD_DIR, "media"))


def media_url(name):
    """The public address of a stored media name (for the mini-program, which needs absolute URLs)."""
    return f"{get_settings().PUBLIC_BASE_URL.rstrip('/')}/media/{name}"
