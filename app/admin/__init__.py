"""The brand owner's console: the JSON API under /admin/api (and, later, its pages)."""
from app.admin import (agent_reviews, agents, auth, catalog, levels, stock, stocktakes, transfers, users,
                       warehouses)
from app.admin import codes, price_control

BLUEPRINTS = [
    auth.blp, users.blp,
    levels.blp, agents.blp, agent_reviews.blp,
    catalog.blp, warehouses.blp, stock.blp, transfers.blp, stocktakes.blp,
    codes.blp, price_control.blp,
]
