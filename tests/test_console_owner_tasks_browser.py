"""The owner's daily tasks in real headless Chromium, each page saved under test-output/screenshots/."""
import pytest

from app.agents.models import Agent
from tests.browser import DESKTOP, PHONE, browser, screenshot  # noqa: F401  (browser is a fixture)
from tests.factories import make_chain, make_level, make_product, make_warehouse, stock_of
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
    assert page.locator("em.error").count() == 1 and stock_of(cream, warehouse) == (0, 0)
    page.fill("input[name='lines.1.quantity']", "5")
    page.click("button:has-text('确认入库')")
    page.wait_for_url("**/admin/stock")
    assert stock_of(cream, warehouse) == (12, 0) and stock_of(serum, warehouse) == (5, 0)
    page.goto(page.url + f"/warehouses/{warehouse.id}")
    screenshot(page, f"console-warehouse-{name}")
