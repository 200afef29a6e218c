"""Published images (product photos) at /media/<name>: public, and cached for ever (names are content hashes)."""
import os

from flask import Blueprint, send_file

from app import media
from app.errors import NotFound

blp = Blueprint("media", __name__, url_prefix="/media")
A_YEAR = 365 * 24 * 3600


@blp.get("/<path:name>")
def image(name):
    """A stored image, as JPEG, with a year-long immutable cache."""
    path = media.media_path(name)
    if not os.path.isfile(path):
        raise NotFound("文件不存在", code="media_not_found")
    response = send_file(path, mimetype="image/jpeg", max_age=A_YEAR, conditional=True)
    response.headers["Cache-Control"] = f"public, max-age={A_YEAR}, immutable"
    return response
