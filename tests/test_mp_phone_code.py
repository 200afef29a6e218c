"""Applying from the mini-program with WeChat's verified phone number (getPhoneNumber's code), through the fake."""
from app.agents.models import AgentApplication
from tests.factories import apply_with_invite, make_agent, wechat_login


def test_the_phone_code_is_exchanged_for_the_verified_number(client, fake_wechat):
    headers, _ = wechat_login(client, fake_wechat)
    code = fake_wechat.issue_phone_code("13912345670")
    response = apply_with_invite(client, headers, make_agent(), phone="", phone_code=code)
    assert response.status_code == 201
    assert AgentApplication.get_by_id(response.get_json()["id"]).phone == "13912345670"
    assert fake_wechat.calls("wxa/business/getuserphonenumber")[-1].body == {"code": code}


def test_a_used_or_unknown_phone_code_is_422_asking_to_try_again(client, fake_wechat):
    headers, _ = wechat_login(client, fake_wechat)
    response = apply_with_invite(client, headers, make_agent(), phone="", phone_code="never-issued")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_phone_code"
    assert "phone_code" in response.get_json()["error"]["fields"]


def test_wechat_failing_is_503_and_no_application_is_made(client, fake_wechat):
    headers, _ = wechat_login(client, fake_wechat)
    fake_wechat.fail_next("wxa/business/getuserphonenumber", -1, "system error")
    response = apply_with_invite(client, headers, make_agent(), phone="", phone_code="any")
    assert response.status_code == 503
    assert client.get("/api/mp/agents/applications/mine", headers=headers).status_code == 404


def test_neither_phone_nor_code_is_422(client, fake_wechat):
    headers, _ = wechat_login(client, fake_wechat)
    response = apply_with_invite(client, headers, make_agent(), phone="")
    assert response.status_code == 422 and "phone" in response.get_json()["error"]["fields"]


def test_a_bad_invite_spends_no_phone_code(client, fake_wechat):
    headers, _ = wechat_login(client, fake_wechat)
    code = fake_wechat.issue_phone_code("13912345671")
    response = client.post("/api/mp/agents/applications", headers=headers,
                           json={"invite_code": "NOPE99", "name": "王五", "phone_code": code})
    assert response.status_code == 422
    assert not fake_wechat.calls("wxa/business/getuserphonenumber")
