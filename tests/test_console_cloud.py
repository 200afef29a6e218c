"""Console pages for cloud stock: holdings with their age and export, moves, and pickups picked and shipped."""
from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.clock import utcnow
from app.cloud import service as cloud
from app.cloud.models import CloudStock
from tests.browser import browser  # noqa: F401  (a fixture)
from tests.factories import ADDRESS, console_as, console_post, in_cloud, make_agent, orderable, picked_up, stock_of


def requested_pickup(*, on_hand, held, quantity):
    """An agent holding `held` units of a product in cloud stock, and the 提货 it asked for of `quantity` of them:
    (pickup, product, warehouse)."""
    agent = make_agent()
    product, warehouse = orderable(on_hand=on_hand)
    in_cloud(agent, product, held)
    pickup, _ = cloud.request_pickup(agent=agent, idempotency_key="p", consignee=ADDRESS,
                                     items=[{"product_id": product.id, "quantity": quantity}])
    return pickup, product, warehouse


def held_for(agent, days):
    CloudStock.update(held_since=utcnow() - timedelta(days=days)).where(CloudStock.agent == agent.id).execute()


def test_the_cloud_page_shows_each_agents_units_and_how_long_they_are_held(client):
    agent = make_agent(name="囤货代理")
    product, _ = orderable(on_hand=20)
    in_cloud(agent, product, 7)
    held_for(agent, 100)
    console_as(client, "finance")
    page = client.get("/admin/cloud").get_data(as_text=True)
    assert "囤货代理" in page and "7" in page and ">100<" in page and ">3<" in page


def test_the_age_filter_keeps_only_holdings_held_that_long(client):
    old, new = make_agent(name="老代理"), make_agent(name="新代理")
    product, _ = orderable(on_hand=20)
    in_cloud(old, product, 2)
    in_cloud(new, product, 2)
    held_for(old, 200)
    console_as(client, "finance")
    page = client.get("/admin/cloud?held_months=6").get_data(as_text=True)
    assert "老代理" in page and "新代理" not in page


def test_the_holdings_export_carries_the_age(client):
    agent = make_agent(name="囤货代理")
    product, _ = orderable(on_hand=20)
    in_cloud(agent, product, 7)
    held_for(agent, 95)
    console_as(client, "finance")
    response = client.get("/admin/cloud/export")
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][-1] == "囤货月数" and rows[1][0] == "囤货代理" and rows[1][-1] == 3


def test_the_moves_page_lists_every_change_with_its_reason(client):
    agent = make_agent()
    product, _ = orderable(on_hand=20)
    in_cloud(agent, product, 7)
    console_as(client, "finance")
    page = client.get(f"/admin/cloud/moves?agent_id={agent.id}").get_data(as_text=True)
    assert "进货入云仓" in page and "+7" in page


def test_the_warehouse_picks_and_ships_a_pickup_from_its_page(client):
    pickup, product, warehouse = requested_pickup(on_hand=20, held=7, quantity=3)
    console_as(client, "warehouse")
    assert "开始配货" in client.get("/admin/cloud/pickups").get_data(as_text=True)
    assert console_post(client, f"/admin/cloud/pickups/{pickup.id}/pick").status_code == 302
    shipped = console_post(client, f"/admin/cloud/pickups/{pickup.id}/ship", {"carrier": "顺丰", "tracking_no": "SF9"})
    assert shipped.status_code == 302 and cloud.get_pickup(pickup.id).status == "shipped"
    assert stock_of(product, warehouse) == (17, 4)


def test_finance_sees_pickups_but_cannot_ship_them(client):
    pickup, _, _ = requested_pickup(on_hand=20, held=7, quantity=3)
    console_as(client, "finance")
    page = client.get("/admin/cloud/pickups").get_data(as_text=True)
    assert f"#{pickup.id}" in page and "开始配货" not in page
    assert console_post(client, f"/admin/cloud/pickups/{pickup.id}/pick").status_code == 403


def test_a_shipped_pickups_page_shows_the_codes_packed_in_it_by_product(client):
    agent = make_agent(name="陈小美")
    pickup, texts = picked_up(agent, 2)
    console_as(client, "warehouse")
    page = client.get(f"/admin/cloud/pickups/{pickup.id}").get_data(as_text=True)
    assert "发货防伪码" in page and "共 2 个" in page and all(text in page for text in texts) and "陈小美" in page


def test_a_pickup_not_yet_shipped_shows_no_codes(client):
    pickup, _, _ = requested_pickup(on_hand=5, held=5, quantity=2)
    console_as(client, "finance")
    page = client.get(f"/admin/cloud/pickups/{pickup.id}").get_data(as_text=True)
    assert f"提货单 #{pickup.id}" in page and "发货防伪码" not in page


def test_the_pickups_list_links_each_pickup_to_its_page(client):
    from tests.factories import picked_up
    pickup, _ = picked_up(make_agent(), 1)
    console_as(client, "warehouse")
    assert f'href="/admin/cloud/pickups/{pickup.id}"' in client.get("/admin/cloud/pickups").get_data(as_text=True)


def sold_down(units=10, quantity=4, *, upline_name="上级李", downline_name="下级王"):
    """An upline holding `units` of a product and its downline having bought `quantity` of them (转货)."""
    from app.catalog import service as catalog
    from tests.factories import make_level, with_goods
    top, low = make_level(), make_level()
    upline = make_agent(level=top, name=upline_name)
    downline = with_goods(1_000_000, agent=make_agent(level=low, upline=upline, name=downline_name))
    product, _ = orderable(on_hand=50, name="玫瑰精华")
    for level, fen in ((top, 6000), (low, 9000)):
        catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=fen)
    in_cloud(upline, product, units)
    done = cloud.transfer_from_upline(downline=downline, product_id=product.id, quantity=quantity,
                                      idempotency_key="t-1")
    return upline, downline, product, done.transfer


def test_the_transfers_page_shows_who_sold_what_to_whom_for_how_much(client):
    _, _, _, transfer = sold_down()
    console_as(client, "finance")
    page = client.get("/admin/cloud/transfers").get_data(as_text=True)
    assert all(text in page for text in (f"#{transfer.id}", "上级李", "下级王", "玫瑰精华", "360.00", "已完成", "撤销"))


def test_the_transfers_page_filters_by_agent_and_day(client):
    upline, _, _, transfer = sold_down()
    stranger = make_agent()
    console_as(client, "finance")
    assert f"#{transfer.id}" in client.get(f"/admin/cloud/transfers?agent_id={upline.id}").get_data(as_text=True)
    assert f"#{transfer.id}" not in client.get(f"/admin/cloud/transfers?agent_id={stranger.id}").get_data(as_text=True)
    assert "没有转货记录" in client.get("/admin/cloud/transfers?date_from=2000-01-01&date_to=2000-01-02").get_data(
        as_text=True)


def test_the_transfers_export_carries_price_money_and_status(client):
    sold_down()
    console_as(client, "finance")
    response = client.get("/admin/cloud/transfers/export")
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("转货编号", "时间", "上级") and rows[1][2] == "上级李" and rows[1][4] == "下级王"
    assert rows[1][9:12] == ("90.00", "360.00", "已完成")


def test_finance_reverses_a_transfer_with_a_reason_from_its_page(client):
    from tests.factories import goods_of
    upline, downline, product, transfer = sold_down()
    console_as(client, "finance")
    response = console_post(client, f"/admin/cloud/transfers/{transfer.id}/reverse", {"reason": "下级拍错数量"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已撤销" in page and "下级拍错数量" in page
    assert goods_of(downline)[0] == 1_000_000 and goods_of(upline)[0] == 0


def test_a_reversal_the_downline_cannot_cover_is_refused_on_the_page_with_its_reason(client):
    _, downline, product, transfer = sold_down()
    cloud.request_pickup(agent=downline, idempotency_key="p", consignee=ADDRESS,
                         items=[{"product_id": product.id, "quantity": 2}])
    console_as(client, "finance")
    response = console_post(client, f"/admin/cloud/transfers/{transfer.id}/reverse", {"reason": "错了"})
    assert response.status_code == 409 and "无法撤销该转货" in response.get_data(as_text=True)


def test_the_warehouse_sees_transfers_but_cannot_reverse_them(client):
    _, _, _, transfer = sold_down()
    console_as(client, "warehouse")
    page = client.get("/admin/cloud/transfers").get_data(as_text=True)
    assert f"#{transfer.id}" in page and "撤销原因" not in page
    assert console_post(client, f"/admin/cloud/transfers/{transfer.id}/reverse", {"reason": "错"}).status_code == 403


def test_the_transfer_api_reverses_once_and_then_answers_409(client):
    from tests.factories import admin_headers, make_admin
    _, _, _, transfer = sold_down()
    headers = admin_headers(client, make_admin("finance"))
    first = client.post(f"/admin/api/cloud/transfers/{transfer.id}/reverse", json={"reason": "错"}, headers=headers)
    again = client.post(f"/admin/api/cloud/transfers/{transfer.id}/reverse", json={"reason": "错"}, headers=headers)
    assert first.status_code == 200 and first.get_json()["reversal_reason"] == "错"
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "transfer_already_reversed"


@pytest.mark.committed
def test_the_cloud_pages_in_a_browser_on_a_laptop_and_a_phone(browser, live_server):
    from tests.browser import DESKTOP, PHONE, console_page, screenshot
    from tests.factories import DEFAULT_PASSWORD, make_admin
    agent = make_agent(name="陈小美")
    product, _ = orderable(on_hand=50, name="玫瑰面霜")
    in_cloud(agent, product, 12)
    held_for(agent, 130)
    cloud.request_pickup(agent=agent, idempotency_key="p", consignee=ADDRESS,
                         items=[{"product_id": product.id, "quantity": 3}])
    user = make_admin("warehouse")
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = console_page(browser, live_server, username=user.username, password=DEFAULT_PASSWORD,
                            viewport=viewport)
        page.goto(live_server + "/admin/cloud")
        assert "陈小美" in page.content()
        screenshot(page, f"console-cloud-{name}")
        page.goto(live_server + "/admin/cloud/pickups")
        screenshot(page, f"console-cloud-pickups-{name}")
        assert page.elsewhere == []
        page.close()


@pytest.mark.committed
def test_a_pickups_codes_in_a_browser_on_a_laptop_and_a_phone(browser, live_server):
    from tests.browser import DESKTOP, PHONE, console_page, screenshot
    from tests.factories import DEFAULT_PASSWORD, make_admin, picked_up
    pickup, texts = picked_up(make_agent(name="陈小美"), 3)
    user = make_admin("warehouse")
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = console_page(browser, live_server, username=user.username, password=DEFAULT_PASSWORD,
                            viewport=viewport)
        page.goto(live_server + "/admin/cloud/pickups")
        page.click(f"a:has-text('#{pickup.id}')")
        page.wait_for_selector("text=发货防伪码")
        assert all(text in page.inner_text(".shipment-codes") for text in texts)
        screenshot(page, f"console-cloud-pickup-codes-{name}")
        assert page.elsewhere == []
        page.close()


@pytest.mark.committed
def test_finance_reverses_a_transfer_in_a_browser(browser, live_server):
    from tests.browser import console_page, screenshot
    from tests.factories import DEFAULT_PASSWORD, make_admin
    sold_down()
    _, _, _, kept = sold_down(upline_name="上级赵", downline_name="下级钱")
    user = make_admin("finance")
    page = console_page(browser, live_server, username=user.username, password=DEFAULT_PASSWORD)
    page.goto(live_server + "/admin/cloud/transfers")
    row = page.locator("tr", has_text="下级王")
    row.locator("input[name=reason]").fill("下级拍错数量")
    row.locator("button:has-text('撤销')").click()
    page.wait_for_selector("text=已撤销，货物退回上级云仓")
    assert "下级拍错数量" in page.locator("tr", has_text="下级王").inner_text()
    assert "已完成" in page.locator("tr", has_text="下级钱").inner_text()
    screenshot(page, "console-cloud-transfers-reversed")
    assert page.elsewhere == [] and cloud.list_transfers()[0][0].id == kept.id
    page.close()


def test_the_owner_ticks_commission_on_transfers_in_a_new_rule_version(client):
    from app.finance import service as finance
    console_as(client, "owner")
    response = console_post(client, "/admin/settings/rules/new", {"level_difference.enabled": "true", "max_depth": "3",
                                                                  "cloud_transfers.enabled": "true"})
    assert response.status_code == 302
    assert "下级从上级云仓进货（转货）也按本规则分佣" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert finance.commission_on_cloud_transfers()


def test_a_paid_order_page_offers_picking_and_a_short_cloud_order_storing(client):
    from tests.factories import paid, place
    agent = make_agent()
    product, warehouse = orderable(on_hand=3)
    ordinary = paid(place(agent, (product, 1)))
    short = in_cloud(agent, product, 5)
    console_as(client, "warehouse")
    page = client.get(f"/admin/orders/{ordinary.id}").get_data(as_text=True)
    assert "开始配货" in page and "入云仓" not in page
    page = client.get(f"/admin/orders/{short.id}").get_data(as_text=True)
    assert ">入云仓<" in page and "开始配货" not in page
    from app.inventory import service as inventory
    inventory.receive(warehouse_id=warehouse.id, lines=[{"product_id": product.id, "quantity": 10}])
    assert console_post(client, f"/admin/orders/{short.id}/store").status_code == 302
    assert "已入云仓" in client.get(f"/admin/orders/{short.id}").get_data(as_text=True)
