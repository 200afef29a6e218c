"""What a person reads on the console: names instead of internal ids, and agents picked by name or phone."""
import json

import pytest

from app.orders import service
from tests.factories import (advanced, console_as, console_post, make_admin, make_agent, orderable, place,
                             queued_message, settings_changed, unique)


@pytest.fixture
def order_of_named_buyer():
    buyer = make_agent(name=unique("买家"), phone="13911110001")
    product, _ = orderable(100)
    return advanced(place(buyer, (product, 2)), "pay"), buyer


def text_of(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_order_list_names_the_buyer_with_a_link(client, order_of_named_buyer):
    order, buyer = order_of_named_buyer
    console_as(client, "owner")
    page = text_of(client.get("/admin/orders"))
    assert f'<a href="/admin/agents/{buyer.id}">{buyer.name}</a>' in page
    assert "代理 #" not in page


def test_the_order_log_names_the_console_user_who_acted(client, order_of_named_buyer):
    order, _ = order_of_named_buyer
    staff = make_admin("finance")
    service.pick(order.id, actor=f"admin:{staff.id}")
    console_as(client, "owner")
    page = text_of(client.get(f"/admin/orders/{order.id}"))
    assert staff.username in page and f"admin:{staff.id}" not in page


def test_the_order_log_calls_the_jobs_system(client, order_of_named_buyer):
    order, _ = order_of_named_buyer
    service.pick(order.id, actor="system")
    console_as(client, "owner")
    page = text_of(client.get(f"/admin/orders/{order.id}"))
    assert "<td>系统</td>" in page


def test_the_order_page_sets_refunds_and_cancellations_apart(client, order_of_named_buyer):
    order, _ = order_of_named_buyer
    console_as(client, "owner")
    page = text_of(client.get(f"/admin/orders/{order.id}"))
    groups, danger = page.index('class="action-groups"'), page.index('class="card danger-zone"')
    assert groups < page.index("开始配货") < danger < page.index("全额退款")
    assert page.index("取消原因") > danger


def test_stock_moves_show_the_order_number_linked(client, order_of_named_buyer):
    order, _ = order_of_named_buyer
    console_as(client, "owner")
    page = text_of(client.get("/admin/stock/moves"))
    assert f'<a href="/admin/orders/{order.id}">{service.order_no(order)}</a>' in page
    assert f"order:{order.id}" not in page


def test_stock_moves_are_found_by_order_number(client, order_of_named_buyer):
    order, _ = order_of_named_buyer
    other, _ = orderable(50)
    console_as(client, "owner")
    page = text_of(client.get("/admin/stock/moves", query_string={"reference": service.order_no(order)}))
    assert "共 1 条" in page and other.name not in page.split("<tbody>")[1]


def test_the_outbox_shows_kinds_and_recipients_in_chinese(client):
    agent = make_agent(name=unique("收件代理"))
    queued_message(kind="order_shipped", recipient=f"agent:{agent.id}")
    console_as(client, "owner")
    page = text_of(client.get("/admin/outbox"))
    assert "订单已发货" in page and f"代理 {agent.name}" in page
    assert "order_shipped" not in page.replace('value="order_shipped"', "") and f"agent:{agent.id}" not in page


def test_without_official_account_credentials_waiting_messages_show_as_unconfigured(client):
    queued_message(kind="low_stock")
    console_as(client, "owner")
    with settings_changed(WECHAT_OA_APPID="", WECHAT_OA_SECRET=""):
        page = text_of(client.get("/admin/outbox"))
    assert '<span class="badge unconfigured">未配置</span>' in page
    assert "待发送" not in page.split("<tbody>")[1]


def test_with_credentials_waiting_messages_show_as_waiting(client):
    queued_message(kind="low_stock")
    console_as(client, "owner")
    assert '<span class="badge pending">待发送</span>' in text_of(client.get("/admin/outbox"))


def test_the_outbox_is_filtered_by_an_agent_picked_by_name(client):
    agent, other = make_agent(name=unique("甲代理")), make_agent(name=unique("乙代理"))
    queued_message(kind="order_shipped", recipient=f"agent:{agent.id}")
    queued_message(kind="order_paid", recipient=f"agent:{other.id}")
    console_as(client, "owner")
    page = text_of(client.get("/admin/outbox", query_string={"agent": agent.name}))
    assert "订单已发货" in page and "订单已付款" not in page.split("<tbody>")[1]


def test_orders_are_filtered_by_an_agent_typed_by_name(client, order_of_named_buyer):
    order, buyer = order_of_named_buyer
    other, _ = order_of_named_buyer_like()
    console_as(client, "owner")
    page = text_of(client.get("/admin/orders", query_string={"agent_id": buyer.name}))
    assert service.order_no(order) in page and service.order_no(other) not in page
    assert f'value="{buyer.name} {buyer.phone}"' in page


def test_orders_are_filtered_by_an_agent_typed_by_phone(client, order_of_named_buyer):
    order, buyer = order_of_named_buyer
    console_as(client, "owner")
    page = text_of(client.get("/admin/orders", query_string={"agent_id": "+86 139 1111 0001"}))
    assert service.order_no(order) in page


def test_a_name_several_agents_share_asks_for_the_phone(client):
    name = unique("同名")
    make_agent(name=name, phone="13922220001"), make_agent(name=name, phone="13922220002")
    console_as(client, "owner")
    page = text_of(client.get("/admin/orders", query_string={"agent_id": name}))
    assert f"有多位代理叫「{name}」，请填写手机号" in page


def test_the_suggested_name_and_phone_pick_that_agent(client, order_of_named_buyer):
    order, buyer = order_of_named_buyer
    console_as(client, "owner")
    page = text_of(client.get("/admin/orders", query_string={"agent_id": f"{buyer.name} {buyer.phone}"}))
    assert service.order_no(order) in page and "没有找到" not in page


def test_a_name_no_agent_has_is_marked_next_to_the_field(client, order_of_named_buyer):
    console_as(client, "owner")
    page = text_of(client.get("/admin/orders", query_string={"agent_id": "没有这个人"}))
    assert "没有找到代理「没有这个人」" in page


def test_the_export_link_carries_the_picked_agents_id(client, order_of_named_buyer):
    _, buyer = order_of_named_buyer
    console_as(client, "owner")
    page = text_of(client.get("/admin/orders", query_string={"agent_id": buyer.name}))
    assert f"/admin/orders/export?agent_id={buyer.id}" in page


def test_the_lookup_suggests_agents_by_the_start_of_a_phone(client, order_of_named_buyer):
    _, buyer = order_of_named_buyer
    console_as(client, "warehouse")
    found = json.loads(text_of(client.get("/admin/agents/lookup", query_string={"q": "1391111"})))
    assert {"id": buyer.id, "label": f"{buyer.name} {buyer.phone}", "region": "广东省深圳市"} in found


def test_the_lookup_reads_an_odd_digit_as_no_phone(client, order_of_named_buyer):
    console_as(client, "owner")
    assert json.loads(text_of(client.get("/admin/agents/lookup", query_string={"q": "²" * 200}))) == []


def test_quick_entry_takes_the_agent_by_name(client, order_of_named_buyer):
    _, buyer = order_of_named_buyer
    console_as(client, "staff")
    page = text_of(console_post(client, "/admin/orders/new/draft",
                                {"agent_id": buyer.name, "text": "张三 13812345678 广东省深圳市南山区科技园路1号"}))
    assert f'name="agent_id" value="{buyer.id}"' in page and f"代理 {buyer.name}（按其等级价）" in page


def order_of_named_buyer_like():
    buyer = make_agent(name=unique("别的买家"))
    product, _ = orderable(80)
    return place(buyer, (product, 1)), buyer
