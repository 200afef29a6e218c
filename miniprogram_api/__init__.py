"""The mini-program's JSON API under /api/mp: agents and consumers."""
from miniprogram_api import auth, wechat

BLUEPRINTS = [auth.blp, wechat.blp]
