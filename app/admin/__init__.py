"""The brand owner's console: the JSON API under /admin/api (and, later, its pages)."""
from app.admin import auth, users
from app.admin import agent_reviews, agents, levels

BLUEPRINTS = [auth.blp, users.blp]
BLUEPRINTS += [levels.blp, agents.blp, agent_reviews.blp]
