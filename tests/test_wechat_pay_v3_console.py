"""The console's order page for an order paid through WeChat Pay APIv3: a refund goes to WeChat and shows as
退款中 in the 微信退款 card until WeChat answers (in headless Chromium; screenshots console-wechat-refund-*)."""
import pytest

from app.orders import service
from tests.browser import DESKTOP, PHONE, browser, screenshot  # noqa: F401  (browser is a fixture)
from tests.factories import console_login, console_post, make_admin, make_agent, orderable
from tests.test_console_browser import sign_in  # noqa: F401  (a fixture)
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
def test_finance_refunds_a_wechat_paid_order_in_the_browser(sign_in, live_server, client, wechat_pay_v3):
    agent = make_agent()
    product, _ = orderable(100, name="玫瑰面霜")
    order = wechat_paid(wechat_pay_v3, client, agent, (product, 2))
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = sign_in("finance", viewport)
        page.goto(f"{live_server}/admin/orders/{order.id}")
        if name == "desktop":
            page.fill("form[action$='/refund'] [name=reason]", "质量问题")
            page.click("form[action$='/refund'] button")
            page.wait_for_selector("text=已提交微信退款")
        screenshot(page, f"console-wechat-refund-{name}")
        assert "退款中" in page.inner_text(".wechat-refunds")
