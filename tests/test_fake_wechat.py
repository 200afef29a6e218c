"""Tests proving the fake WeChat server answers like the real one."""

import os
import subprocess
import sys
import time

import pytest
import requests
import wechatpy
from wechatpy.exceptions import APILimitedException, WeChatClientException

from tests.fake_wechat import FakeWeChat

APPID = "wx_fake_app"
SECRET = "fake_secret"
OPENID = "o_user_1"
TEMPLATE_SEND = "cgi-bin/message/template/send"
SUBSCRIBE_SEND = "cgi-bin/message/subscribe/send"
CUSTOM_SEND = "cgi-bin/message/custom/send"


@pytest.fixture(scope="module")
def server():
    """One fake WeChat server for the whole module."""
    with FakeWeChat() as fake:
        fake.add_app(APPID, SECRET)
        yield fake


@pytest.fixture
def fake(server):
    """The module's fake server, reset before each test."""
    server.reset()
    return server


def fetch_token(fake):
    """Fetch an access_token over HTTP."""
    params = {"grant_type": "client_credential", "appid": APPID, "secret": SECRET}
    return requests.get(fake.url + "cgi-bin/token", params=params, timeout=5).json()["access_token"]


def post(fake, path, body, token, timeout=5):
    """POST a JSON body to path with an access_token."""
    return requests.post(fake.url + path, params={"access_token": token}, json=body, timeout=timeout)


def template_message(openid=OPENID):
    """A template message body for openid."""
    return {"touser": openid, "template_id": "TPL_ORDER", "data": {"thing1": {"value": "Order shipped"}}}


def subscribe_message(openid=OPENID, template_id="TPL_SUB"):
    """A subscribe message body for openid."""
    return {"touser": openid, "template_id": template_id, "data": {"thing1": {"value": "Ready"}},
            "page": "pages/order/index", "miniprogram_state": "formal"}


class FakeClient(wechatpy.WeChatClient):
    """A wechatpy client pointed at the fake server."""

    def __init__(self, fake):
        super().__init__(APPID, SECRET, auto_retry=False)
        self.fake = fake
        self.API_BASE_URL = fake.url + "cgi-bin/"
        self.wxa.API_BASE_URL = fake.url

    def fetch_access_token(self):
        """Fetch the token from the fake instead of api.weixin.qq.com."""
        params = {"grant_type": "client_credential", "appid": self.appid, "secret": self.secret}
        return self._fetch_access_token(url=self.fake.url + "cgi-bin/token", params=params)


def test_token_fetch_issues_a_token(fake):
    answer = requests.get(fake.url + "cgi-bin/token", timeout=5, params={
        "grant_type": "client_credential", "appid": APPID, "secret": SECRET}).json()
    assert answer["expires_in"] == 7200
    assert answer["access_token"]
    assert fake.token_fetches == 1


@pytest.mark.parametrize("params, errcode", [
    ({"grant_type": "client_credential", "appid": "wx_unknown", "secret": SECRET}, 40013),
    ({"grant_type": "client_credential", "appid": APPID, "secret": "wrong"}, 40125),
    ({"appid": APPID, "secret": SECRET}, 40002),
])
def test_token_fetch_rejects_bad_credentials(fake, params, errcode):
    answer = requests.get(fake.url + "cgi-bin/token", params=params, timeout=5)
    assert answer.status_code == 200
    assert answer.json()["errcode"] == errcode
    assert fake.token_fetches == 0


def test_jscode2session_trades_a_code_once(fake):
    code = fake.issue_login_code(OPENID, unionid="union_1")
    params = {"appid": APPID, "secret": SECRET, "js_code": code, "grant_type": "authorization_code"}
    session = requests.get(fake.url + "sns/jscode2session", params=params, timeout=5).json()
    assert session["openid"] == OPENID
    assert session["unionid"] == "union_1"
    assert session["session_key"]
    again = requests.get(fake.url + "sns/jscode2session", params=params, timeout=5).json()
    assert again == {"errcode": 40163, "errmsg": "code been used"}


def test_jscode2session_omits_unionid_unless_given(fake):
    params = {"appid": APPID, "secret": SECRET, "js_code": fake.issue_login_code(OPENID),
              "grant_type": "authorization_code"}
    session = requests.get(fake.url + "sns/jscode2session", params=params, timeout=5).json()
    assert set(session) == {"openid", "session_key"}


def test_jscode2session_rejects_an_unknown_code(fake):
    params = {"appid": APPID, "secret": SECRET, "js_code": "never_issued", "grant_type": "authorization_code"}
    answer = requests.get(fake.url + "sns/jscode2session", params=params, timeout=5).json()
    assert answer == {"errcode": 40029, "errmsg": "invalid code"}


def test_template_send_is_delivered_and_recorded(fake):
    token = fetch_token(fake)
    answer = post(fake, TEMPLATE_SEND, template_message(), token).json()
    assert answer["errcode"] == 0 and answer["errmsg"] == "ok"
    assert isinstance(answer["msgid"], int)
    assert fake.delivered(TEMPLATE_SEND) == [template_message()]
    [call] = fake.calls("/" + TEMPLATE_SEND)
    assert (call.method, call.query["access_token"], call.body) == ("POST", token, template_message())


@pytest.mark.parametrize("token, errcode", [(None, 41001), ("made_up", 40001)])
def test_send_requires_a_valid_token(fake, token, errcode):
    assert post(fake, TEMPLATE_SEND, template_message(), token).json()["errcode"] == errcode
    assert fake.delivered(TEMPLATE_SEND) == []


@pytest.mark.parametrize("missing, errcode", [("touser", 40003), ("template_id", 40037)])
def test_template_send_requires_recipient_and_template(fake, missing, errcode):
    body = template_message()
    del body[missing]
    assert post(fake, TEMPLATE_SEND, body, fetch_token(fake)).json()["errcode"] == errcode


def test_bad_json_body_is_a_data_format_error(fake):
    answer = requests.post(fake.url + TEMPLATE_SEND, params={"access_token": fetch_token(fake)},
                           data=b"{not json", timeout=5).json()
    assert answer == {"errcode": 47001, "errmsg": "data format error"}


def test_unknown_path_is_http_404(fake):
    assert requests.get(fake.url + "cgi-bin/nothing-here", timeout=5).status_code == 404


def test_fail_next_fails_once_then_succeeds(fake):
    token = fetch_token(fake)
    fake.fail_next(TEMPLATE_SEND, 45009)
    failed = post(fake, TEMPLATE_SEND, template_message(), token)
    assert failed.status_code == 200
    assert failed.json() == {"errcode": 45009, "errmsg": "reach max api daily quota limit"}
    assert fake.delivered(TEMPLATE_SEND) == []
    assert post(fake, TEMPLATE_SEND, template_message(), token).json()["errcode"] == 0
    assert fake.delivered(TEMPLATE_SEND) == [template_message()]


def test_http_error_next_answers_an_http_status(fake):
    fake.http_error_next(TEMPLATE_SEND, 503, times=2)
    token = fetch_token(fake)
    statuses = [post(fake, TEMPLATE_SEND, template_message(), token).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert len(fake.delivered(TEMPLATE_SEND)) == 1


def test_recover_drops_the_failures_still_scripted(fake):
    fake.http_error_next(TEMPLATE_SEND, 502, times=5)
    token = fetch_token(fake)
    assert post(fake, TEMPLATE_SEND, template_message(), token).status_code == 502
    fake.recover()
    assert post(fake, TEMPLATE_SEND, template_message(), token).json()["errcode"] == 0
    assert fake.delivered(TEMPLATE_SEND) == [template_message()]


def test_expired_tokens_fail_until_refetched(fake):
    old_token = fetch_token(fake)
    fake.expire_tokens()
    assert post(fake, TEMPLATE_SEND, template_message(), old_token).json()["errcode"] == 42001
    new_token = fetch_token(fake)
    assert post(fake, TEMPLATE_SEND, template_message(), new_token).json()["errcode"] == 0
    assert fake.token_fetches == 2


def test_expire_tokens_can_answer_invalid_credential(fake):
    token = fetch_token(fake)
    fake.expire_tokens(errcode=40001)
    assert post(fake, TEMPLATE_SEND, template_message(), token).json()["errcode"] == 40001


def test_unfollowed_user_gets_43004(fake):
    token = fetch_token(fake)
    fake.unfollow(OPENID)
    assert post(fake, TEMPLATE_SEND, template_message(), token).json()["errcode"] == 43004
    custom = {"touser": OPENID, "msgtype": "text", "text": {"content": "hello"}}
    assert post(fake, CUSTOM_SEND, custom, token).json()["errcode"] == 43004
    assert post(fake, TEMPLATE_SEND, template_message("o_other"), token).json()["errcode"] == 0


def test_custom_send_is_delivered(fake):
    custom = {"touser": OPENID, "msgtype": "text", "text": {"content": "hello"}}
    assert post(fake, CUSTOM_SEND, custom, fetch_token(fake)).json() == {"errcode": 0, "errmsg": "ok"}
    assert fake.delivered(CUSTOM_SEND) == [custom]


def test_subscribe_send_and_refusal(fake):
    token = fetch_token(fake)
    assert post(fake, SUBSCRIBE_SEND, subscribe_message(), token).json() == {"errcode": 0, "errmsg": "ok"}
    fake.refuse_subscription(OPENID, "TPL_SUB")
    assert post(fake, SUBSCRIBE_SEND, subscribe_message(), token).json()["errcode"] == 43101
    assert post(fake, SUBSCRIBE_SEND, subscribe_message(template_id="TPL_OTHER"), token).json()["errcode"] == 0
    assert len(fake.delivered(SUBSCRIBE_SEND)) == 2


def test_hang_with_accept_times_out_yet_delivers_once(fake):
    token = fetch_token(fake)
    fake.hang_next(TEMPLATE_SEND, 3, accept=True)
    with pytest.raises(requests.Timeout):
        post(fake, TEMPLATE_SEND, template_message(), token, timeout=0.5)
    assert fake.delivered(TEMPLATE_SEND) == [template_message()]


def test_hang_without_accept_drops_a_request_the_client_gave_up_on(fake):
    token = fetch_token(fake)
    fake.hang_next(TEMPLATE_SEND, 0.6)
    with pytest.raises(requests.Timeout):
        post(fake, TEMPLATE_SEND, template_message(), token, timeout=0.2)
    time.sleep(0.8)
    assert fake.delivered(TEMPLATE_SEND) == []
    assert len(fake.calls(TEMPLATE_SEND)) == 1


def test_hang_without_accept_delivers_to_a_patient_client(fake):
    token = fetch_token(fake)
    fake.hang_next(TEMPLATE_SEND, 0.3)
    started = time.monotonic()
    assert post(fake, TEMPLATE_SEND, template_message(), token).json()["errcode"] == 0
    assert time.monotonic() - started >= 0.3
    assert fake.delivered(TEMPLATE_SEND) == [template_message()]


def test_wxa_code_unlimited_returns_a_png_per_scene(fake):
    token = fetch_token(fake)
    first = post(fake, "wxa/getwxacodeunlimit", {"scene": "ref=u1", "page": "pages/index/index"}, token)
    second = post(fake, "wxa/getwxacodeunlimit", {"scene": "ref=u2"}, token)
    assert first.headers["Content-Type"] == "image/png"
    assert first.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"ref=u1" in first.content and b"ref=u2" in second.content


def test_wxa_code_unlimited_rejects_a_long_scene(fake):
    answer = post(fake, "wxa/getwxacodeunlimit", {"scene": "x" * 33}, fetch_token(fake)).json()
    assert answer == {"errcode": 40169, "errmsg": "invalid length for scene"}


def test_qrcode_create_issues_a_ticket(fake):
    body = {"expire_seconds": 600, "action_name": "QR_STR_SCENE",
            "action_info": {"scene": {"scene_str": "invite_42"}}}
    answer = post(fake, "cgi-bin/qrcode/create", body, fetch_token(fake)).json()
    assert answer["ticket"]
    assert answer["expire_seconds"] == 600
    assert answer["url"].startswith("http://weixin.qq.com/q/")
    assert fake.delivered("cgi-bin/qrcode/create") == [body]


def test_reset_clears_recordings_but_keeps_apps_and_tokens(fake):
    token = fetch_token(fake)
    fake.unfollow(OPENID)
    fake.reset()
    assert fake.requests == [] and fake.token_fetches == 0
    assert post(fake, TEMPLATE_SEND, template_message(), token).json()["errcode"] == 0
    assert fetch_token(fake)


def test_wechatpy_client_sends_templates_and_logs_in(fake):
    client = FakeClient(fake)
    result = client.message.send_template(OPENID, "TPL_ORDER", {"thing1": {"value": "Order shipped"}})
    assert result["errcode"] == 0
    assert fake.delivered(TEMPLATE_SEND)[0]["touser"] == OPENID
    session = client.wxa.code_to_session(fake.issue_login_code("o_mini_user"))
    assert session["openid"] == "o_mini_user"
    assert fake.token_fetches == 1


def test_wechatpy_client_fetches_wxa_codes_and_subscribe_messages(fake):
    client = FakeClient(fake)
    assert client.wxa.get_wxa_code_unlimited("ref=u1").content.startswith(b"\x89PNG")
    client.wxa.send_subscribe_message(OPENID, "TPL_SUB", {"thing1": {"value": "Ready"}})
    fake.refuse_subscription(OPENID)
    with pytest.raises(WeChatClientException) as refused:
        client.wxa.send_subscribe_message(OPENID, "TPL_SUB", {"thing1": {"value": "Ready"}})
    assert refused.value.errcode == 43101


def test_wechatpy_raises_api_limited_on_45009(fake):
    client = FakeClient(fake)
    fake.fail_next(TEMPLATE_SEND, 45009)
    with pytest.raises(APILimitedException):
        client.message.send_template(OPENID, "TPL_ORDER", {"thing1": {"value": "Order shipped"}})
    assert client.message.send_template(OPENID, "TPL_ORDER", {"thing1": {"value": "Again"}})["errcode"] == 0


def test_wechatpy_sees_expired_token_without_retrying(fake):
    client = FakeClient(fake)
    client.message.send_template(OPENID, "TPL_ORDER", {"thing1": {"value": "First"}})
    fake.expire_tokens()
    with pytest.raises(WeChatClientException) as expired:
        client.message.send_template(OPENID, "TPL_ORDER", {"thing1": {"value": "Second"}})
    assert expired.value.errcode == 42001
    client.fetch_access_token()
    assert client.message.send_template(OPENID, "TPL_ORDER", {"thing1": {"value": "Third"}})["errcode"] == 0


def side_door(fake, name, body=None, **params):
    """Call the fake's test-only side door: GET without a body, POST with one."""
    url = fake.url + "__fake__/" + name
    if body is None:
        return requests.get(url, params=params, timeout=5)
    return requests.post(url, json=body, timeout=5)


def test_side_door_issues_a_login_code_that_jscode2session_trades(fake):
    code = side_door(fake, "login-code", {"openid": OPENID}).json()["code"]
    params = {"appid": APPID, "secret": SECRET, "js_code": code, "grant_type": "authorization_code"}
    session = requests.get(fake.url + "sns/jscode2session", params=params, timeout=5).json()
    assert session["openid"] == OPENID


def test_side_door_refuses_a_login_code_without_openid(fake):
    answer = side_door(fake, "login-code", {"openid": ""})
    assert answer.status_code == 400


def test_side_door_issues_a_phone_code_for_a_number(fake):
    code = side_door(fake, "phone-code", {"phone": "13912345678"}).json()["code"]
    answer = post(fake, "wxa/business/getuserphonenumber", {"code": code}, fetch_token(fake)).json()
    assert answer["phone_info"]["purePhoneNumber"] == "13912345678"


def test_side_door_lists_received_requests_of_one_path_without_recording_itself(fake):
    fetch_token(fake)
    requests.get(fake.url + "sns/jscode2session", params={"appid": APPID}, timeout=5)
    items = side_door(fake, "requests", path="/cgi-bin/token").json()["items"]
    assert [item["path"] for item in items] == ["/cgi-bin/token"]
    assert items[0]["query"]["appid"] == APPID
    assert all(not request.path.startswith("/__fake__/") for request in fake.requests)


def test_side_door_lists_delivered_messages(fake):
    token = fetch_token(fake)
    post(fake, SUBSCRIBE_SEND, subscribe_message(), token)
    items = side_door(fake, "messages").json()["items"]
    assert items == [{"path": "/cgi-bin/message/subscribe/send", "body": subscribe_message()}]


def test_side_door_pay_refuses_an_unknown_order(fake):
    answer = side_door(fake, "pay", {"out_trade_no": "NO-SUCH-ORDER"})
    assert answer.status_code == 400
    assert "NO-SUCH-ORDER" in answer.json()["error"]


def test_side_door_reset_forgets_recordings(fake):
    fetch_token(fake)
    side_door(fake, "reset", {})
    assert side_door(fake, "requests").json()["items"] == []


def test_side_door_answers_404_for_an_unknown_tool(fake):
    assert side_door(fake, "nothing-here").status_code == 404


def test_fake_run_on_its_own_hands_out_login_codes():
    process = subprocess.Popen([sys.executable, "-m", "tests.fake_wechat", "--port", "0", "--app", APPID, SECRET],
                               stdout=subprocess.PIPE, text=True, cwd=os.path.dirname(os.path.dirname(__file__)))
    try:
        url = process.stdout.readline().split(" at ")[1].split(" ")[0]
        code = requests.post(url + "__fake__/login-code", json={"openid": OPENID}, timeout=5).json()["code"]
        params = {"appid": APPID, "secret": SECRET, "js_code": code, "grant_type": "authorization_code"}
        assert requests.get(url + "sns/jscode2session", params=params, timeout=5).json()["openid"] == OPENID
    finally:
        process.terminate()
        process.wait(timeout=10)
