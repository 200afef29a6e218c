"""The console's pages under /admin/ (server-rendered, Chinese); the JSON API stays under /admin/api."""
from app.admin.pages import account, agents, dashboard, finance, inventory, orders  # noqa: F401  (each module adds its routes to the blueprint)
from app.admin.pages.web import blp

PAGE_BLUEPRINTS = [blp]
