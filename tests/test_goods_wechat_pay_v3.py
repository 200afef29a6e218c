"""Goods-balance top-ups through WeChat Pay APIv3 against the fake v3 server: JSAPI, the notification, the query."""
import pytest

from app.finance.models import GoodsTopUp
from tests.factories import agent_headers, goods_of

JSAPI = "/v3/pay/transactions/jsapi"


@pytest.fixture
def me(client, fake_wechat):
    return agent_headers(client, fake_wechat)


def start(client, headers, amount="300.00", **body):
    return client.post("/api/mp/finance/goods/top-ups/wechat", headers=headers, json={"amount": amount, **body})


def notify(client, notification):
    headers, body = notification
    return client.post("/api/pay/wechat/v3/goods-notify", data=body, headers=headers)


def test_a_v3_top_up_asks_jsapi_and_answers_rsa_signed_parameters(client, me, wechat_pay_v3):
    response = start(client, me[0])
    assert response.status_code == 200
    body = response.get_json()
    assert body["payment"]["signType"] == "RSA" and body["payment"]["package"].startswith("prepay_id=wx")
    asked = wechat_pay_v3.calls(JSAPI)[0].body
    assert asked["out_trade_no"] == f"GT{body['top_up']['id']:010d}" and asked["amount"]["total"] == 30000
    assert asked["notify_url"].endswith("/api/pay/wechat/v3/goods-notify")


def test_asking_again_with_the_same_request_id_answers_the_same_prepay_id(client, me, wechat_pay_v3):
    first = start(client, me[0], request_id="t-1").get_json()["payment"]["package"]
    assert start(client, me[0], request_id="t-1").get_json()["payment"]["package"] == first
    assert GoodsTopUp.select().count() == 1


def test_the_v3_notification_credits_the_top_up_once(client, me, wechat_pay_v3):
    top_up_id = start(client, me[0]).get_json()["top_up"]["id"]
    wechat_pay_v3.pay(f"GT{top_up_id:010d}", notify=False, transaction_id="4200000000202612030001")
    for _ in range(2):
        assert notify(client, wechat_pay_v3.payment_notification(f"GT{top_up_id:010d}")).status_code == 204
    assert goods_of(me[1]) == (30000, 0)
    assert GoodsTopUp.get_by_id(top_up_id).payment_ref == "4200000000202612030001"


def test_a_stale_v3_notification_is_rejected_and_credits_nothing(client, me, wechat_pay_v3):
    top_up_id = start(client, me[0]).get_json()["top_up"]["id"]
    wechat_pay_v3.pay(f"GT{top_up_id:010d}", notify=False)
    forged = wechat_pay_v3.payment_notification(f"GT{top_up_id:010d}", timestamp=1)
    response = notify(client, forged)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "notification_rejected"
    assert goods_of(me[1]) == (0, 0)


def test_a_v3_notification_for_another_amount_credits_nothing(client, me, wechat_pay_v3):
    top_up_id = start(client, me[0]).get_json()["top_up"]["id"]
    wechat_pay_v3.pay(f"GT{top_up_id:010d}", notify=False)
    response = notify(client, wechat_pay_v3.payment_notification(f"GT{top_up_id:010d}", amount=1))
    assert response.status_code == 409 and goods_of(me[1]) == (0, 0)


def test_a_late_notification_is_made_up_for_by_the_query(client, me, wechat_pay_v3):
    top_up_id = start(client, me[0]).get_json()["top_up"]["id"]
    wechat_pay_v3.pay(f"GT{top_up_id:010d}", notify=False)
    checked = client.post(f"/api/mp/finance/goods/top-ups/{top_up_id}/check", headers=me[0]).get_json()
    assert checked["status"] == "confirmed" and goods_of(me[1]) == (30000, 0)


def test_the_query_of_an_unpaid_top_up_changes_nothing(client, me, wechat_pay_v3):
    top_up_id = start(client, me[0]).get_json()["top_up"]["id"]
    checked = client.post(f"/api/mp/finance/goods/top-ups/{top_up_id}/check", headers=me[0]).get_json()
    assert checked["status"] == "pending" and goods_of(me[1]) == (0, 0)


def test_wechat_pay_down_is_a_503_and_nothing_is_credited(client, me, wechat_pay_v3):
    wechat_pay_v3.fail_next(JSAPI, status=500)
    response = start(client, me[0])
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "wechat_unavailable"


def test_a_v3_notification_without_v3_configured_is_refused_in_the_error_shape(client):
    response = client.post("/api/pay/wechat/v3/goods-notify", data=b"{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "wechat_pay_not_configured"


def aged(top_up_id, **delta):
    from datetime import timedelta

    from app.clock import utcnow

    GoodsTopUp.update(created_at=utcnow() - timedelta(**delta)).where(GoodsTopUp.id == top_up_id).execute()


def test_the_settle_job_credits_a_paid_top_up_whose_notification_never_came(client, me, wechat_pay_v3):
    from app.finance import service as finance

    top_up_id = start(client, me[0]).get_json()["top_up"]["id"]
    wechat_pay_v3.pay(f"GT{top_up_id:010d}", notify=False)
    aged(top_up_id, minutes=10)
    assert finance.settle_wechat_top_ups() == {"credited": 1, "closed": 0}
    assert goods_of(me[1]) == (30000, 0)


def test_the_settle_job_leaves_a_recent_unpaid_top_up_alone(client, me, wechat_pay_v3):
    from app.finance import service as finance

    top_up_id = start(client, me[0]).get_json()["top_up"]["id"]
    aged(top_up_id, minutes=10)
    assert finance.settle_wechat_top_ups() == {"credited": 0, "closed": 0}
    assert GoodsTopUp.get_by_id(top_up_id).status == "pending"


def test_the_settle_job_closes_a_top_up_unpaid_for_a_day_at_wechat_and_here(client, me, wechat_pay_v3):
    from app.finance import service as finance

    top_up_id = start(client, me[0]).get_json()["top_up"]["id"]
    aged(top_up_id, days=2)
    assert finance.settle_wechat_top_ups() == {"credited": 0, "closed": 1}
    assert GoodsTopUp.get_by_id(top_up_id).status == "closed"
    assert wechat_pay_v3.transaction(f"GT{top_up_id:010d}")["trade_state"] == "CLOSED"
