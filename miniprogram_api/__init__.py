"""The mini-program's JSON API under /api/mp: agents and consumers."""
from miniprogram_api import agents, auth

BLUEPRINTS = [auth.blp]
BLUEPRINTS += [agents.blp, agents.me_blp]
