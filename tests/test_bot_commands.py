"""Chat commands: the menu, who may ask what, agents' 我的, unbinding, and answers that miss the reply window."""
from datetime import date, timedelta

from app.chat.models import WechatBinding
from app.notify.models import Notification
from tests.factories import (bound_admin, bound_agent, chat, event_xml, make_binding, make_level, post_wechat,
                             reply_content, settings_changed, text_xml, unique)


def bound_owner():
    return bound_admin("owner")[1]


def test_help_lists_what_an_unbound_follower_may_ask(client):
    reply = chat(client, unique("openid-"), "帮助")
    assert "绑定" in reply and "我的" not in reply and "解绑" not in reply


def test_aliases_reach_the_same_command(client):
    openid = unique("openid-")
    assert chat(client, openid, "help") == chat(client, openid, "？") == chat(client, openid, "帮助")


def test_unknown_input_gets_the_menu(client):
    reply = chat(client, unique("openid-"), "今天天气怎么样")
    assert reply.startswith("没有这个指令") and "帮助" in reply


def test_an_unbound_follower_asking_an_agent_command_is_told_to_bind(client):
    reply = chat(client, unique("openid-"), "我的")
    assert "还没有绑定" in reply


def test_agent_sees_level_status_and_term(client):
    today = date.today()
    _, openid = bound_agent(level=make_level("总代理"), term_start=today - timedelta(days=30),
                            term_end=today + timedelta(days=100))
    reply = chat(client, openid, "我的")
    assert "等级：总代理" in reply and "状态：正常" in reply
    assert f"{today + timedelta(days=100):%Y-%m-%d}" in reply and "剩余" in reply


def test_agent_without_a_term_is_told_so(client):
    _, openid = bound_agent()
    assert "代理期限：未设置" in chat(client, openid, "wd")


def test_an_owner_asking_an_agent_command_learns_nothing(client):
    reply = chat(client, bound_owner(), "我的")
    assert "不在您可用的指令中" in reply and "等级" not in reply


def test_an_agent_menu_has_no_brand_commands(client):
    _, openid = bound_agent()
    reply = chat(client, openid, "帮助")
    assert "我的" in reply and "解绑" in reply


def test_a_departed_agent_counts_as_unbound(client):
    _, openid = bound_agent(status="left")
    assert "还没有绑定" in chat(client, openid, "我的")


def test_unbind_command_removes_the_binding(client):
    openid = bound_owner()
    assert "已解除绑定" in chat(client, openid, "解绑")
    assert not WechatBinding.select().where(WechatBinding.openid == openid).exists()


def test_a_repeated_unbind_message_is_handled_once(client):
    openid = bound_owner()
    xml = text_xml(openid, "解绑", msg_id=777000111)
    post_wechat(client, xml)
    account = make_binding("admin:999999", openid).account
    post_wechat(client, xml)
    assert WechatBinding.get(WechatBinding.openid == openid).account == account


def test_an_answer_that_misses_the_window_goes_out_as_a_customer_service_message(client):
    openid = unique("openid-")
    with settings_changed(BOT_REPLY_BUDGET_SECONDS=0.0):
        response = post_wechat(client, text_xml(openid, "帮助", msg_id=555000111))
    assert response.get_data(as_text=True) == "success"
    message = Notification.get(Notification.dedupe_key == "chat:msg:555000111")
    assert (message.kind, message.recipient) == ("chat_reply", f"openid:{openid}")
    assert "帮助" in message.data


def test_a_menu_click_runs_its_command(client):
    response = post_wechat(client, event_xml(unique("openid-"), "CLICK", key="帮助"))
    assert "您可以发送" in reply_content(response)


def test_an_image_gets_the_menu(client):
    openid = unique("openid-")
    xml = (f"<xml><ToUserName>gh</ToUserName><FromUserName>{openid}</FromUserName><CreateTime>1</CreateTime>"
           f"<MsgType>image</MsgType><PicUrl>http://x/y.jpg</PicUrl><MsgId>{10**16 + 5}</MsgId></xml>")
    assert "您可以发送" in reply_content(post_wechat(client, xml))
