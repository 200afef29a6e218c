"""The customer's tracking page `/t/<token>` (issue 21): what it shows, what it never shows, revocation, the rate
limit, and the whole journey over real HTTP: ship → subscribed → pushed trace → page → 签收 receives once."""
import threading

import pytest
import requests

from app.brand import service as brand
from app.money import format_yuan
from app.orders import jobs, refunds, service, tracking
from app.orders.models import OrderEvent, OrderLine
from tests.factories import (CUSTOMER, admin_headers, make_admin, make_agent, overridden_settings, push_to,
                             tracked_order)
from tests.test_order_tracking import MOVING, SIGNED


def page_of(client, order):
    response = client.get("/t/" + tracking.current_link(order.id).token)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_shows_brand_items_status_carrier_and_trace(client, fake_kuaidi100):
    order = tracked_order()
    jobs.subscribe_parcels()
    push_to(client, fake_kuaidi100, order, state="0", lines=MOVING)
    with overridden_settings(BRAND_NAME="花漾"):
        brand.forget_cached()
        html = page_of(client, order)
    line = order.line_list[0]
    for text in ("花漾", line.product_name, "× 2", "已发货", "中通", order.tracking_no, "快件已到达杭州西湖营业部",
                 "王*", "浙江省杭州市", service.order_no(order)):
        assert text in html, text


def test_the_page_never_shows_the_agents_price_phone_or_name(client, fake_kuaidi100):
    agent = make_agent(phone="13700001234", name="李代理")
    order = tracked_order(agent=agent, price_yuan=123.45)
    jobs.subscribe_parcels()
    push_to(client, fake_kuaidi100, order, state="0", lines=MOVING)
    for show_prices in (False, True):
        tracking.share_link(order.id, actor="test", show_prices=show_prices)
        html = page_of(client, order)
        line = OrderLine.get(OrderLine.order == order.id)
        for secret in ("123.45", format_yuan(line.paid_fen), format_yuan(order.total_fen), format_yuan(
                order.subtotal_fen), "13700001234", "1234", "李代理", CUSTOMER["phone"], CUSTOMER["address"]):
            assert secret not in html, secret


def test_prices_appear_only_when_the_agent_chooses_and_are_retail_prices(client):
    order = tracked_order(price_yuan=100)  # retail 300.00 each
    assert "¥" not in page_of(client, order)
    tracking.share_link(order.id, actor="test", show_prices=True)
    html = page_of(client, order)
    assert "¥600.00" in html and "建议零售价" in html


def test_without_a_provider_the_page_shows_no_trace_and_still_works(client, kuaidi100_server):
    order = tracked_order()
    html = page_of(client, order)
    assert "暂无物流轨迹" in html and order.tracking_no in html


def test_a_revoked_link_answers_not_found(client):
    order = tracked_order()
    token = tracking.current_link(order.id).token
    tracking.revoke_links(order.id, actor="test")
    response = client.get(f"/t/{token}")
    assert response.status_code == 404 and "链接无效或已停用" in response.get_data(as_text=True)


@pytest.mark.parametrize("token", ["x", "a" * 32, "../../etc/passwd", "²" * 20, "%00" * 10])
def test_an_unknown_or_odd_token_answers_not_found(client, token):
    assert client.get(f"/t/{token}").status_code == 404


def test_a_refunded_order_says_so(client):
    order = tracked_order()
    refunds.refund(order.id, actor="admin:1", reason="客户取消")
    assert "该订单已退款" in page_of(client, order)


def test_a_cancelled_order_says_so(client, fake_wechat):
    from tests.factories import orderable, place
    agent = make_agent()
    product, _ = orderable()
    order = place(agent, (product, 1))
    tracking.share_link(order.id, actor="test")
    service.cancel(order.id, actor="admin:1", reason="测试")
    assert "该订单已取消" in page_of(client, order)


def test_the_page_is_rate_limited_per_address_like_the_scan_page(client):
    order = tracked_order()
    token = tracking.current_link(order.id).token
    with overridden_settings(TRACKING_RATE_LIMIT="2/minute"):
        pages = [client.get(f"/t/{token}", environ_base={"REMOTE_ADDR": "10.9.8.7"}) for _ in range(3)]
    assert [page.status_code for page in pages] == [200, 200, 429]
    assert "查询过于频繁" in pages[-1].get_data(as_text=True)


def test_the_page_loads_nothing_from_elsewhere_and_is_not_cached(client):
    order = tracked_order()
    response = client.get("/t/" + tracking.current_link(order.id).token)
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store" and "<script" not in response.get_data(as_text=True)


@pytest.mark.committed
def test_ship_subscribe_push_page_and_signed_for_receives_once(live_server, fake_kuaidi100):
    with overridden_settings(PUBLIC_BASE_URL=live_server):
        order = tracked_order()
        headers = admin_headers(requests_client(live_server), make_admin("warehouse"))
        assert jobs.subscribe_parcels() == 1
        status, answer, *_ = fake_kuaidi100.push("zhongtong", order.tracking_no, state="0", lines=MOVING)
        assert (status, answer["result"]) == (200, True)
        link = requests.get(f"{live_server}/admin/api/orders/{order.id}/tracking", headers=headers).json()["link"]
        page = requests.get(link["url"])
        assert page.status_code == 200 and "快件已揽收" in page.text
        status, answer, param, sign = fake_kuaidi100.push("zhongtong", order.tracking_no, state="3", lines=SIGNED)
        assert status == 200
        replay = requests.post(f"{live_server}/tracking/kuaidi100/" + fake_kuaidi100.subscriptions[
            ("zhongtong", order.tracking_no)]["callbackurl"].rsplit("/", 1)[1], data={"param": param, "sign": sign})
        assert replay.status_code == 409
    assert service.get_order(order.id).status == "received"
    assert "已签收" in requests.get(link["url"]).text
    assert OrderEvent.select().where(OrderEvent.order == order.id, OrderEvent.action == "receive").count() == 1


class requests_client:
    """Just enough of a test client for admin_headers over real HTTP."""

    def __init__(self, base):
        self.base = base

    def post(self, path, json):
        response = requests.post(self.base + path, json=json)
        response.get_json = response.json
        return response


@pytest.mark.committed
@pytest.mark.mysql_only
def test_concurrent_signed_for_pushes_receive_the_order_once(live_server, fake_kuaidi100):
    with overridden_settings(PUBLIC_BASE_URL=live_server):
        order = tracked_order()
        jobs.subscribe_parcels()
        bodies = [fake_kuaidi100.push_body("zhongtong", order.tracking_no, state="3",
                                           lines=[(f"2026-12-03 15:0{i}:00", f"已签收{i}")] + SIGNED)
                  for i in range(6)]
        answers, barrier = [], threading.Barrier(len(bodies))

        def push(param):
            barrier.wait()
            answers.append(fake_kuaidi100.push("zhongtong", order.tracking_no, param=param)[0])
        threads = [threading.Thread(target=push, args=(body,)) for body in bodies]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert answers == [200] * len(bodies)
    assert OrderEvent.select().where(OrderEvent.order == order.id, OrderEvent.action == "receive").count() == 1
    assert service.get_order(order.id).status == "received"


def test_a_push_costs_six_statements_whatever_the_length_of_its_trace(client, fake_kuaidi100):
    from tests.statements import counted
    order = tracked_order()
    jobs.subscribe_parcels()
    push_to(client, fake_kuaidi100, order, state="0", lines=MOVING[1:])
    lines = [(f"2026-12-02 19:{minute:02d}:00", f"转运第{minute}站") for minute in range(30)] + MOVING
    with counted() as statements:
        assert push_to(client, fake_kuaidi100, order, state="0", lines=lines).status_code == 200
    assert len(statements) == 6
    assert len(tracking.trace_of(order.id).lines) == 32


def test_the_tracking_page_costs_six_statements(client, fake_kuaidi100):
    from tests.statements import counted
    order = tracked_order()
    jobs.subscribe_parcels()
    push_to(client, fake_kuaidi100, order, state="0", lines=MOVING)
    token = tracking.current_link(order.id).token
    client.get(f"/t/{token}")
    with counted() as statements:
        assert client.get(f"/t/{token}").status_code == 200
    assert len(statements) == 6
