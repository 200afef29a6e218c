"""Real headless Chromium for browser tests: Debian's /usr/bin/chromium driven by Playwright (no download).

Import the `browser` fixture into a test module. Without Chromium or Playwright the
tests are skipped, unless REQUIRE_BROWSER=1 (CI), which makes that a failure.
Screenshots go to test-output/screenshots/.
"""
import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-output" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


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


def screenshot(page, name):
    """Save the whole page as test-output/screenshots/<name>.png, whole: the suite on the other database, running
    beside this one, saves the same names."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    partial = SCREENSHOTS / f"{name}.png.{os.getpid()}"
    partial.write_bytes(page.screenshot(full_page=True))
    os.replace(partial, SCREENSHOTS / f"{name}.png")


def only_from(page, origin):
    """Abort every request `page` makes to anywhere but `origin`; returns the list of refused addresses."""
    elsewhere = []

    def route(request_route):
        if request_route.request.url.startswith(origin):
            request_route.continue_()
        else:
            elsewhere.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    return elsewhere


def console_page(browser, origin, *, username, password, viewport=DESKTOP):
    """A new page signed in to the console at `origin` (on its dashboard); every request it makes must stay at
    `origin` (`page.elsewhere` lists the ones that did not)."""
    page = browser.new_page(viewport=viewport, locale="zh-CN")
    page.elsewhere = only_from(page, origin)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(origin + "/admin/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button:has-text('登录')")
    page.wait_for_url(origin + "/admin/")
    return page


def open_page(browser, origin, path, name, viewport=PHONE):
    """Open `path` of `origin` (phone-sized unless told), save its screenshot as `name`; returns (body text,
    addresses the page asked for elsewhere)."""
    page = browser.new_page(viewport=viewport, device_scale_factor=2, locale="zh-CN")
    elsewhere = only_from(page, origin)
    page.goto(origin + path)
    screenshot(page, name)
    text = page.inner_text("body")
    page.close()
    return text, elsewhere
