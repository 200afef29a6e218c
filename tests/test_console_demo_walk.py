"""Every console page (the GET routes of the console in the url_map), opened by the owner on the demo brand:
each answers, has something to show on a first visit, and shows names rather than internal ids."""
import html
import re

import pytest

from app.agents.models import Agent, AgentLevel
from app.catalog.models import Product
from app.cloud.models import Pickup
from app.codes.models import CodeBatch
from app.finance.models import CommissionRuleVersion, GoodsTopUp
from app.inventory.models import StockTake, Transfer, Warehouse
from app.notify.models import Notification
from app.orders.models import Order
from app.seed import DEMO_OWNER, seed_demo
from app.tasks.models import BackgroundTask
from tests.factories import console_csrf

DEMO_PASSWORD = "demo-walk-password"
# Internal ids a person must never read on a page.
RAW_IDS = re.compile(r"#None|\bNone\b|admin:\d|agent:\d|order:\d|openid:|代理 #|\bseed\b|\bsystem\b")
# An empty list: the row the templates show when there is nothing (`{% else %}<tr><td colspan=… class="muted">`).
EMPTY_ROW = re.compile(r'<td colspan="\d+" class="muted">')
# Files rather than pages (a finished task's download: the demo's task made codes, not a file).
NOT_PAGES = ("console.static", "console.task_download")
# The message template settings name each kind's NOTIFY_TEMPLATES key under its Chinese name: keys are what is
# configured there.
SHOWS_CONFIGURATION_KEYS = ("/admin/settings/templates",)


def visible_text(page_html):
    """What a person reads: the page without its tags, scripts and attributes."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page_html, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
def demo(app, client):
    """The demo brand, and `client` signed in to the console as its owner."""
    list(seed_demo(password=DEMO_PASSWORD))
    client.get("/admin/login")
    response = client.post("/admin/login", data={"username": DEMO_OWNER, "password": DEMO_PASSWORD,
                                                 "csrf_token": console_csrf(client)})
    assert response.status_code == 302
    return {
        "agent_id": Agent.select().order_by(Agent.id).first().id,
        "order_id": Order.select().where(Order.payment_proof != "").first().id,
        "stock_take_id": StockTake.select().first().id,
        "batch_id": CodeBatch.select().first().id,
        "transfer_id": Transfer.select().first().id,
        "task_id": BackgroundTask.select().first().id,
        "level_id": AgentLevel.select().first().id,
        "product_id": Product.select().first().id,
        "version_id": CommissionRuleVersion.select().first().id,
        "warehouse_id": Warehouse.select().first().id,
        "fmt": "pdf",
        "top_up_id": GoodsTopUp.select().first().id,
        "pickup_id": Pickup.select().first().id,
    }


def console_pages(app, ids):
    """(endpoint, url) of every GET route of the console, its `<…_id>` parts filled from the demo."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if rule.endpoint.startswith("console.") and "GET" in rule.methods and rule.endpoint not in NOT_PAGES \
                and not rule.endpoint.endswith("_export"):
            yield rule.endpoint, re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda match: str(ids[match.group(1)]), rule.rule)


def walk(app, client, ids):
    """{url: (status, html)} of every console page that is a page (not a file or JSON)."""
    seen = {}
    for _, url in console_pages(app, ids):
        response = client.get(url)
        if response.mimetype == "text/html":
            seen[url] = (response.status_code, response.get_data(as_text=True))
    return seen


def test_every_console_page_opens_for_the_owner_and_has_something_to_show(app, client, demo):
    pages = walk(app, client, demo)
    assert len(pages) > 30
    assert {url: status for url, (status, _) in pages.items() if status != 200} == {}
    assert [url for url, (_, page_html) in pages.items() if EMPTY_ROW.search(page_html)] == []


def test_no_console_page_shows_an_internal_id(app, client, demo):
    kinds = {kind for (kind,) in Notification.select(Notification.kind).distinct().tuples()}
    raw_kind = re.compile(r"\b(" + "|".join(map(re.escape, sorted(kinds))) + r")\b")
    found = {}
    for url, (_, page_html) in walk(app, client, demo).items():
        text = visible_text(page_html)
        hits = set(RAW_IDS.findall(text)) | (set() if url in SHOWS_CONFIGURATION_KEYS else set(raw_kind.findall(text)))
        if hits:
            found[url] = sorted(hits)
    assert found == {}
