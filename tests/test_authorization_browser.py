"""The verification pages in real headless Chromium at phone width: Chinese, nothing from elsewhere, no contact.

Screenshots go to test-output/screenshots/ (authorization-*.png); the console's certificate page is taken at
desktop and phone width.
"""
from datetime import timedelta

import pytest

from app.agents import service as agents
from app.authorization import service as authorization
from app.clock import local_today
from tests.browser import DESKTOP, PHONE, browser, only_from, screenshot  # noqa: F401  (browser is a fixture)
from tests.factories import DEFAULT_PASSWORD, make_admin, make_agent, make_batch, make_level, overridden_settings, \
    shipped

pytestmark = pytest.mark.committed


def _open(browser, live_server, path, name, viewport=PHONE):
    page = browser.new_page(viewport=viewport, device_scale_factor=2, locale="zh-CN")
    elsewhere = only_from(page, live_server)
    page.goto(live_server + path)
    screenshot(page, name)
    text, html = page.inner_text("body"), page.content()
    page.close()
    return text, html, elsewhere


def _agent():
    agent = make_agent(name="陈小美", phone="13912345678", province="广东省", city="佛山市",
                       level=make_level("区域代理"), term_start=local_today(),
                       term_end=local_today() + timedelta(days=365))
    authorization.set_wechat_id(agent_id=agent.id, wechat_id="rose_shop88")
    return agent, authorization.certificate_for_agent(agent_id=agent.id).certificate.number


def test_a_current_number_renders_as_authorized_without_contact_details(browser, live_server):
    agent, number = _agent()
    text, html, elsewhere = _open(browser, live_server, f"/a/{number}", "authorization-authorized")
    assert "已授权" in text and "陈**" in text and "广东省佛山市" in text and elsewhere == []
    assert "13912345678" not in html and "rose_shop88" not in html and "陈小美" not in html


def test_an_old_number_renders_as_changed_with_the_current_state(browser, live_server):
    agent, old = _agent()
    agents.change_level(agent_id=agent.id, level_id=make_level("总代理", rank=0).id, reason="升级", actor_id=None)
    text, _, elsewhere = _open(browser, live_server, f"/a/{old}", "authorization-changed")
    assert "已变更" in text and "总代理" in text and elsewhere == []


def test_a_suspended_agent_found_by_wechat_id_renders_as_suspended(browser, live_server):
    agent, _ = _agent()
    agents.change_status(agent_id=agent.id, status="suspended", reason="违规", actor_id=None)
    text, html, _ = _open(browser, live_server, "/a?q=rose_shop88", "authorization-suspended")
    assert "已暂停" in text and "rose_shop88" not in html


def test_an_unknown_search_and_the_form_render(browser, live_server):
    text, _, elsewhere = _open(browser, live_server, "/a?q=13800000000", "authorization-not-found")
    assert "未查询到授权信息" in text and elsewhere == []
    text, _, _ = _open(browser, live_server, "/a", "authorization-form")
    assert "查询授权" in text


def test_the_scan_page_links_to_the_agents_authorization(browser, live_server):
    agent, number = _agent()
    code = shipped(make_batch(1), agent)[0]
    with overridden_settings(SCAN_SHOWS_AUTHORIZATION=True):
        text, _, _ = _open(browser, live_server, f"/v/{code}", "authorization-scan-link")
    assert "查看此商品发货代理的授权信息" in text


@pytest.mark.parametrize("viewport, name", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_the_console_shows_an_agents_certificate(browser, live_server, viewport, name):
    agent, number = _agent()
    owner = make_admin("owner")
    page = browser.new_page(viewport=viewport, locale="zh-CN")
    elsewhere = only_from(page, live_server)
    page.goto(live_server + "/admin/")
    page.fill("input[name=username]", owner.username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button:has-text('登录')")
    page.wait_for_url(live_server + "/admin/")
    page.goto(live_server + f"/admin/agents/{agent.id}/certificate")
    page.wait_for_load_state("networkidle")
    screenshot(page, f"console-certificate-{name}")
    assert number in page.inner_text("body")
    assert page.evaluate("document.querySelector('.certificate-image img').naturalWidth") == 750
    page.goto(live_server + f"/a/{number}")
    page.goto(live_server + "/admin/agents/verifications")
    screenshot(page, f"console-verifications-{name}")
    assert "已授权" in page.inner_text("body")
    page.close()
    assert elsewhere == []
