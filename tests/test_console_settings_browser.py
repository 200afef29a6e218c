"""The owner's settings journey in real headless Chromium: a level, a product's price at it, a commission rule
version previewed then saved, a staff account and its role. Screenshots: test-output/screenshots/settings-*.png."""
import pytest

from app.accounts.models import AdminUser
from app.agents.models import AgentLevel
from app.catalog.models import LevelPrice
from app.finance.models import CommissionRuleVersion
from tests.browser import PHONE, browser, screenshot  # noqa: F401  (browser is a fixture)
from tests.factories import make_agent, make_network_levels, priced_product
from tests.test_console_browser import sign_in  # noqa: F401  (a fixture)

pytestmark = pytest.mark.committed


def test_the_owner_sets_up_levels_prices_rules_and_accounts(sign_in, live_server):
    general, regional, ordinary = make_network_levels()
    buyer = make_agent(level=ordinary, upline=make_agent(level=regional, upline=make_agent(level=general)))
    product = priced_product({general: 6000, regional: 8000, ordinary: 10000})
    page = sign_in("owner")

    page.click("nav.mainnav >> text=设置")
    page.fill("input[name=name]", "体验代理")
    page.fill("input[name=rank]", "50")
    page.click("button:has-text('创建等级')")
    page.wait_for_selector("text=已创建等级「体验代理」")
    screenshot(page, "settings-levels")
    level = AgentLevel.get(AgentLevel.name == "体验代理")

    page.click("nav.subnav >> text=商品与价格")
    page.click(f"tr:has-text('{product.name}') >> text=价格设置")
    page.fill(f"form[action$='/prices/{level.id}'] input[name=price]", "120")
    page.click(f"form[action$='/prices/{level.id}'] button")
    page.wait_for_selector("text=已设置体验代理的拿货价")
    screenshot(page, "settings-product")
    assert LevelPrice.get(LevelPrice.product == product.id, LevelPrice.level == level.id).price_fen == 12000

    page.click("nav.subnav >> text=佣金规则")
    page.click("text=新版本（可先预览）")
    page.fill("input[name=buyer]", buyer.name)
    page.select_option("select[name=product_id]", str(product.id))
    page.click("button:has-text('预览佣金')")
    page.wait_for_selector("#preview")
    screenshot(page, "settings-rule-preview")
    assert "佣金合计\t40.00" in page.inner_text("#preview")
    page.fill("input[name=note]", "级差试行")
    page.click("button:has-text('保存新版本')")
    page.wait_for_selector("text=已保存规则版本")
    screenshot(page, "settings-rule-saved")
    assert CommissionRuleVersion.get().note == "级差试行"

    page.click("nav.subnav >> text=账号与角色")
    page.fill("form[action$='/settings/users'] input[name=username]", "xiaowang")
    page.fill("form[action$='/settings/users'] input[name=password]", "secret-123")
    page.click("button:has-text('创建账号')")
    page.wait_for_selector("text=已创建账号 xiaowang")
    page.select_option("tr:has-text('xiaowang') select[name=role]", "finance")
    page.click("tr:has-text('xiaowang') >> button:has-text('改角色')")
    page.wait_for_selector("text=xiaowang 的角色已改为财务")
    screenshot(page, "settings-users")
    assert AdminUser.get(AdminUser.username == "xiaowang").role == "finance"


def test_the_settings_pages_fit_a_phone(sign_in, live_server):
    priced_product({make_network_levels()[0]: 5000})
    page = sign_in("owner", PHONE)
    for name, path in (("levels", "/admin/settings"), ("rule-new", "/admin/settings/rules/new"),
                       ("users", "/admin/settings/users")):
        page.goto(live_server + path)
        screenshot(page, f"settings-{name}-phone")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
