"""The console's order page for an order paid through WeChat Pay APIv3: a refund goes to WeChat and shows as
退款中 in the 微信退款 card until WeChat answers (in headless Chromium; screenshots console-wechat-refund-*)."""
import pytest

from app.orders import service
from tests.browser import DESKTOP, PHONE, browser, screenshot  # noqa: F401  (browser is a fixture)
from tests.factories import (
    DEFAULT_PASSWORD,
    console_login,
    console_post,
    make_admin,
    make_agent,
    orderable,
)
from tests.test_wechat_pay_v3_refund import wechat_paid


def test_a_console_refund_of_a_wechat_paid_order_waits_for_wechat(client, wechat_pay_v3):
    agent = make_agent()
    product, _ = orderable(100)
    order = wechat_paid(wechat_pay_v3, client, agent, (product, 2))
    console_login(client, make_admin("finance"))
    response = console_post(client, f"/admin/orders/{order.id}/refund", {"reason": "质量问题"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "已提交微信退款" in page and "微信退款" in page and "退款中" in page
    assert service.get_order(order.id).status == "paid"


@pytest.mark.committed
def test_finance_refunds_a_wechat_paid_order_in_the_browser(browser, live_server, client, wechat_pay_v3):
    agent = make_agent()
    product, _ = orderable(100, name="玫瑰面霜")
    order = wechat_paid(wechat_pay_v3, client, agent, (product, 2))
    user = make_admin("finance")
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = browser.new_page(viewport=viewport, locale="zh-CN")
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(live_server + "/admin/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.click("button:has-text('登录')")
        page.wait_for_url(live_server + "/admin/")
        page.goto(f"{live_server}/admin/orders/{order.id}")
        if name == "desktop":
            page.fill("form[action$='/refund'] textarea[name=reason], form[action$='/refund'] input[name=reason]",
                      "质量问题")
            page.click("form[action$='/refund'] button")
            page.wait_for_selector("text=已提交微信退款")
        screenshot(page, f"console-wechat-refund-{name}")
        assert "退款中" in page.inner_text(".wechat-refunds")
        page.close()
