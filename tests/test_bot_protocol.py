"""/wechat speaks WeChat's protocol: signatures, safe mode, and nothing done for forged or hostile requests."""
import logging
import os
import re
import runpy
import time
from xml.etree.ElementTree import fromstring

import pytest
import requests
import wechatpy
from hypothesis import given, settings, strategies as st
from wechatpy.crypto import WeChatCrypto

from app.chat.models import InboundMessage
from bot import protocol
from tests.conftest import OA_AES_KEY, OA_APPID
from tests.factories import (OA_TOKEN, bound_admin, pending_application, post_wechat, reply_content, settings_changed,
                             signed_query, text_xml, unique)

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<xml><ToUserName>gh</ToUserName><FromUserName>attacker</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol4;</Content><MsgId>1</MsgId></xml>"""


@pytest.fixture
def safe_mode():
    with settings_changed(WECHAT_OA_AES_KEY=OA_AES_KEY):
        yield


def test_server_check_echoes_echostr(client):
    response = client.get("/wechat", query_string=signed_query(echostr="hello-wechat"))
    assert (response.status_code, response.get_data(as_text=True)) == (200, "hello-wechat")


def test_server_check_with_a_forged_signature_is_403(client):
    response = client.get("/wechat", query_string=signed_query(token="not-our-token", echostr="x"))
    assert response.status_code == 403
    assert "x" not in response.get_data(as_text=True)


def test_message_with_a_forged_signature_is_403_and_not_handled(client):
    response = post_wechat(client, text_xml("openid-x", "帮助", msg_id=4242), query=signed_query(token="forged"))
    assert response.status_code == 403
    assert not InboundMessage.select().exists()


def test_plaintext_message_gets_a_plaintext_reply(client):
    response = post_wechat(client, text_xml("openid-plain", "帮助"))
    assert response.status_code == 200
    assert "<ToUserName><![CDATA[openid-plain]]></ToUserName>" in response.get_data(as_text=True)
    assert "帮助" in reply_content(response)


def test_safe_mode_message_gets_an_encrypted_reply(client, safe_mode):
    query = signed_query()
    response = post_wechat(client, text_xml("openid-safe", "帮助"), safe=True, query=query)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<Encrypt>" in body and "帮助" not in body
    signature = re.search(r"<MsgSignature><!\[CDATA\[(\w+)\]\]>", body).group(1)
    timestamp = re.search(r"<TimeStamp>(\d+)</TimeStamp>", body).group(1)
    plain = WeChatCrypto(OA_TOKEN, OA_AES_KEY, OA_APPID).decrypt_message(body, signature, timestamp, query["nonce"])
    assert "<ToUserName><![CDATA[openid-safe]]></ToUserName>" in plain and "帮助" in plain


def test_safe_mode_with_a_forged_message_signature_is_403(client, safe_mode):
    query = {**signed_query(), "encrypt_type": "aes", "msg_signature": "0" * 40}
    envelope = WeChatCrypto(OA_TOKEN, OA_AES_KEY, OA_APPID).encrypt_message(
        text_xml("openid-x", "帮助"), query["nonce"], query["timestamp"])
    response = client.post("/wechat", query_string=query, data=envelope.encode(), content_type="text/xml")
    assert response.status_code == 403
    assert not InboundMessage.select().exists()


def test_billion_laughs_is_400_and_not_handled(client):
    response = post_wechat(client, BILLION_LAUGHS)
    assert response.status_code == 400
    assert not InboundMessage.select().exists()


def test_oversized_body_is_400(client):
    response = post_wechat(client, text_xml("openid-big", "帮" * 20000))
    assert response.status_code == 400


def test_malformed_xml_is_400(client):
    assert post_wechat(client, "<xml><MsgType>text</MsgType>").status_code == 400


def test_xml_without_a_sender_is_400(client):
    assert post_wechat(client, "<xml><MsgType>text</MsgType><Content>帮助</Content></xml>").status_code == 400


def test_unknown_encryption_is_400(client):
    response = post_wechat(client, text_xml("openid-x", "帮助"), query=signed_query(encrypt_type="rot13"))
    assert response.status_code == 400


def test_repeated_delivery_of_a_message_is_handled_once(client):
    xml = text_xml(unique("openid-"), "帮助", msg_id=987654321)
    first, second = post_wechat(client, xml), post_wechat(client, xml)
    assert reply_content(first) == reply_content(second)  # the same answer (its CreateTime is the second's own)
    assert InboundMessage.select().where(InboundMessage.key == "msg:987654321").count() == 1


def test_a_reply_quoting_text_that_ends_cdata_stays_one_well_formed_content(client):
    application = pending_application(name="甲]]><x/>")
    response = post_wechat(client, text_xml(bound_admin("owner")[1], "审核"))
    root = fromstring(response.get_data(as_text=True))
    assert root.find(".//x") is None
    assert f"S{application.id} 甲]]><x/> 申请成为" in root.findtext("Content")


def test_a_reply_drops_characters_xml_cannot_carry(client):
    pending_application(name="甲\x01乙")
    response = post_wechat(client, text_xml(bound_admin("owner")[1], "审核"))
    assert "甲乙 申请成为" in fromstring(response.get_data(as_text=True)).findtext("Content")


def test_safe_mode_refuses_a_plaintext_message_and_handles_nothing(client, safe_mode):
    response = post_wechat(client, text_xml("openid-x", "帮助"))
    assert response.status_code == 400
    assert not InboundMessage.select().exists()


@pytest.mark.parametrize("timestamp", ["1", "-600", "+600", "１７"])
def test_a_signature_outside_the_five_minute_window_is_403_and_not_handled(client, timestamp):
    if timestamp[0] in "+-":  # ten minutes from when the test runs, not from when it was collected
        timestamp = str(int(time.time()) + int(timestamp))
    response = post_wechat(client, text_xml("openid-x", "帮助"), query=signed_query(timestamp=timestamp))
    assert response.status_code == 403
    assert not InboundMessage.select().exists()


def test_a_stale_server_check_is_403(client):
    response = client.get("/wechat", query_string=signed_query(timestamp="1", echostr="hello"))
    assert response.status_code == 403


def test_a_signature_replayed_with_another_body_is_403_and_not_handled(client):
    query = signed_query()
    assert post_wechat(client, text_xml("openid-a", "帮助", msg_id=555001), query=query).status_code == 200
    replayed = post_wechat(client, text_xml("openid-b", "帮助", msg_id=555002), query=query)
    assert replayed.status_code == 403
    assert not InboundMessage.select().where(InboundMessage.key == "msg:555002").exists()


def test_wechats_retry_of_the_same_body_under_its_signature_gets_the_first_reply(client):
    query, xml = signed_query(), text_xml(unique("openid-"), "帮助", msg_id=555003)
    first, retry = post_wechat(client, xml, query=query), post_wechat(client, xml, query=query)
    assert retry.status_code == 200
    assert reply_content(retry) == reply_content(first)


@pytest.mark.committed
def test_the_dev_server_access_log_holds_no_signature(live_server, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    query = signed_query(echostr="hello")
    assert requests.get(live_server + "/wechat", params=query, timeout=10).status_code == 200
    assert "/wechat?" in caplog.text and query["signature"] not in caplog.text


def test_the_gunicorn_access_log_holds_no_signature(caplog):
    config = runpy.run_path(os.path.join(os.path.dirname(__file__), "..", "deploy", "gunicorn.conf.py"))
    config["post_fork"](None, None)
    with caplog.at_level(logging.INFO, logger="gunicorn.access"):
        logging.getLogger("gunicorn.access").info('"%(r)s" %(s)s', {
            "r": "POST /wechat?signature=0123abcd&timestamp=1&nonce=9&msg_signature=feed HTTP/1.1", "s": "200"})
    assert "0123abcd" not in caplog.text and "feed" not in caplog.text and "nonce=9" in caplog.text


@settings(max_examples=300, deadline=None)
@given(text=st.text(min_size=1, max_size=300), openid=st.text(min_size=1, max_size=40))
def test_any_reply_text_renders_as_one_well_formed_content(text, openid):
    incoming = wechatpy.parse_message(text_xml("openid-fuzz", "帮助"))
    incoming._data["FromUserName"] = openid
    body = protocol.render_reply(protocol.Envelope(incoming), text)
    root = fromstring(body)
    assert [child.tag for child in root] == ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content"]
    assert (root.findtext("ToUserName"), root.findtext("Content")) == (_as_parsed(openid), _as_parsed(text))


def _as_parsed(text):
    """`text` as an XML parser hands it back from a reply: without characters XML cannot carry, line ends as \\n."""
    return protocol._NOT_XML.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
