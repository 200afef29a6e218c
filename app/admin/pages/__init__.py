"""The console's pages under /admin/ (server-rendered, Chinese); the JSON API stays under /admin/api."""
from app.admin.pages import (account, agents, cloud, dashboard, finance, inventory,  # noqa: F401  (each adds its routes)
                             messages, orders, price_control, transfers)
from app.admin.pages import authorization, codes, stock_tasks, tasks  # noqa: F401  (certificates, stock, codes …)
from app.admin.pages import (settings, settings_brand, settings_products, settings_rules,  # noqa: F401
                             settings_sales, users)
from app.admin.pages import landing
from app.admin.pages.web import blp

PAGE_BLUEPRINTS = [blp, landing.blp]
