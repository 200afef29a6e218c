"""The customer's tracking page in real headless Chromium, at phone and desktop width: Chinese, the trace, and
nothing asked of any other server (screenshots in test-output/screenshots/tracking-*.png)."""
import pytest

from app.brand import service as brand
from app.orders import jobs, refunds, tracking
from tests.browser import DESKTOP, browser, only_from, open_page, screenshot  # noqa: F401  (browser is a fixture)
from tests.factories import overridden_settings, tracked_order
from tests.test_order_tracking import MOVING

pytestmark = pytest.mark.committed


def test_the_tracking_page_renders_the_trace_at_phone_and_desktop_width(browser, live_server, fake_kuaidi100):
    with overridden_settings(PUBLIC_BASE_URL=live_server, BRAND_NAME="花漾"):
        brand.forget_cached()
        order = tracked_order()
        jobs.subscribe_parcels()
        fake_kuaidi100.push("zhongtong", order.tracking_no, state="5", lines=[
            ("2026-12-03 10:30:00", "【杭州西湖营业部】快递员 张师傅 正在派件", "杭州市", "派件")] + MOVING)
        tracking.share_link(order.id, actor="test", show_prices=True)
        path = "/t/" + tracking.current_link(order.id).token
        text, elsewhere = open_page(browser, live_server, path, "tracking-phone")
        open_page(browser, live_server, path, "tracking-desktop", viewport=DESKTOP)
    assert "正在派件" in text and "派件中" in text and "建议零售价" in text and elsewhere == []


def test_a_refunded_order_and_a_revoked_link_render_their_notes(browser, live_server):
    order = tracked_order()
    refunds.refund(order.id, actor="admin:1", reason="客户取消")
    token = tracking.current_link(order.id).token
    text, _ = open_page(browser, live_server, f"/t/{token}", "tracking-refunded")
    assert "该订单已退款" in text
    tracking.revoke_links(order.id, actor="test")
    text, _ = open_page(browser, live_server, f"/t/{token}", "tracking-revoked")
    assert "链接无效或已停用" in text


def test_staff_copy_the_share_link_from_the_console_order_page(browser, live_server, fake_kuaidi100):
    from tests.factories import DEFAULT_PASSWORD, make_admin
    with overridden_settings(PUBLIC_BASE_URL=live_server):
        order = tracked_order()
        jobs.subscribe_parcels()
        fake_kuaidi100.push("zhongtong", order.tracking_no, state="0", lines=MOVING)
        user = make_admin("staff")
        page = browser.new_page(viewport=DESKTOP, locale="zh-CN")
        elsewhere = only_from(page, live_server)
        page.goto(live_server + "/admin/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.click("button:has-text('登录')")
        page.wait_for_url(live_server + "/admin/")
        page.goto(f"{live_server}/admin/orders/{order.id}")
        page.click("button:has-text('复制链接')")
        page.wait_for_selector("button:has-text('已复制')")
        screenshot(page, "console-order-tracking")
        text = page.inner_text("main")
        page.close()
    assert "快件已揽收" in text and "客户跟踪链接" in text and elsewhere == []
