"""The console's pages under /admin/ (server-rendered, Chinese); the JSON API stays under /admin/api."""
from app.admin.pages import (account, agents, dashboard, finance, inventory, messages,  # noqa: F401  (each adds its routes)
                             orders, price_control, transfers)
from app.admin.pages import codes, tasks  # noqa: F401  (background tasks and the code pages)
from app.admin.pages import settings, settings_products, settings_rules, settings_sales, users  # noqa: F401
from app.admin.pages import landing
from app.admin.pages.web import blp

PAGE_BLUEPRINTS = [blp, landing.blp]
