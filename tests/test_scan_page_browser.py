"""The scan page in real headless Chromium: it renders in Chinese and asks nothing of any other server.

Chromium is Debian's (`scripts/ensure_browser.sh` installs it), driven by Playwright;
no browser is downloaded. Without it the test is skipped, unless REQUIRE_BROWSER=1
(CI), which makes a missing browser a failure.
"""
import os
from pathlib import Path

import pytest

from app.codes import codec
from tests.factories import codes_of, make_batch

pytestmark = pytest.mark.committed

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-output" / "screenshots"


@pytest.fixture(scope="module")
def browser():
    missing = "Chromium is missing at /usr/bin/chromium (run scripts/ensure_browser.sh as root)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "Playwright is not installed (pip install -r requirements-dev.txt)"
        sync_playwright = None
    if sync_playwright is None or not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1: {missing}")
        pytest.skip(missing)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def _open(browser, live_server, path, screenshot):
    """Open `path` on a phone-sized page; returns (body text, addresses the page asked for elsewhere)."""
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, locale="zh-CN")
    elsewhere = []

    def only_our_server(route):
        if route.request.url.startswith(live_server):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_our_server)
    page.goto(live_server + path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / screenshot), full_page=True)
    text = page.inner_text("body")
    page.close()
    return text, elsewhere


def test_a_genuine_code_renders_in_chinese_with_nothing_loaded_from_elsewhere(browser, live_server):
    code = codes_of(make_batch(1, with_pin=True, lot="20240601A"))[0]
    text, elsewhere = _open(browser, live_server, f"/v/{code}", "scan-genuine.png")
    assert "正品验证通过" in text and "20240601A" in text and "刮开码" in text
    assert elsewhere == []


def test_an_unknown_code_renders_its_warning(browser, live_server):
    text, elsewhere = _open(browser, live_server, f"/v/{codec.new_codes(1)[0]}", "scan-unknown.png")
    assert "未查询到, 谨防假冒" in text and elsewhere == []
