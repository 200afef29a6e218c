"""The brand owner's console: the JSON API under /admin/api (and, later, its pages)."""
from app.admin import (agent_reviews, agents, auth, catalog, commission, expenses, finance_reports, levels, stock,
                       stocktakes, transfers, users, warehouses, withdrawals)

BLUEPRINTS = [
    auth.blp, users.blp,
    levels.blp, agents.blp, agent_reviews.blp,
    catalog.blp, warehouses.blp, stock.blp, transfers.blp, stocktakes.blp,
    commission.blp, withdrawals.blp, expenses.blp, finance_reports.blp,
]
