"""The console in real headless Chromium: the main journeys of the owner, staff, finance and the warehouse.

Each page visited is saved under test-output/screenshots/console-*.png; the
dashboard on a laptop (1280×800) and on a phone (390×844).
"""
import pytest

from app.agents.models import AgentApplication
from app.finance.models import Withdrawal
from app.inventory.models import StockTake
from app.orders import service
from tests.browser import DESKTOP, PHONE, browser, console_page, screenshot  # noqa: F401  (browser is a fixture)
from tests.factories import (DEFAULT_PASSWORD, advanced, codes_of, make_admin, make_agent, make_application,
                             make_batch, orderable, pending_withdrawal, place, stock_of)
from tests.test_allocation import two_regions

pytestmark = pytest.mark.committed


@pytest.fixture
def sign_in(browser, live_server):
    """Open a browser page signed in as a new user of a role; every page it opens must come from our server."""
    pages = []

    def open_as(role, viewport=DESKTOP):
        user = make_admin(role)
        page = console_page(browser, live_server, username=user.username, password=DEFAULT_PASSWORD,
                            viewport=viewport)
        pages.append(page)
        return page

    yield open_as
    for page in pages:
        assert page.elsewhere == []
        page.close()


def test_the_owner_reads_the_dashboard_on_a_laptop_and_a_phone(sign_in, live_server):
    agent = make_agent(province="浙江省", city="杭州市")
    product, _ = orderable(120, name="玫瑰面霜")
    advanced(place(agent, (product, 3)), "pay")
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = sign_in("owner", viewport)
        screenshot(page, f"console-dashboard-{name}")
        text = page.inner_text("main")
        assert "今日销售额" in text and "浙江省" in text and "玫瑰面霜" in page.content()
        assert page.locator("svg.line-chart circle").count() == 30


def test_staff_approve_an_application(sign_in, live_server):
    application = make_application(name="赵申请")
    page = sign_in("staff")
    page.click("nav.mainnav >> text=代理")
    page.click("nav.subnav >> text=入驻申请")
    screenshot(page, "console-applications")
    page.click("tr:has-text('赵申请') >> button:has-text('通过')")
    page.wait_for_selector("text=已通过申请")
    screenshot(page, "console-application-approved")
    assert AgentApplication.get_by_id(application.id).status == "approved"


def test_finance_confirms_payment_and_the_warehouse_ships_with_codes(sign_in, live_server):
    agent = make_agent()
    product, _ = orderable(100)
    order = place(agent, (product, 2))
    codes = codes_of(make_batch(2, product=product))

    finance = sign_in("finance")
    finance.click("nav.mainnav >> text=订单")
    screenshot(finance, "console-orders")
    finance.click(f"text={service.order_no(order)}")
    screenshot(finance, "console-order-pending")
    finance.click("button:has-text('确认付款')")
    finance.wait_for_selector("text=已确认付款")
    assert service.get_order(order.id).status == "paid"

    warehouse = sign_in("warehouse")
    warehouse.goto(f"{live_server}/admin/orders/{order.id}")
    warehouse.click("button:has-text('开始配货')")
    warehouse.wait_for_selector("text=已开始配货")
    warehouse.fill("input[name=carrier]", "顺丰")
    warehouse.fill("input[name=tracking_no]", "SF123456789")
    warehouse.fill("textarea[name=codes]", "\n".join(codes))
    screenshot(warehouse, "console-order-ship-form")
    warehouse.click("button:has-text('发货')")
    warehouse.wait_for_selector(".flash:has-text('已发货')")
    screenshot(warehouse, "console-order-shipped")
    assert service.get_order(order.id).status == "shipped"


def test_the_warehouse_posts_a_stock_take(sign_in, live_server):
    product, warehouse_row = orderable(100, on_hand=20, name="盘点面霜")
    page = sign_in("warehouse")
    page.goto(f"{live_server}/admin/stocktakes")
    page.select_option("select[name=warehouse_id]", str(warehouse_row.id))
    page.click("button:has-text('开始盘点')")
    page.wait_for_selector("text=已开始盘点")
    page.fill(f"input[name='counted.{product.id}']", "18")
    page.click("button:has-text('保存数量')")
    page.wait_for_selector("text=已保存盘点数量")
    page.fill("input[name=reason]", "月末盘点")
    screenshot(page, "console-stocktake")
    page.click("button:has-text('过账')")
    page.wait_for_selector("text=盘点已过账")
    assert stock_of(product, warehouse_row) == (18, 0)
    assert StockTake.get(StockTake.warehouse == warehouse_row.id).status == "posted"


def test_the_warehouse_follows_an_allocation_suggestion_and_books_the_arrival(sign_in, live_server):
    product, south, east = two_regions()
    page = sign_in("warehouse")
    page.goto(f"{live_server}/admin/stock")
    page.click("nav.subnav >> text=智能调配")
    screenshot(page, "console-allocation")
    page.click("button:has-text('按建议发出调拨')")
    page.wait_for_selector("text=货物在途")
    assert stock_of(product, east) == (80, 0)
    screenshot(page, "console-transfer-in-transit")
    page.click("button:has-text('确认到货入库')")
    page.wait_for_selector("text=已到货入库")
    assert stock_of(product, south) == (30, 0)
    page.click("nav.subnav >> text=调拨")
    screenshot(page, "console-transfers")


def test_the_warehouse_sees_no_pages_it_may_not_use(sign_in, live_server):
    page = sign_in("warehouse", PHONE)
    screenshot(page, "console-dashboard-warehouse-phone")
    navigation = page.inner_text("nav.mainnav")
    assert "订单" in navigation and "库存" in navigation and "控价" not in navigation and "发件箱" not in navigation
    response = page.goto(f"{live_server}/admin/orders/new")
    assert response.status == 403
    screenshot(page, "console-forbidden")
    assert "无权访问" in page.inner_text("main")


def test_finance_approves_a_withdrawal(sign_in, live_server):
    withdrawal = pending_withdrawal(20000)
    page = sign_in("finance")
    page.click("nav.mainnav >> text=财务")
    screenshot(page, "console-withdrawals")
    page.click(f"tr:has-text('#{withdrawal.id}') >> button:has-text('批准')")
    page.wait_for_selector(f"text=已批准提现 #{withdrawal.id}")
    screenshot(page, "console-withdrawal-approved")
    assert Withdrawal.get_by_id(withdrawal.id).status == "approved"
