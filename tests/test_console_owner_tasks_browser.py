"""The owner's daily tasks in real headless Chromium, each page saved under test-output/screenshots/."""
import pytest

from app.agents.models import Agent
from tests.browser import DESKTOP, PHONE, browser, screenshot  # noqa: F401  (browser is a fixture)
from app.orders import service
from tests.factories import (advanced, make_agent, make_chain, make_level, make_product, make_warehouse, orderable,
                             place, stock_of, unique)
from tests.test_console_browser import sign_in  # noqa: F401  (a fixture)

pytestmark = pytest.mark.committed


@pytest.mark.parametrize("name, viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_owner_adds_an_agent_and_sends_it_the_bind_code(sign_in, name, viewport):
    level = make_level(name=f"总代理{name}")
    page = sign_in("owner", viewport)
    page.goto(page.url + "agents")
    page.click("text=添加代理")
    page.fill("input[name=name]", "周总代")
    page.fill("input[name=phone]", "13912345678" if name == "desktop" else "13912345679")
    page.select_option("select[name=level_id]", str(level.id))
    page.fill("input[name=province]", "广东省")
    page.click("button:has-text('添加代理')")
    page.wait_for_selector("#bind")
    agent = Agent.get(Agent.name == "周总代", Agent.level == level.id)
    assert agent.bind_code in page.inner_text("#bind")
    # The QR image loads after the page: wait for it rather than race it (a loaded machine lost that race).
    page.wait_for_function("() => { const img = document.querySelector('img.bind-qr'); "
                           "return img && img.complete && img.naturalWidth > 0 }", timeout=10000)
    screenshot(page, f"console-agent-added-{name}")


def test_moving_an_agent_under_its_downline_shows_the_refusal(sign_in):
    top, _, bottom = make_chain(3)
    page = sign_in("owner")
    page.goto(page.url + f"agents/{top.id}")
    form = page.locator("form[action$='/upline']")
    form.locator("input[name=upline]").fill(bottom.phone)
    form.locator("input[name=reason]").fill("调整团队")
    form.locator("button").click()
    page.wait_for_selector("p.flash.bad")
    assert "不能把代理挂到自己或自己的下级之下" in page.inner_text("p.flash.bad")
    screenshot(page, "console-agent-upline-refused")


@pytest.mark.parametrize("name, viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_warehouse_receives_two_products_in_one_form(sign_in, name, viewport):
    warehouse = make_warehouse(name=f"华南仓{name}")
    cream, serum = make_product(name=f"玫瑰面霜{name}"), make_product(name=f"精华液{name}")
    page = sign_in("warehouse", viewport)
    page.goto(page.url + "stock/receive")
    page.select_option("select[name=warehouse_id]", str(warehouse.id))
    page.select_option("select[name='lines.0.product_id']", str(cream.id))
    page.fill("input[name='lines.0.quantity']", "12")
    page.select_option("select[name='lines.1.product_id']", str(serum.id))
    page.fill("input[name='lines.1.quantity']", "0")
    screenshot(page, f"console-stock-receive-{name}")
    page.click("button:has-text('确认入库')")
    # The browser itself refuses a quantity under 1 (the server's refusal is tests/test_console_stock_tasks.py's).
    assert page.eval_on_selector("input[name='lines.1.quantity']", "input => !input.validity.valid")
    assert stock_of(cream, warehouse) == (0, 0)
    page.fill("input[name='lines.1.quantity']", "5")
    page.click("button:has-text('确认入库')")
    page.wait_for_url("**/admin/stock")
    assert stock_of(cream, warehouse) == (12, 0) and stock_of(serum, warehouse) == (5, 0)
    page.goto(page.url + f"/warehouses/{warehouse.id}")
    screenshot(page, f"console-warehouse-{name}")


@pytest.mark.parametrize("name, viewport", [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_owner_names_the_brand_and_the_top_bar_shows_it(sign_in, name, viewport):
    page = sign_in("owner", viewport)
    page.goto(page.url + "settings/brand")
    page.fill("input[name=name]", "玫瑰小镇")
    page.fill("input[name=service_phone]", "400-123-4567")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=品牌设置已保存")
    assert "玫瑰小镇 · 管理后台" in page.inner_text("header")
    screenshot(page, f"console-brand-{name}")


def test_finance_refund_one_unit_of_a_shipped_order(sign_in):
    agent = make_agent()
    product, _ = orderable(100, name="玫瑰面霜退货")
    order = advanced(place(agent, (product, 3)), "pay", "pick")
    service.ship(order.id, actor="admin:1", carrier="顺丰", tracking_no=unique("SF"))
    page = sign_in("finance")
    page.goto(page.url + f"orders/{order.id}")
    page.fill(f"input[name='refund.{product.id}']", "1")
    page.fill("form.refund-form input[name=reason]", "破损一件")
    screenshot(page, "console-order-partial-refund")
    page.click("button:has-text('按所填数量退款')")
    page.wait_for_selector("text=已退款")
    assert service.get_order(order.id).refunded_fen == 10000
