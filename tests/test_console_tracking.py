"""The console order page's tracking (issue 21): the parcel trace, the customer's share link, its revocation."""
from app.orders import jobs, tracking
from tests.factories import console_as, console_post, push_to, tracked_order
from tests.test_order_tracking import MOVING


def test_the_order_page_shows_the_trace_and_the_share_link(client, fake_kuaidi100):
    order = tracked_order()
    jobs.subscribe_parcels()
    push_to(client, fake_kuaidi100, order, state="0", lines=MOVING)
    console_as(client, "warehouse")
    html = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "快件已到达杭州西湖营业部" in html and "已订阅" in html and "运输中" in html
    assert tracking.current_link(order.id).url in html and "复制链接" in html


def test_without_a_provider_the_page_says_it_is_not_configured(client, kuaidi100_server):
    order = tracked_order()
    console_as(client, "staff")
    html = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert "未配置物流查询" in html and "刷新物流" not in html


def test_staff_choose_to_show_prices_and_revoke_the_link(client):
    order = tracked_order()
    old = tracking.current_link(order.id)
    console_as(client, "staff")
    shown = console_post(client, f"/admin/orders/{order.id}/tracking_link", {"show_prices": "1"})
    assert shown.status_code == 302 and tracking.current_link(order.id).show_prices is True
    revoked = console_post(client, f"/admin/orders/{order.id}/tracking_link_revoke")
    assert revoked.status_code == 302 and tracking.current_link(order.id) is None
    assert client.get(old.url.split("127.0.0.1:5000", 1)[-1]).status_code == 404


def test_the_warehouse_may_not_share_links(client):
    order = tracked_order()
    console_as(client, "warehouse")
    assert console_post(client, f"/admin/orders/{order.id}/tracking_link").status_code == 403


def test_a_failed_refresh_is_shown_on_the_page(client, fake_kuaidi100):
    order = tracked_order()
    jobs.subscribe_parcels()
    console_as(client, "staff")
    response = console_post(client, f"/admin/orders/{order.id}/tracking_refresh")
    assert response.status_code == 409 and "物流查询失败" in response.get_data(as_text=True)


def test_the_ship_form_offers_the_carriers(client):
    from tests.test_order_tracking import picked_order
    order = picked_order()
    console_as(client, "warehouse")
    html = client.get(f"/admin/orders/{order.id}").get_data(as_text=True)
    assert 'list="carrier-list"' in html and '<option value="极兔">jtexpress</option>' in html
