"""The mini-program's order API: quote, place, mine, detail, cancel, receipt, quick entry, approvals."""
from datetime import date, timedelta

import pytest

from app.agents import service as agents
from app.agents.models import Agent
from app.notify.service import queued
from app.orders import service
from tests.factories import ADDRESS, advanced, agent_headers, make_agent, make_level, make_product, orderable, place


def body(product, quantity=2, key="k-1", **extra):
    return {"idempotency_key": key, "items": [{"product_id": product.id, "quantity": quantity}],
            "consignee": ADDRESS, **extra}


def test_the_quote_shows_the_breakdown_at_my_level(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    product, _ = orderable(99.9)
    response = client.post("/api/mp/orders/quote", headers=headers,
                           json={"items": [{"product_id": product.id, "quantity": 2}]})
    assert response.status_code == 200
    assert response.get_json()["total"] == "199.80" and response.get_json()["lines"][0]["unit_price"] == "99.90"


def test_placing_answers_201_and_a_retry_200_with_the_same_order(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    product, _ = orderable(100)
    first = client.post("/api/mp/orders", headers=headers, json=body(product))
    again = client.post("/api/mp/orders", headers=headers, json=body(product))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"] and again.get_json()["repeated"] is True


def test_the_same_key_with_another_body_is_a_409(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    product, _ = orderable(100)
    client.post("/api/mp/orders", headers=headers, json=body(product))
    response = client.post("/api/mp/orders", headers=headers, json=body(product, quantity=5))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "idempotency_key_reused"


def test_malformed_items_are_a_422_in_chinese(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    response = client.post("/api/mp/orders", headers=headers,
                           json={"idempotency_key": "k", "items": [{"product_id": "x", "quantity": 0}]})
    assert response.status_code == 422 and response.get_json()["error"]["fields"]


def test_an_unknown_product_is_a_404(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    response = client.post("/api/mp/orders", headers=headers, json={**body(orderable(100)[0]), "items": [
        {"product_id": 2**62, "quantity": 1}]})
    assert response.status_code == 404


def test_a_product_outside_my_catalogue_is_a_404_that_names_nothing(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    unreleased = make_product(name="未发布新品")
    response = client.post("/api/mp/orders/quote", headers=headers,
                           json={"items": [{"product_id": unreleased.id, "quantity": 1}]})
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "product_not_found"
    assert "未发布新品" not in response.get_data(as_text=True)


def test_my_orders_filter_by_status_and_show_the_event_log(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    product, _ = orderable(100)
    unpaid, shipped = place(agent, (product, 1)), advanced(place(agent, (product, 1)), "pay", "pick", "ship")
    listed = client.get("/api/mp/orders?status=shipped", headers=headers).get_json()
    assert [o["id"] for o in listed["items"]] == [shipped.id] and listed["total"] == 1
    detail = client.get(f"/api/mp/orders/{shipped.id}", headers=headers).get_json()
    assert [e["action"] for e in detail["events"]] == ["place", "pay", "pick", "ship"]
    assert detail["actions"] == ["receive", "refund"] and unpaid.id != shipped.id


def test_another_agents_order_is_404_to_read_cancel_or_receive(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    other = make_agent()
    product, _ = orderable(100)
    theirs = place(other, (product, 1))
    assert client.get(f"/api/mp/orders/{theirs.id}", headers=headers).status_code == 404
    assert client.post(f"/api/mp/orders/{theirs.id}/cancel", headers=headers, json={}).status_code == 404
    assert client.post(f"/api/mp/orders/{theirs.id}/receive", headers=headers).status_code == 404
    assert client.get(f"/api/mp/orders/{theirs.id + 10**6}", headers=headers).status_code == 404


def test_i_cancel_my_unpaid_order_but_not_a_paid_one(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    product, _ = orderable(100)
    unpaid, settled = place(agent, (product, 1)), advanced(place(agent, (product, 1)), "pay")
    assert client.post(f"/api/mp/orders/{unpaid.id}/cancel", headers=headers, json={}).get_json()[
        "status"] == "cancelled"
    response = client.post(f"/api/mp/orders/{settled.id}/cancel", headers=headers, json={})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "already_paid"


def test_i_confirm_receipt_of_a_shipped_order(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    product, _ = orderable(100)
    order = advanced(place(agent, (product, 1)), "pay", "pick", "ship")
    assert client.post(f"/api/mp/orders/{order.id}/receive", headers=headers).get_json()["status"] == "received"


def test_quick_entry_turns_chat_text_into_a_draft(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    product, _ = orderable(100, name="精华液")
    response = client.post("/api/mp/orders/quick-entry", headers=headers,
                           json={"text": "收货人：王五，电话 139-1234-5678，浙江省杭州市西湖区文三路8号 精华液 3瓶"})
    draft = response.get_json()
    assert response.status_code == 200 and draft["name"]["value"] == "王五"
    assert draft["phone"]["value"] == "13912345678" and draft["city"]["value"] == "杭州市"
    assert [(i["product_id"], i["quantity"]) for i in draft["items"]] == [(product.id, 3)]


def test_an_upline_sees_and_approves_its_downlines_orders(client, fake_wechat):
    headers, upline = agent_headers(client, fake_wechat)
    agent = make_agent(upline=upline, level=make_level(orders_need_upline_approval=True))
    product, _ = orderable(100)
    order = place(agent, (product, 1))
    listed = client.get("/api/mp/orders/approvals", headers=headers).get_json()
    assert [o["id"] for o in listed["items"]] == [order.id]
    response = client.post(f"/api/mp/orders/approvals/{order.id}/approve", headers=headers, json={})
    assert response.get_json()["status"] == "pending_payment"


def test_only_the_upline_may_decide(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    agent = make_agent(upline=make_agent(), level=make_level(orders_need_upline_approval=True))
    product, _ = orderable(100)
    order = place(agent, (product, 1))
    response = client.post(f"/api/mp/orders/approvals/{order.id}/reject", headers=headers, json={"reason": "不行"})
    assert response.status_code == 404


def test_a_rejection_without_a_reason_is_a_422(client, fake_wechat):
    headers, upline = agent_headers(client, fake_wechat)
    agent = make_agent(upline=upline, level=make_level(orders_need_upline_approval=True))
    product, _ = orderable(100)
    order = place(agent, (product, 1))
    assert client.post(f"/api/mp/orders/approvals/{order.id}/reject", headers=headers, json={}).status_code == 422


def test_a_moved_agents_pending_order_is_decided_by_its_new_upline_not_the_old(client, fake_wechat):
    old_headers, old_upline = agent_headers(client, fake_wechat)
    new_headers, new_upline = agent_headers(client, fake_wechat)
    agent = make_agent(upline=old_upline, level=make_level(orders_need_upline_approval=True))
    order = place(agent, (orderable(100)[0], 1))
    agents.change_upline(agent_id=agent.id, upline_id=new_upline.id, reason="调整团队", actor_id=None)
    assert client.get("/api/mp/orders/approvals", headers=old_headers).get_json()["items"] == []
    assert client.post(f"/api/mp/orders/approvals/{order.id}/approve", headers=old_headers,
                       json={}).status_code == 404
    listed = client.get("/api/mp/orders/approvals", headers=new_headers).get_json()
    assert [o["id"] for o in listed["items"]] == [order.id]
    approved = client.post(f"/api/mp/orders/approvals/{order.id}/approve", headers=new_headers, json={})
    assert approved.get_json()["status"] == "pending_payment"


def test_the_order_history_records_that_the_approver_followed_the_move(client, fake_wechat):
    new_headers, new_upline = agent_headers(client, fake_wechat, name="新上级")
    agent = make_agent(upline=make_agent(name="原上级"), level=make_level(orders_need_upline_approval=True))
    order = place(agent, (orderable(100)[0], 1))
    agents.change_upline(agent_id=agent.id, upline_id=new_upline.id, reason="调整团队", actor_id=None)
    client.post(f"/api/mp/orders/approvals/{order.id}/approve", headers=new_headers, json={})
    events = service.get_order(order.id).event_log
    assert [e.action for e in events] == ["place", "approver_changed", "approve"]
    assert events[1].reason == "上级变动，审核人由原上级改为新上级"


def test_an_agent_moved_to_the_top_has_its_pending_orders_decided_by_the_brand(client, fake_wechat):
    old_headers, old_upline = agent_headers(client, fake_wechat)
    agent = make_agent(upline=old_upline, level=make_level(orders_need_upline_approval=True))
    order = place(agent, (orderable(100)[0], 1))
    agents.change_upline(agent_id=agent.id, upline_id=None, reason="升为总代", actor_id=None)
    assert client.get("/api/mp/orders/approvals", headers=old_headers).get_json()["items"] == []
    service.approve(order.id, actor="admin:1")
    assert service.get_order(order.id).event_log[-2].reason == f"上级变动，审核人由{old_upline.name}改为品牌方"


@pytest.mark.parametrize("status", ["suspended", "expired"])
def test_a_suspended_or_expired_upline_may_not_list_or_decide_its_downlines_orders(client, fake_wechat, status):
    headers, upline = agent_headers(client, fake_wechat)
    agent = make_agent(upline=upline, level=make_level(orders_need_upline_approval=True))
    order = place(agent, (orderable(100)[0], 1))
    Agent.update(status=status).where(Agent.id == upline.id).execute()
    listed = client.get("/api/mp/orders/approvals", headers=headers)
    approved = client.post(f"/api/mp/orders/approvals/{order.id}/approve", headers=headers, json={})
    assert (listed.status_code, approved.status_code) == (403, 403)
    assert approved.get_json()["error"]["code"] == f"agent_{status}"
    assert service.get_order(order.id).status == "awaiting_approval"


def test_an_upline_whose_term_has_passed_may_not_approve_before_the_nightly_expiry(client, fake_wechat):
    headers, upline = agent_headers(client, fake_wechat, term_end=date.today() - timedelta(days=2))
    agent = make_agent(upline=upline, level=make_level(orders_need_upline_approval=True))
    order = place(agent, (orderable(100)[0], 1))
    response = client.post(f"/api/mp/orders/approvals/{order.id}/approve", headers=headers, json={})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "agent_expired"


def test_an_order_placed_under_a_suspended_upline_asks_the_brand(client, fake_wechat):
    upline = make_agent(status="suspended")
    agent = make_agent(upline=upline, level=make_level(orders_need_upline_approval=True))
    order = place(agent, (orderable(100)[0], 1))
    assert order.approver_id is None
    assert [m.recipient for m in queued("order_approval_needed")] == ["owners"]
