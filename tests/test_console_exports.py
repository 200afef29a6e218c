"""Every console list exports what it shows to .xlsx: Chinese headers, the page's filters, yuan and local times."""
from datetime import date
from io import BytesIO

from openpyxl import load_workbook

from app.admin.pages import exports
from app.clock import local_text
from app.codes.models import Code, CodeFlag
from app.finance import service as finance
from app.inventory import stocktakes
from app.tasks import worker
from tests.factories import (codes_of, console_as, make_admin, make_application, make_batch, make_product,
                             make_rules, pending_proposal, pending_withdrawal, price_violation, queued_message,
                             stocked)


def sheet_rows(response):
    """The header row and the data rows of a downloaded .xlsx."""
    assert response.status_code == 200 and response.data[:2] == b"PK"
    rows = list(load_workbook(BytesIO(response.data)).active.iter_rows(values_only=True))
    return rows[0], rows[1:]


def exported(client, role, path):
    """The header row and the data rows of the .xlsx a user of `role` downloads from `path`."""
    console_as(client, role)
    return sheet_rows(client.get(path))


def test_applications_export_the_pending_ones_by_default(client):
    application = make_application(name="张三")
    headers, rows = exported(client, "staff", "/admin/agents/applications/export")
    assert headers == ("申请时间", "姓名", "电话", "省", "市", "邀请人ID", "申请等级", "状态", "处理说明")
    assert rows[0][:3] == (local_text(application.created_at), "张三", "13912345678")
    assert rows[0][7] == "待处理"


def test_applications_export_only_the_chosen_status(client):
    make_application()
    _, rows = exported(client, "staff", "/admin/agents/applications/export?status=rejected")
    assert rows == []


def test_a_big_list_export_is_made_in_the_background_with_the_same_rows(client, monkeypatch):
    monkeypatch.setattr(exports, "BACKGROUND_ROWS", -1)
    make_application(name="李四")
    console_as(client, "staff")
    task_page = client.get("/admin/agents/applications/export").headers["Location"]
    assert worker.run_next(worker="w1").status == "done"
    _, rows = sheet_rows(client.get(task_page + "/download"))
    assert [row[1] for row in rows] == ["李四"]


def test_proposals_export_the_waiting_promotions(client):
    proposal, agent = pending_proposal()
    headers, rows = exported(client, "staff", "/admin/agents/proposals/export")
    assert headers == ("时间", "代理ID", "调整", "原等级", "新等级", "依据", "状态", "处理说明")
    assert rows[0][:3] == (local_text(proposal.created_at), agent.id, "升级") and rows[0][6] == "待处理"


def test_withdrawals_export_amounts_in_yuan(client):
    withdrawal = pending_withdrawal(20000)
    headers, rows = exported(client, "finance", "/admin/finance/withdrawals/export?status=pending")
    assert headers == ("编号", "代理ID", "金额（元）", "收款方式", "收款人", "收款账户", "状态", "申请时间", "说明")
    assert (withdrawal.id, withdrawal.agent_id, "200.00", "微信零钱") in [row[:4] for row in rows]
    assert ("待审核", local_text(withdrawal.created_at)) in [row[6:8] for row in rows]


def test_the_warehouse_may_not_export_withdrawals(client):
    console_as(client, "warehouse")
    assert client.get("/admin/finance/withdrawals/export").status_code == 403


def test_an_agents_ledger_exports_its_postings(client):
    withdrawal = pending_withdrawal(20000)
    headers, rows = exported(client, "finance", f"/admin/finance/ledger/export?agent_id={withdrawal.agent_id}")
    assert headers == ("时间", "账户", "金额（元）", "订单", "说明")
    assert ("提现冻结", "200.00") in [row[1:3] for row in rows]


def test_expenses_export_with_their_category_name(client):
    finance.create_expense(category="rent", spent_on=date(2026, 3, 1), amount_fen=12050, note="三月房租")
    headers, rows = exported(client, "finance", "/admin/finance/expenses/export?category=rent")
    assert headers == ("日期", "类别", "金额（元）", "备注")
    assert ("房租", "120.50", "三月房租") in [row[1:] for row in rows]


def test_products_export_their_prices_in_yuan(client):
    product = make_product(name="导出面霜", cost_fen=4000, retail_fen=30000)
    headers, rows = exported(client, "warehouse", "/admin/settings/products/export?search=导出面霜")
    assert headers == ("ID", "商品", "规格", "单位", "条码", "成本价（元）", "零售价（元）", "状态")
    assert [(row[0], row[1], row[5], row[6], row[7]) for row in rows] == [
        (product.id, "导出面霜", "40.00", "300.00", "在售")]


def test_users_export_without_password_hashes(client):
    staff = make_admin("staff")
    headers, rows = exported(client, "owner", "/admin/settings/users/export")
    assert headers == ("用户名", "姓名", "角色", "状态", "创建时间", "最近登录")
    assert (staff.username, staff.display_name, "运营", "启用", local_text(staff.created_at), "从未") in rows
    assert not any(staff.password_hash in str(cell) for row in rows for cell in row)


def test_only_the_owner_may_export_users(client):
    console_as(client, "staff")
    assert client.get("/admin/settings/users/export").status_code == 403


def test_rule_versions_export(client):
    version = make_rules(level_difference={})
    headers, rows = exported(client, "finance", "/admin/settings/rules/export")
    assert headers == ("版本", "生效日期", "分佣层级", "备注", "创建时间")
    assert (version.id, 3, local_text(version.created_at)) in [(row[0], row[2], row[4]) for row in rows]


def test_stock_takes_export_with_their_warehouse(client):
    _, warehouse = stocked(5)
    take = stocktakes.open_stock_take(warehouse_id=warehouse.id)
    headers, rows = exported(client, "warehouse", "/admin/stocktakes/export")
    assert headers == ("编号", "仓库", "状态", "开始", "过账", "原因")
    assert (take.id, warehouse.name, "进行中", local_text(take.opened_at)) in [row[:4] for row in rows]


def test_the_outbox_exports_the_chosen_status(client):
    message = queued_message("failed")
    headers, rows = exported(client, "staff", "/admin/outbox/export?status=failed")
    assert headers == ("编号", "类型", "接收人", "状态", "尝试次数", "创建时间", "发送时间", "错误")
    assert (message.id, "库存不足", "全体品牌方", "发送失败") in [row[:4] for row in rows]
    assert {row[3] for row in rows} == {"发送失败"}


def test_price_violations_export_prices_and_range_in_yuan(client):
    violation = price_violation()
    headers, rows = exported(client, "staff", f"/admin/price-control/export?agent_id={violation.agent_id}")
    assert headers == ("编号", "代理ID", "类型", "成交价（元）", "最低价（元）", "最高价（元）", "地区", "状态", "处理备注",
                       "时间")
    assert [row[:6] for row in rows] == [(violation.id, violation.agent_id, "低于控价", "1.00", "99.00", "129.00")]


def test_the_warehouse_may_not_export_price_violations(client):
    console_as(client, "warehouse")
    assert client.get("/admin/price-control/export").status_code == 403


def test_flagged_codes_export_with_their_code(client):
    flag = CodeFlag.create(code=Code.get(Code.code == codes_of(make_batch(1))[0]), reason="many_scans")
    headers, rows = exported(client, "staff", "/admin/codes/flags/export?status=open")
    assert headers == ("编号", "防伪码", "原因", "扫码次数", "状态", "处理备注", "时间")
    assert (flag.id, flag.code.code) in [row[:2] for row in rows] and rows[0][4] == "待处理"
