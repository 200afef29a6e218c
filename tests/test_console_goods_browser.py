"""The goods-balance console pages in headless Chromium: finance confirms a transfer top-up against its proof.

Screenshots go to test-output/screenshots/console-goods-*.png (laptop and phone widths).
"""
import pytest

from app.database import db
from app.finance import service as finance
from tests.browser import DESKTOP, PHONE, browser, screenshot  # noqa: F401  (browser is a fixture)
from tests.factories import make_agent, with_goods
from tests.test_console_browser import sign_in  # noqa: F401  (a fixture: a signed-in page, nothing from elsewhere)
from tests.test_console_goods import PNG

pytestmark = pytest.mark.committed


def test_finance_confirms_a_transfer_top_up_and_reads_the_agents_goods(sign_in, live_server):
    agent = make_agent(name="周货款")
    top_up = finance.submit_transfer_top_up(agent_id=agent.id, amount_fen=880000, proof_content=PNG,
                                            reference="招行尾号6688")
    with_goods(120000, agent=agent)
    with db.atomic():  # a step, posted inside a transaction as a use case would
        finance.debit_goods(agent_id=agent.id, amount_fen=35600, reason="order", reference="order:261203000012",
                            memo="订单 261203000012 付款")
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = sign_in("finance", viewport)
        page.goto(live_server + "/admin/finance/goods/top-ups?status=pending")
        screenshot(page, f"console-goods-top-ups-{name}")
        assert "8800.00" in page.inner_text("main") and "招行尾号6688" in page.inner_text("main")
        page.goto(live_server + f"/admin/finance/agents/{agent.id}/goods")
        screenshot(page, f"console-goods-agent-{name}")
        assert "订单付款" in page.inner_text("main")
    page = sign_in("finance", DESKTOP)
    page.goto(live_server + "/admin/finance/goods/top-ups?status=pending")
    page.click(f"tr:has-text('#{top_up.id}') >> button:has-text('确认到账')")
    page.wait_for_selector("text=货款已入账")
    screenshot(page, "console-goods-top-up-confirmed")
    page.goto(live_server + f"/admin/agents/{agent.id}")
    screenshot(page, "console-goods-agent-detail")
    assert "货款余额" in page.inner_text("main")
    assert finance.goods_balance(agent_id=agent.id).balance_fen == 880000 + 120000 - 35600
