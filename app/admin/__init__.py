"""The brand owner's console: the JSON API under /admin/api (and, later, its pages)."""
from app.admin import auth, catalog, stock, stocktakes, transfers, users, warehouses

BLUEPRINTS = [auth.blp, users.blp, catalog.blp, warehouses.blp, stock.blp, transfers.blp, stocktakes.blp]
