"""The console's WeChat Pay pages in real headless Chromium: the daily reconciliation and WeChat transfers in the
withdrawal queue. Screenshots: test-output/screenshots/console-reconciliation-*.png, console-withdrawal-transfer*.png.
"""
import pytest

from app.finance import service as finance
from app.finance.jobs import reconcile_trade_bill
from tests.browser import DESKTOP, PHONE, browser, screenshot  # noqa: F401  (browser is a fixture)
from tests.factories import settings_changed, unique, with_available
from tests.fake_wechat_pay_v3 import trade_bill_csv
from tests.test_console_browser import sign_in  # noqa: F401  (a fixture)
from tests.test_pay_reconciliation import pay, today  # noqa: F401  (pay is a fixture)

pytestmark = pytest.mark.committed


def test_finance_reads_the_days_discrepancies_on_a_laptop_and_a_phone(sign_in, pay, wechat_pay_v3):
    kept, _ = pay.order(100)
    unbilled, _ = pay.order(58)
    wechat_pay_v3.put_trade_bill(today(), trade_bill_csv(payments=[(kept, 9990), ("261201000999", 300)]))
    reconcile_trade_bill(today())
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = sign_in("finance", viewport)
        page.goto(page.url + "finance/reconciliation")
        screenshot(page, f"console-reconciliation-{name}")
        text = page.inner_text("main")
        assert "微信支付对账" in text and unbilled in text and "系统有、账单无" in text
        assert "金额不符" in text and "账单有、系统无" in text and "261201000999" in text
    page.click("text=只看未解决")
    assert "待处理" in page.inner_text("main")


def test_finance_sees_a_wechat_transfer_in_the_queue_and_asks_how_it_stands(sign_in, wechat_pay_v3):
    from app.accounts.models import WechatUser
    from app.agents.models import Agent

    agent = with_available(50000)
    Agent.update(wechat_user=WechatUser.create(openid=unique("openid-"))).where(Agent.id == agent.id).execute()
    withdrawal = finance.request_withdrawal(agent_id=agent.id, amount_fen=20000)
    with settings_changed(WECHAT_PAY_TRANSFER_SCENE_ID="1005"):
        page = sign_in("finance")
        page.goto(page.url + "finance/withdrawals")
        page.click(f"tr:has-text('#{withdrawal.id}') >> button:has-text('批准')")
        page.wait_for_selector("text=待确认收款")
        screenshot(page, "console-withdrawal-transfer")
        row = page.inner_text(f"tr:has-text('#{withdrawal.id}')")
        assert f"WD{withdrawal.id:012d}" in row and "标记已打款" not in row and "拒绝" not in row
        wechat_pay_v3.finish_transfer(finance.get_withdrawal(withdrawal.id).out_bill_no, notify=False)
        page.click(f"tr:has-text('#{withdrawal.id}') >> button:has-text('查询转账')")
        page.wait_for_selector("text=已查询")
        screenshot(page, "console-withdrawal-transfer-paid")
    assert finance.get_withdrawal(withdrawal.id).status == "paid"
    assert "已打款" in page.inner_text(f"tr:has-text('#{withdrawal.id}')")
