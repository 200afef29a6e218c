"""The outbox sender against the fake WeChat server: once each, retried when WeChat certainly refused, never twice."""
import json
from datetime import timedelta

from app.clock import utcnow
from app.notify import sender
from app.notify import service as notify
from app.notify.models import Notification
from tests.factories import make_admin, make_agent, make_binding, make_wechat_user, settings_changed, unique

TEMPLATE_SEND = "/cgi-bin/message/template/send"
SUBSCRIBE_SEND = "/cgi-bin/message/subscribe/send"


def bound_staff(openid=None):
    user = make_admin("staff")
    return make_binding(f"admin:{user.id}", openid)


def queue_alert(recipient, *, kind="low_stock", data=None):
    key = unique("alert-")
    notify.enqueue(kind=kind, recipient=recipient, data=data or {"product": "玫瑰面霜", "available": 3},
                   dedupe_key=key)
    return Notification.get(Notification.dedupe_key == key)


def reload(message):
    return Notification.get_by_id(message.id)


def later(seconds=7200):
    return utcnow() + timedelta(seconds=seconds)


def test_a_template_message_reaches_a_bound_console_user(fake_wechat):
    binding = bound_staff()
    message = queue_alert(binding.account)
    assert sender.drain_outbox().sent == 1
    body = fake_wechat.delivered(TEMPLATE_SEND)[0]
    assert (body["touser"], body["template_id"]) == (binding.openid, "TPL-LOW-STOCK")
    assert body["data"] == {"thing1": {"value": "玫瑰面霜"}, "number2": {"value": "3"}}
    assert body["miniprogram"] == {"appid": "wx-mp-test", "pagepath": "pages/stock/index"}
    assert (reload(message).status, reload(message).attempts) == ("sent", 1)


def test_fields_are_cut_to_twenty_characters_on_one_line(fake_wechat):
    binding = bound_staff()
    queue_alert(binding.account, data={"product": "超长的商品名称\n第二行" * 5, "available": 1})
    sender.drain_outbox()
    value = fake_wechat.delivered(TEMPLATE_SEND)[0]["data"]["thing1"]["value"]
    assert len(value) == 20 and "\n" not in value and value.endswith("…")


def test_a_sent_message_is_not_sent_again(fake_wechat):
    queue_alert(bound_staff().account)
    sender.drain_outbox()
    sender.drain_outbox(now=later())
    assert len(fake_wechat.delivered(TEMPLATE_SEND)) == 1


def test_an_owners_message_reaches_every_bound_owner_once(fake_wechat):
    owners = [make_binding(f"admin:{make_admin('owner').id}") for _ in range(2)]
    make_admin("owner")
    make_binding(f"admin:{make_admin('staff').id}")
    parent = queue_alert("owners")
    sender.drain_outbox()
    sender.drain_outbox(now=later())
    assert sorted(b["touser"] for b in fake_wechat.delivered(TEMPLATE_SEND)) == sorted(b.openid for b in owners)
    assert reload(parent).status == "expanded"


def test_an_owners_message_with_no_bound_owner_fails_visibly(fake_wechat):
    make_admin("owner")
    parent = queue_alert("owners")
    sender.drain_outbox()
    assert (reload(parent).status, reload(parent).last_error) == ("failed", "没有已绑定公众号的老板账号")


def test_an_expired_token_is_refreshed_once_and_the_send_retried(fake_wechat):
    message = queue_alert(bound_staff().account)
    sender.drain_outbox()
    fake_wechat.expire_tokens(40001)
    fetches = fake_wechat.token_fetches
    second = queue_alert(bound_staff().account)
    sender.drain_outbox()
    assert fake_wechat.token_fetches == fetches + 1
    assert reload(message).status == reload(second).status == "sent"
    assert reload(second).attempts == 1


def test_rate_limited_sends_back_off_and_go_out_later(fake_wechat):
    message = queue_alert(bound_staff().account)
    fake_wechat.fail_next(TEMPLATE_SEND, 45009)
    assert sender.drain_outbox().pending == 1
    waiting = reload(message)
    assert waiting.status == "pending" and "45009" in waiting.last_error
    assert waiting.next_attempt_at >= utcnow() + timedelta(seconds=29)
    assert sender.drain_outbox().sent == 0
    assert sender.drain_outbox(now=later()).sent == 1
    assert len(fake_wechat.delivered(TEMPLATE_SEND)) == 1


def test_backoff_doubles_up_to_an_hour():
    assert 30 <= sender.backoff_seconds(1) <= 36
    assert 60 <= sender.backoff_seconds(2) <= 72
    assert 3600 <= sender.backoff_seconds(20) <= 4320


def test_a_wechat_server_error_is_retried(fake_wechat):
    message = queue_alert(bound_staff().account)
    fake_wechat.http_error_next(TEMPLATE_SEND, 502)
    sender.drain_outbox()
    assert "HTTP 502" in reload(message).last_error
    sender.drain_outbox(now=later())
    assert reload(message).status == "sent"


def test_an_unreachable_wechat_is_retried(fake_wechat):
    message = queue_alert(bound_staff().account)
    with settings_changed(WECHAT_API_BASE="http://127.0.0.1:9/"):
        sender.drain_outbox()
    assert (reload(message).status, reload(message).last_error) == ("pending", "网络错误：ConnectionError")


def test_an_unfollowed_recipient_fails_permanently(fake_wechat):
    binding = bound_staff()
    fake_wechat.unfollow(binding.openid)
    message = queue_alert(binding.account)
    sender.drain_outbox()
    sender.drain_outbox(now=later())
    assert (reload(message).status, reload(message).attempts) == ("failed", 1)
    assert "43004" in reload(message).last_error


def test_too_many_failures_fail_permanently(fake_wechat):
    message = queue_alert(bound_staff().account)
    fake_wechat.fail_next(TEMPLATE_SEND, -1, times=sender.MAX_ATTEMPTS)
    for hours in range(sender.MAX_ATTEMPTS):
        sender.drain_outbox(now=later(3600 * 2 * (hours + 1)))
    assert reload(message).status == "failed" and reload(message).attempts == sender.MAX_ATTEMPTS


def test_a_timeout_after_wechat_accepted_is_never_resent(fake_wechat):
    message = queue_alert(bound_staff().account)
    fake_wechat.hang_next(TEMPLATE_SEND, 3, accept=True)
    assert sender.drain_outbox().unknown == 1
    sender.drain_outbox(now=later())
    assert len(fake_wechat.delivered(TEMPLATE_SEND)) == 1
    assert reload(message).status == "unknown"


def test_a_message_left_sending_by_a_crash_becomes_unknown(fake_wechat):
    message = queue_alert(bound_staff().account)
    Notification.update(status="sending", next_attempt_at=utcnow() - timedelta(seconds=1)).execute()
    assert sender.drain_outbox().unknown == 1
    assert reload(message).status == "unknown" and not fake_wechat.delivered(TEMPLATE_SEND)


def test_without_credentials_nothing_is_sent(fake_wechat):
    message = queue_alert(bound_staff().account)
    with settings_changed(WECHAT_OA_APPID="", WECHAT_OA_SECRET=""):
        sender.drain_outbox()
    assert reload(message).status == "pending" and not fake_wechat.requests


def test_a_kind_without_a_template_is_held(fake_wechat):
    message = queue_alert(bound_staff().account, kind="price_violation")
    sender.drain_outbox()
    assert (reload(message).status, reload(message).last_error) == ("held", "未配置消息模板：price_violation")


def test_an_unbound_console_user_fails_visibly(fake_wechat):
    message = queue_alert(f"admin:{make_admin('staff').id}")
    sender.drain_outbox()
    assert reload(message).status == "failed" and "未绑定" in reload(message).last_error


def test_an_agent_following_the_account_gets_a_template_message(fake_wechat):
    agent = make_agent(wechat_user=make_wechat_user())
    binding = make_binding(f"agent:{agent.id}")
    queue_alert(f"agent:{agent.id}")
    sender.drain_outbox()
    assert fake_wechat.delivered(TEMPLATE_SEND)[0]["touser"] == binding.openid
    assert not fake_wechat.delivered(SUBSCRIBE_SEND)


def test_an_agent_only_in_the_mini_program_gets_a_subscribe_message(fake_wechat):
    agent = make_agent(wechat_user=make_wechat_user("mp-openid-agent"))
    queue_alert(f"agent:{agent.id}")
    sender.drain_outbox()
    body = fake_wechat.delivered(SUBSCRIBE_SEND)[0]
    assert (body["touser"], body["template_id"], body["page"]) == ("mp-openid-agent", "SUB-LOW-STOCK",
                                                                    "pages/stock/index")


def test_a_refused_subscription_fails_permanently(fake_wechat):
    agent = make_agent(wechat_user=make_wechat_user("mp-openid-refuser"))
    fake_wechat.refuse_subscription("mp-openid-refuser")
    message = queue_alert(f"agent:{agent.id}")
    sender.drain_outbox()
    sender.drain_outbox(now=later())
    assert reload(message).status == "failed" and "43101" in reload(message).last_error
    assert len(fake_wechat.calls(SUBSCRIBE_SEND)) == 1


def test_a_late_chat_answer_goes_out_as_a_customer_service_text(fake_wechat):
    notify.enqueue_chat_reply(openid="oa-openid-asker", text="您可以发送：帮助", dedupe_key="chat:msg:1")
    sender.drain_outbox()
    assert fake_wechat.delivered("/cgi-bin/message/custom/send") == [
        {"touser": "oa-openid-asker", "msgtype": "text", "text": {"content": "您可以发送：帮助"}}]


def test_the_drain_report_counts_outcomes(fake_wechat):
    queue_alert(bound_staff().account)
    queue_alert(bound_staff().account, kind="unconfigured")
    assert str(sender.drain_outbox()) == "sent=1 pending=0 failed=0 held=1 unknown=0 expanded=0"


def test_data_reaches_wechat_as_queued(fake_wechat):
    binding = bound_staff()
    queue_alert(binding.account, data={"product": "眼霜", "available": 0})
    sender.drain_outbox()
    assert json.dumps(fake_wechat.delivered(TEMPLATE_SEND)[0]["data"], ensure_ascii=False).count("眼霜") == 1
