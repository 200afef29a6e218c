"""The mini-program's JSON API under /api/mp: agents and consumers."""
from miniprogram_api import agents, auth, catalogue, finance

BLUEPRINTS = [auth.blp, agents.blp, agents.me_blp, catalogue.blp, finance.blp]
