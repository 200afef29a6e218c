"""The mini-program's JSON API under /api/mp: agents and consumers."""
from miniprogram_api import auth, catalogue

BLUEPRINTS = [auth.blp, catalogue.blp]
