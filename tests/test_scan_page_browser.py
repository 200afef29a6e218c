"""The scan page in real headless Chromium: it renders in Chinese and asks nothing of any other server.

Chromium is Debian's (`scripts/ensure_browser.sh` installs it), driven by Playwright;
no browser is downloaded. Without it the test is skipped, unless REQUIRE_BROWSER=1
(CI), which makes a missing browser a failure.
"""
import pytest

from app.codes import codec
from tests.browser import browser, open_page  # noqa: F401  (browser is a fixture)
from tests.factories import make_agent, make_batch, shipped

pytestmark = pytest.mark.committed


def test_a_genuine_code_renders_in_chinese_with_nothing_loaded_from_elsewhere(browser, live_server):
    code = shipped(make_batch(1, with_pin=True, lot="20240601A"), make_agent())[0]
    text, elsewhere = open_page(browser, live_server, f"/v/{code}", "scan-genuine")
    assert "正品验证通过" in text and "20240601A" in text and "刮开码" in text
    assert elsewhere == []


def test_an_unknown_code_renders_its_warning(browser, live_server):
    text, elsewhere = open_page(browser, live_server, f"/v/{codec.new_codes(1)[0]}", "scan-unknown")
    assert "未查询到, 谨防假冒" in text and elsewhere == []
