"""The demo brand in real headless Chromium, as a first visitor sees it, on a laptop and on a phone: the front
page, the dashboard, orders, an order's grouped actions, the outbox and the profit chart.

Screenshots: test-output/screenshots/demo-<page>-<desktop|phone>.png.
"""
import pytest

from app.orders.models import Order
from app.seed import DEMO_OWNER, seed_demo
from tests.browser import DESKTOP, PHONE, browser, console_page, screenshot  # noqa: F401  (browser is a fixture)

pytestmark = pytest.mark.committed
PASSWORD = "demo-browser-password"
PAGES = (("dashboard", "/admin/"), ("orders", "/admin/orders"), ("outbox", "/admin/outbox"),
         ("profit", "/admin/finance/profit"), ("moves", "/admin/stock/moves"), ("agents", "/admin/agents"))


@pytest.fixture
def demo_pages(browser, live_server):
    """The demo brand, and a function opening a page of it signed in as the owner at a viewport."""
    list(seed_demo(password=PASSWORD))
    opened = []

    def open_at(viewport):
        page = console_page(browser, live_server, username=DEMO_OWNER, password=PASSWORD, viewport=viewport)
        opened.append(page)
        return page

    yield open_at
    for page in opened:
        assert page.elsewhere == []
        page.close()


def overflow(page):
    """How far the page is wider than its viewport (0 when nothing sticks out)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("name,viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_demo_pages_at_a_laptop_and_a_phone_width(demo_pages, live_server, name, viewport):
    page = demo_pages(viewport)
    page.goto(live_server + "/")
    screenshot(page, f"demo-front-{name}")
    assert page.locator("a:has-text('管理后台')").is_visible()
    wide = []
    for label, path in PAGES:
        page.goto(live_server + path)
        screenshot(page, f"demo-{label}-{name}")
        if overflow(page) > 0:
            wide.append(label)
    order = Order.select().where(Order.status == "paid").first()
    page.goto(f"{live_server}/admin/orders/{order.id}")
    screenshot(page, f"demo-order-{name}")
    assert page.locator(".danger-zone button:has-text('全额退款')").is_visible()
    assert wide == []


def test_every_navigation_entry_is_in_sight_on_a_phone(demo_pages, live_server):
    page = demo_pages(PHONE)
    entries = page.locator("nav.mainnav a")
    assert entries.count() == 9
    for index in range(entries.count()):
        box = entries.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], entries.nth(index).inner_text()


def test_the_order_amount_stays_in_view_on_a_phone(demo_pages, live_server):
    page = demo_pages(PHONE)
    page.goto(live_server + "/admin/orders")
    amount = page.locator("table td.key").first
    box = amount.bounding_box()
    assert amount.inner_text().startswith("¥") and box["x"] + box["width"] <= PHONE["width"]
