"""The brand owner's console: the JSON API under /admin/api (and, later, its pages)."""
from app.admin import (agent_reviews, agents, auth, authorization, catalog, cloud, codes, commission, expenses,
                       finance_reports, goods, levels, order_reports, order_rules, orders, price_control,
                       reconciliation, stock, stocktakes, transfers, users, warehouses, wechat, withdrawals)

BLUEPRINTS = [
    auth.blp, users.blp, wechat.blp,
    levels.blp, agents.blp, agent_reviews.blp, authorization.blp,
    catalog.blp, warehouses.blp, stock.blp, transfers.blp, stocktakes.blp, cloud.blp,
    orders.blp, order_reports.blp, order_rules.promotions_blp, order_rules.shipping_blp,
    codes.blp, price_control.blp,
    commission.blp, withdrawals.blp, expenses.blp, finance_reports.blp, goods.blp, reconciliation.blp,
]
