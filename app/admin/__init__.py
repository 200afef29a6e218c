"""The brand owner's console: the JSON API under /admin/api (and, later, its pages)."""
from app.admin import auth, users, wechat

BLUEPRINTS = [auth.blp, users.blp, wechat.blp]
