"""The mini-program learns the brand's subscribe template ids per notice kind from the server, never hard-coded."""
import json

from tests.factories import settings_changed, wechat_login

TEMPLATES = json.dumps({
    "order_shipped": {"mini_program": {"template_id": "SUB-SHIPPED", "fields": {"thing1": "{order_no}"}},
                      "official": {"template_id": "TPL-SHIPPED", "fields": {}}},
    "order_paid": {"official": {"template_id": "TPL-PAID", "fields": {}}},
    "withdrawal_paid": {"mini_program": {"template_id": "SUB-PAID-OUT", "fields": {}}},
})


def test_lists_each_kind_with_a_mini_program_template_and_its_chinese_title(client, fake_wechat):
    headers, _ = wechat_login(client, fake_wechat)
    with settings_changed(NOTIFY_TEMPLATES=TEMPLATES):
        body = client.get("/api/mp/subscribe-templates", headers=headers).get_json()
    assert body == {"items": [
        {"kind": "order_shipped", "template_id": "SUB-SHIPPED", "title": "订单已发货"},
        {"kind": "withdrawal_paid", "template_id": "SUB-PAID-OUT", "title": "提现已打款"},
    ]}


def test_no_configured_templates_is_an_empty_list(client, fake_wechat):
    headers, _ = wechat_login(client, fake_wechat)
    with settings_changed(NOTIFY_TEMPLATES="{}"):
        assert client.get("/api/mp/subscribe-templates", headers=headers).get_json() == {"items": []}


def test_needs_a_signed_in_user(client):
    assert client.get("/api/mp/subscribe-templates").status_code == 401
