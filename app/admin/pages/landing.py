"""The site's front door: `/` is a small page linking the console, the consumers' scan page and the API
document; `/favicon.ico` is the icon every page of the site shows."""
import os

from flask import Blueprint, render_template, send_from_directory

blp = Blueprint("landing", __name__, template_folder="../templates")
STATIC = os.path.join(os.path.dirname(os.path.dirname(__file__)), "static")
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'none'; "
                           "frame-ancestors 'none'; base-uri 'none'")


@blp.get("/")
def home():
    """Where to go: the console, the scan page, the API document."""
    response = render_template("console/landing.html")
    return response, 200, {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-cache"}


@blp.get("/favicon.ico")
def favicon():
    """The site's icon (a shield with a tick: the brand's authenticity)."""
    return send_from_directory(STATIC, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400)
