"""Parcel tracking (issue 21): carriers at shipment, the provider subscription and its retries, verified pushes
stored once, 签收 receiving the order once, returned and stuck notices, the console and mini-program API."""
import json

import pytest

from app.notify.service import queued
from app.orders import jobs, refunds, service, tracking
from app.orders.models import OrderEvent, Parcel, ParcelEvent
from tests.factories import (CUSTOMER, admin_headers, advanced, agent_headers, make_admin, make_agent, orderable,
                             overridden_settings, place, push_to, tracked_order)

SIGNED = [("2026-12-03 15:00:00", "已签收，签收人：本人", "杭州市", "签收"),
          ("2026-12-03 09:00:00", "快件已到达杭州西湖营业部", "杭州市", "在途"),
          ("2026-12-02 18:00:00", "快件已揽收", "深圳市", "揽收")]
MOVING = SIGNED[1:]


def picked_order():
    agent = make_agent()
    product, _ = orderable()
    return advanced(place(agent, (product, 1), consignee=CUSTOMER), "pay", "pick")


def subscribed(fake, **kwargs):
    order = tracked_order(**kwargs)
    assert jobs.subscribe_parcels() == 1
    return order


def receive_events(order):
    return OrderEvent.select().where(OrderEvent.order == order.id, OrderEvent.action == "receive").count()


# Carriers at shipment

def test_an_unknown_carrier_is_refused_at_shipment_in_chinese(client):
    order = picked_order()
    headers = admin_headers(client, make_admin("warehouse"))
    response = client.post(f"/admin/api/orders/{order.id}/ship", headers=headers,
                           json={"carrier": "火星快递", "tracking_no": "X123"})
    assert response.status_code == 422
    assert "不支持的快递公司" in response.get_json()["error"]["fields"]["carrier"]
    assert service.get_order(order.id).status == "picking"


def test_a_carrier_is_named_by_code_or_by_any_of_its_names():
    by_code = tracked_order(carrier="zhongtong")
    by_alias = tracked_order(carrier="顺丰速运")
    assert (by_code.carrier, Parcel.get(Parcel.order == by_code.id).carrier_code) == ("中通", "zhongtong")
    assert (by_alias.carrier, Parcel.get(Parcel.order == by_alias.id).carrier_code) == ("顺丰", "shunfeng")


def test_a_tracking_number_of_odd_digits_is_refused():
    order = picked_order()
    with pytest.raises(Exception) as refused:
        service.ship(order.id, actor="admin:1", carrier="中通", tracking_no="ZT²²")
    assert refused.value.fields == {"tracking_no": refused.value.message}


def test_shunfeng_parcels_keep_the_consignee_phone_for_the_provider():
    order = tracked_order(carrier="shunfeng")
    assert Parcel.get(Parcel.order == order.id).phone == CUSTOMER["phone"]


def test_the_shipped_notice_carries_the_tracking_link():
    order = tracked_order()
    data = json.loads(queued("order_shipped")[0].data)
    assert data["tracking_url"].endswith("/t/" + tracking.current_link(order.id).token)
    assert data["carrier"] == "中通"


# Subscription

def test_without_a_provider_nothing_is_called_and_shipping_works(kuaidi100_server):
    kuaidi100_server.reset()
    order = tracked_order()
    assert jobs.subscribe_parcels() == 0
    assert order.status == "shipped" and kuaidi100_server.requests == []
    assert tracking.trace_of(order.id).provider_configured is False


def test_the_job_subscribes_a_shipped_parcel_with_its_callback_and_salt(fake_kuaidi100):
    order = subscribed(fake_kuaidi100, carrier="yunda")
    parcel = Parcel.get(Parcel.order == order.id)
    parameters = fake_kuaidi100.subscriptions[("yunda", order.tracking_no)]
    assert parcel.subscription == "subscribed"
    assert parameters["callbackurl"].endswith(f"/tracking/kuaidi100/{parcel.callback_token}")
    assert parameters["salt"] == parcel.salt


def test_a_provider_that_is_down_never_fails_the_shipment_and_is_retried(fake_kuaidi100):
    fake_kuaidi100.fail_next("/poll", status=502)
    order = tracked_order()
    assert jobs.subscribe_parcels() == 0
    parcel = Parcel.get(Parcel.order == order.id)
    assert (order.status, parcel.subscription, parcel.attempts) == ("shipped", "pending", 1)
    assert "502" in parcel.last_error
    assert jobs.subscribe_parcels(parcel.next_attempt_at) == 1
    assert Parcel.get_by_id(parcel.id).subscription == "subscribed"


def test_a_retry_waits_for_its_time(fake_kuaidi100):
    fake_kuaidi100.fail_next("/poll", status=500)
    order = tracked_order()
    jobs.subscribe_parcels()
    assert jobs.subscribe_parcels() == 0
    assert len([r for r in fake_kuaidi100.requests if r[0] == "/poll"]) == 1
    assert Parcel.get(Parcel.order == order.id).subscription == "pending"


def test_a_provider_that_hangs_times_out_and_is_retried(fake_kuaidi100):
    fake_kuaidi100.fail_next("/poll", pause=3.0)
    with overridden_settings(KUAIDI100_TIMEOUT_SECONDS=0.3):
        order = tracked_order()
        assert jobs.subscribe_parcels() == 0
    parcel = Parcel.get(Parcel.order == order.id)
    assert parcel.subscription == "pending" and "Timeout" in parcel.last_error


def test_a_refused_subscription_gives_up_after_the_last_attempt(fake_kuaidi100):
    fake_kuaidi100.fail_next("/poll", times=tracking.SUBSCRIBE_MAX_ATTEMPTS,
                             body={"result": False, "returnCode": "700", "message": "参数错误"})
    order = tracked_order()
    for _ in range(tracking.SUBSCRIBE_MAX_ATTEMPTS):
        parcel = Parcel.get(Parcel.order == order.id)
        jobs.subscribe_parcels(parcel.next_attempt_at)
    parcel = Parcel.get(Parcel.order == order.id)
    assert (parcel.subscription, parcel.next_attempt_at) == ("failed", None)
    assert "700" in parcel.last_error


def test_a_failed_subscription_can_be_retried_from_the_console(client, fake_kuaidi100):
    fake_kuaidi100.fail_next("/poll", times=tracking.SUBSCRIBE_MAX_ATTEMPTS, status=500)
    order = tracked_order()
    Parcel.update(attempts=tracking.SUBSCRIBE_MAX_ATTEMPTS - 1).execute()
    jobs.subscribe_parcels()
    fake_kuaidi100.reset()
    headers = admin_headers(client, make_admin("warehouse"))
    response = client.post(f"/admin/api/orders/{order.id}/tracking/resubscribe", headers=headers)
    assert response.status_code == 200 and response.get_json()["trace"]["subscription"] == "pending"
    assert jobs.subscribe_parcels() == 1


def test_an_already_subscribed_parcel_counts_as_subscribed(fake_kuaidi100):
    order = tracked_order()
    fake_kuaidi100.subscriptions[("zhongtong", order.tracking_no)] = {"callbackurl": "x", "salt": "y"}
    assert jobs.subscribe_parcels() == 1


# Pushes

def test_a_verified_push_stores_the_trace(client, fake_kuaidi100):
    order = subscribed(fake_kuaidi100)
    response = push_to(client, fake_kuaidi100, order, state="0", lines=MOVING)
    assert response.status_code == 200 and response.get_json()["result"] is True
    trace = tracking.trace_of(order.id)
    assert [line.text for line in trace.lines] == ["快件已到达杭州西湖营业部", "快件已揽收"]
    assert trace.lines[0].place == "杭州市" and trace.state_name == "运输中"
    assert trace.lines[0].at.hour == 1  # 09:00 in Shanghai is 01:00 UTC


def test_a_later_push_repeating_the_whole_trace_adds_only_new_lines(client, fake_kuaidi100):
    order = subscribed(fake_kuaidi100)
    push_to(client, fake_kuaidi100, order, state="0", lines=MOVING[1:])
    push_to(client, fake_kuaidi100, order, state="0", lines=MOVING)
    assert ParcelEvent.select().count() == 2


def test_a_forged_push_changes_nothing(client, fake_kuaidi100):
    order = subscribed(fake_kuaidi100)
    response = push_to(client, fake_kuaidi100, order, sign="0" * 32, state="3", lines=SIGNED)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "push_signature_invalid"
    assert ParcelEvent.select().count() == 0 and service.get_order(order.id).status == "shipped"


def test_a_push_signed_with_another_parcels_salt_is_refused(client, fake_kuaidi100):
    order, other = subscribed(fake_kuaidi100), subscribed(fake_kuaidi100)
    other_salt = fake_kuaidi100.subscriptions[("zhongtong", other.tracking_no)]["salt"]
    param = fake_kuaidi100.push_body("zhongtong", order.tracking_no, state="3", lines=SIGNED)
    from tests.fake_kuaidi100 import md5_upper
    response = push_to(client, fake_kuaidi100, order, param=param, sign=md5_upper(param + other_salt))
    assert response.status_code == 403


def test_a_push_to_an_unknown_callback_is_refused(client):
    response = client.post("/tracking/kuaidi100/" + "x" * 32, data={"param": "{}", "sign": "A" * 32})
    assert response.status_code == 403


def test_a_replayed_push_is_refused_and_changes_nothing(client, fake_kuaidi100):
    order = subscribed(fake_kuaidi100)
    first = push_to(client, fake_kuaidi100, order, state="0", lines=MOVING)
    param = fake_kuaidi100.push_body("zhongtong", order.tracking_no, state="0", lines=MOVING)
    again = push_to(client, fake_kuaidi100, order, param=param)
    assert first.status_code == 200 and again.status_code == 409
    assert again.get_json()["error"]["code"] == "push_replayed"


def test_a_push_naming_another_parcel_is_refused(client, fake_kuaidi100):
    order = subscribed(fake_kuaidi100)
    param = fake_kuaidi100.push_body("zhongtong", "OTHER123", state="3", lines=SIGNED)
    response = push_to(client, fake_kuaidi100, order, param=param)
    assert response.status_code == 422 and ParcelEvent.select().count() == 0


@pytest.mark.parametrize("param", ["not json", "[]", json.dumps({"lastResult": {"data": [{"context": "x"}]}}),
                                   json.dumps({"lastResult": {"data": [{"ftime": "2026-13-40 99:00:00",
                                                                        "context": "x"}]}}),
                                   json.dumps({"lastResult": {"data": "x" * 100}}), "[" * 5000 + "]" * 5000])
def test_a_malformed_push_is_refused(client, fake_kuaidi100, param):
    order = subscribed(fake_kuaidi100)
    response = push_to(client, fake_kuaidi100, order, param=param)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "invalid_input"


def test_a_push_with_too_many_lines_is_refused(client, fake_kuaidi100):
    order = subscribed(fake_kuaidi100)
    lines = [(f"2026-12-02 {h % 24:02d}:{m:02d}:00", f"第{h}-{m}条") for h in range(20) for m in range(16)]
    response = push_to(client, fake_kuaidi100, order, state="0", lines=lines)
    assert response.status_code == 422


# Signed for, returned, stuck

def test_signed_for_in_the_trace_receives_the_order_with_the_trace_as_reason(client, fake_kuaidi100):
    order = subscribed(fake_kuaidi100)
    push_to(client, fake_kuaidi100, order, state="3", lines=SIGNED)
    received = service.get_order(order.id)
    assert received.status == "received" and received.received_at is not None
    event = received.event_log[-1]
    assert (event.action, event.actor) == ("receive", "system:tracking")
    assert "已签收，签收人：本人" in event.reason


def test_signed_for_twice_receives_the_order_once(client, fake_kuaidi100):
    order = subscribed(fake_kuaidi100)
    push_to(client, fake_kuaidi100, order, state="3", lines=SIGNED)
    later = [("2026-12-03 16:00:00", "签收后回访完成")] + SIGNED
    assert push_to(client, fake_kuaidi100, order, state="3", lines=later).status_code == 200
    assert receive_events(order) == 1


def test_signed_for_after_a_refund_leaves_the_order_refunded(client, fake_kuaidi100):
    order = subscribed(fake_kuaidi100)
    refunds.refund(order.id, actor="admin:1", reason="客户取消")
    push_to(client, fake_kuaidi100, order, state="3", lines=SIGNED)
    assert service.get_order(order.id).status == "refunded" and receive_events(order) == 0


def test_a_returned_parcel_notifies_the_buyer_once(client, fake_kuaidi100):
    order = subscribed(fake_kuaidi100)
    returned = [("2026-12-04 10:00:00", "收件人拒收，快件退回中", "杭州市", "退回")] + MOVING
    push_to(client, fake_kuaidi100, order, state="6", lines=returned)
    push_to(client, fake_kuaidi100, order, state="6", lines=[("2026-12-05 10:00:00", "退回途中")] + returned)
    notices = queued("parcel_returned")
    assert len(notices) == 1 and notices[0].recipient == f"agent:{order.buyer_agent_id}"
    assert service.get_order(order.id).status == "shipped"


def test_a_parcel_without_a_trace_update_for_days_notifies_once_per_stall(client, fake_kuaidi100):
    from datetime import timedelta
    order = subscribed(fake_kuaidi100)
    push_to(client, fake_kuaidi100, order, state="0", lines=MOVING)
    last = Parcel.get(Parcel.order == order.id).last_trace_at
    with overridden_settings(TRACKING_STUCK_DAYS=3):
        assert jobs.watch_stuck_parcels(last + timedelta(days=2)) == 0
        assert jobs.watch_stuck_parcels(last + timedelta(days=4)) == 1
        assert jobs.watch_stuck_parcels(last + timedelta(days=5)) == 0
        push_to(client, fake_kuaidi100, order, state="0", lines=[("2026-12-08 09:00:00", "转运中")] + MOVING)
        moved = Parcel.get(Parcel.order == order.id).last_trace_at
        assert jobs.watch_stuck_parcels(moved + timedelta(days=4)) == 1
    assert len(queued("parcel_stuck")) == 2


def test_a_signed_parcel_is_never_stuck(client, fake_kuaidi100):
    from datetime import timedelta
    order = subscribed(fake_kuaidi100)
    push_to(client, fake_kuaidi100, order, state="3", lines=SIGNED)
    assert jobs.watch_stuck_parcels(order.shipped_at + timedelta(days=30)) == 0


def test_without_a_provider_no_parcel_is_ever_stuck(kuaidi100_server):
    from datetime import timedelta
    order = tracked_order()
    Parcel.update(subscription="subscribed").execute()
    assert jobs.watch_stuck_parcels(order.shipped_at + timedelta(days=30)) == 0


# Query from the console

def test_the_console_refreshes_the_trace_by_query(client, fake_kuaidi100):
    order = subscribed(fake_kuaidi100)
    fake_kuaidi100.set_trace("zhongtong", order.tracking_no, state="0", lines=MOVING)
    headers = admin_headers(client, make_admin("staff"))
    response = client.post(f"/admin/api/orders/{order.id}/tracking/refresh", headers=headers)
    assert response.status_code == 200
    assert [line["text"] for line in response.get_json()["trace"]["lines"]] == [m[1] for m in MOVING]
    form = fake_kuaidi100.requests[-1][1]
    assert form["customer"] == fake_kuaidi100.customer and len(form["sign"]) == 32


def test_a_failed_query_is_a_chinese_409(client, fake_kuaidi100):
    order = subscribed(fake_kuaidi100)
    headers = admin_headers(client, make_admin("staff"))
    response = client.post(f"/admin/api/orders/{order.id}/tracking/refresh", headers=headers)
    assert response.status_code == 409 and "物流查询失败" in response.get_json()["error"]["message"]


def test_a_query_without_a_provider_is_a_409(client, kuaidi100_server):
    order = tracked_order()
    headers = admin_headers(client, make_admin("staff"))
    response = client.post(f"/admin/api/orders/{order.id}/tracking/refresh", headers=headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "tracking_not_configured"


def test_the_console_lists_the_carriers(client):
    headers = admin_headers(client, make_admin("warehouse"))
    names = {c["code"]: c["name"] for c in client.get("/admin/api/orders/carriers", headers=headers).get_json()}
    assert names["jtexpress"] == "极兔" and names["youzhengguonei"] == "邮政" and names["debangwuliu"] == "德邦"


# The mini-program

def test_an_agent_reads_its_orders_trace_and_link(client, fake_wechat, fake_kuaidi100):
    agent = make_agent()
    order = subscribed(fake_kuaidi100, agent=agent)
    push_to(client, fake_kuaidi100, order, state="0", lines=MOVING)
    headers, _ = agent_headers(client, fake_wechat, agent)
    body = client.get(f"/api/mp/orders/{order.id}/tracking", headers=headers).get_json()
    assert body["trace"]["carrier_name"] == "中通" and len(body["trace"]["lines"]) == 2
    assert body["link"]["url"].endswith(tracking.current_link(order.id).token)


def test_an_agent_cannot_share_or_read_another_agents_order(client, fake_wechat):
    order = tracked_order()
    headers, _ = agent_headers(client, fake_wechat, make_agent())
    assert client.get(f"/api/mp/orders/{order.id}/tracking", headers=headers).status_code == 404
    assert client.post(f"/api/mp/orders/{order.id}/tracking-link", headers=headers, json={}).status_code == 404
    assert client.delete(f"/api/mp/orders/{order.id}/tracking-link", headers=headers).status_code == 404
    assert tracking.current_link(order.id) is not None


def test_an_agent_revokes_its_link_and_shares_a_new_one(client, fake_wechat):
    agent = make_agent()
    order = tracked_order(agent=agent)
    old = tracking.current_link(order.id).token
    headers, _ = agent_headers(client, fake_wechat, agent)
    assert client.delete(f"/api/mp/orders/{order.id}/tracking-link", headers=headers).get_json() == {"revoked": 1}
    new = client.post(f"/api/mp/orders/{order.id}/tracking-link", headers=headers, json={"show_prices": True})
    assert new.status_code == 200 and new.get_json()["show_prices"] is True
    assert not new.get_json()["url"].endswith(old)
    assert client.get(f"/t/{old}").status_code == 404


def test_an_unshipped_order_has_a_link_but_no_trace(client, fake_wechat):
    agent = make_agent()
    product, _ = orderable()
    order = place(agent, (product, 1))
    headers, _ = agent_headers(client, fake_wechat, agent)
    link = client.post(f"/api/mp/orders/{order.id}/tracking-link", headers=headers, json={}).get_json()
    body = client.get(f"/api/mp/orders/{order.id}/tracking", headers=headers).get_json()
    assert body["trace"] is None and body["link"]["url"] == link["url"]


def test_a_shipment_file_naming_a_carrier_by_another_name_is_the_same_shipment_again():
    from app.orders import batch
    order = picked_order()
    number = service.order_no(order)
    first = batch.ship_from_file(f"订单号,快递公司,快递单号\n{number},顺丰速运,SF9001\n".encode(), filename="a.csv",
                                 actor="admin:1")
    again = batch.ship_from_file(f"订单号,快递公司,快递单号\n{number},shunfeng,SF9001\n".encode(), filename="a.csv",
                                 actor="admin:1")
    assert first[0].outcome == "shipped" and again[0].message == "此前已按该单号发货"


def test_a_shipment_file_row_with_an_unknown_carrier_is_skipped_in_chinese():
    from app.orders import batch
    order = picked_order()
    rows = batch.ship_from_file(f"订单号,快递公司,快递单号\n{service.order_no(order)},火星快递,X1\n".encode(),
                                filename="a.csv", actor="admin:1")
    assert rows[0].outcome == "skipped" and "不支持的快递公司" in rows[0].message


def test_the_shipped_template_message_opens_the_tracking_page(fake_wechat):
    from app.notify import sender
    from tests.factories import bound_agent, settings_changed
    agent, openid = bound_agent()
    config = json.dumps({"order_shipped": {"official": {"template_id": "TPL-SHIP", "fields": {
        "character_string1": "{order_no}", "thing2": "{carrier}"}, "url": "{tracking_url}"}}})
    with settings_changed(NOTIFY_TEMPLATES=config):
        order = tracked_order(agent=agent)
        assert sender.drain_outbox().sent == 1
    body = fake_wechat.delivered("/cgi-bin/message/template/send")[0]
    assert body["touser"] == openid and body["data"]["thing2"] == {"value": "中通"}
    assert body["url"] == tracking.current_link(order.id).url


def test_the_order_command_in_the_chat_shows_the_latest_trace_line(client, fake_kuaidi100):
    from tests.factories import bound_admin, chat
    order = subscribed(fake_kuaidi100)
    push_to(client, fake_kuaidi100, order, state="0", lines=MOVING)
    reply = chat(client, bound_admin("owner")[1], f"订单 {service.order_no(order)}")
    assert "物流：" in reply and "快件已到达杭州西湖营业部" in reply


def test_a_returned_parcel_is_not_received_automatically_after_the_days(client, fake_kuaidi100):
    from datetime import timedelta
    returned, moving = subscribed(fake_kuaidi100), subscribed(fake_kuaidi100)
    push_to(client, fake_kuaidi100, returned, state="6", lines=[("2026-12-04 10:00:00", "快件退回中")] + MOVING)
    push_to(client, fake_kuaidi100, moving, state="0", lines=MOVING)
    assert jobs.receive_shipped_orders(returned.shipped_at + timedelta(days=30)) == 1
    assert service.get_order(returned.id).status == "shipped"
    assert service.get_order(moving.id).status == "received"


def test_a_provider_that_keeps_failing_stops_the_run_after_a_few_attempts(fake_kuaidi100):
    fake_kuaidi100.fail_next("/poll", times=10, status=503)
    orders = [tracked_order() for _ in range(5)]
    assert jobs.subscribe_parcels() == 0
    attempted = [Parcel.get(Parcel.order == order.id).attempts for order in orders]
    assert sorted(attempted) == [0, 0, 1, 1, 1]
