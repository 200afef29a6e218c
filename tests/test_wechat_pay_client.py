"""The WeChat Pay APIv3 client (app/wechat_pay.py) against the fake v3 server: signed requests, verified answers,
verified and decrypted notifications, field encryption, both verification modes, and the faults."""
import base64
import time
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from app.config import ConfigError, Settings
from app.wechat_pay import (
    NotificationRejected,
    PayRefused,
    PayUnavailable,
    api_version,
    v3_client,
)
from tests.conftest import MP_APPID, PAY_MCH_ID
from tests.factories import settings_changed

JSAPI = "/v3/pay/transactions/jsapi"


def jsapi_body(out_trade_no="260101000001", total=100):
    return {"appid": MP_APPID, "mchid": PAY_MCH_ID, "description": "测试", "out_trade_no": out_trade_no,
            "notify_url": "https://example.com/notify", "amount": {"total": total, "currency": "CNY"},
            "payer": {"openid": "o-payer"}}


def test_a_signed_request_is_accepted_and_its_signed_answer_verified(wechat_pay_v3):
    answer = v3_client().post(JSAPI, jsapi_body())
    assert answer["prepay_id"].startswith("wx")
    assert wechat_pay_v3.calls(JSAPI)[0].headers["Authorization"].startswith("WECHATPAY2-SHA256-RSA2048 ")


def test_the_v3_credentials_choose_v3(wechat_pay_v3):
    assert api_version() == "v3"


def test_platform_certificate_mode_fetches_the_certificates_and_verifies_answers_with_them(
        wechat_pay_v3_certificates):
    client = v3_client()
    client.post(JSAPI, jsapi_body())
    client.get("/v3/pay/transactions/out-trade-no/260101000001", params={"mchid": PAY_MCH_ID})
    assert len(wechat_pay_v3_certificates.calls("/v3/certificates")) <= 1


def test_a_refusal_carries_wechat_pays_code(wechat_pay_v3):
    client = v3_client()
    client.post(JSAPI, jsapi_body())
    wechat_pay_v3.pay("260101000001", notify=False)
    with pytest.raises(PayRefused) as refused:
        client.post(JSAPI, jsapi_body())
    assert (refused.value.status, refused.value.code) == (400, "ORDERPAID")


def test_a_request_signed_with_another_key_is_refused_by_wechat_pay(wechat_pay_v3):
    with settings_changed(WECHAT_PAY_CERT_SERIAL="0000NOTOURS"):
        with pytest.raises(PayRefused) as refused:
            v3_client().post(JSAPI, jsapi_body())
    assert refused.value.code == "SIGN_ERROR"


def test_an_answer_with_a_forged_signature_is_an_unknown_outcome(wechat_pay_v3):
    wechat_pay_v3.forge_next(JSAPI)
    with pytest.raises(PayUnavailable):
        v3_client().post(JSAPI, jsapi_body())
    assert wechat_pay_v3.transaction("260101000001") is not None  # done at WeChat: only a query tells


def test_a_server_error_is_an_unknown_outcome(wechat_pay_v3):
    wechat_pay_v3.fail_next(JSAPI, 500)
    with pytest.raises(PayUnavailable):
        v3_client().post(JSAPI, jsapi_body())


def test_no_answer_in_time_is_an_unknown_outcome(wechat_pay_v3):
    wechat_pay_v3.hang_next(JSAPI, 3, accept=True)
    with settings_changed(WECHAT_TIMEOUT_SECONDS=0.5):
        with pytest.raises(PayUnavailable):
            v3_client().post(JSAPI, jsapi_body())


def test_request_payment_parameters_are_signed_with_the_merchant_key(wechat_pay_v3):
    params = v3_client().jsapi_params("wx123")
    assert (params["appId"], params["package"], params["signType"]) == (MP_APPID, "prepay_id=wx123", "RSA")
    message = f"{MP_APPID}\n{params['timeStamp']}\n{params['nonceStr']}\nprepay_id=wx123\n".encode()
    merchant = wechat_pay_v3._merchants[PAY_MCH_ID].public_key
    merchant.verify(base64.b64decode(params["paySign"]), message, padding.PKCS1v15(), hashes.SHA256())


def test_an_encrypted_field_opens_only_with_wechat_pays_private_key(wechat_pay_v3):
    sealed = v3_client().encrypt("张三")
    plain = wechat_pay_v3.private_key.decrypt(base64.b64decode(sealed), padding.OAEP(
        mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None))
    assert plain.decode() == "张三"


def notification(fake, **signing):
    return fake.notification("TRANSACTION.SUCCESS", {"out_trade_no": "260101000001", "amount": {"total": 100}},
                             **signing)


def test_a_notification_is_verified_and_its_resource_decrypted(wechat_pay_v3):
    parsed = v3_client().parse_notification(*notification(wechat_pay_v3))
    assert parsed.event_type == "TRANSACTION.SUCCESS" and parsed.resource["amount"]["total"] == 100


def test_a_notification_is_verified_with_the_platform_certificate_in_that_mode(wechat_pay_v3_certificates):
    parsed = v3_client().parse_notification(*notification(wechat_pay_v3_certificates))
    assert parsed.resource["out_trade_no"] == "260101000001"


@pytest.mark.parametrize("forgery, reason", [
    ({"timestamp": int(time.time()) - 3600}, "stale timestamp"),
    ({"timestamp": int(time.time()) + 3600}, "stale timestamp"),
    ({"serial": "PUB_KEY_ID_SOMEONE_ELSE"}, "unknown serial"),
])
def test_a_stale_or_unknown_notification_is_rejected(wechat_pay_v3, forgery, reason):
    with pytest.raises(NotificationRejected) as rejected:
        v3_client().parse_notification(*notification(wechat_pay_v3, **forgery))
    assert rejected.value.reason == reason


def test_a_notification_signed_by_another_key_is_rejected(wechat_pay_v3):
    from tests.fake_wechat_pay_v3 import _forger

    with pytest.raises(NotificationRejected, match="bad signature"):
        v3_client().parse_notification(*notification(wechat_pay_v3, key=_forger()))


def test_a_notification_whose_body_was_changed_is_rejected(wechat_pay_v3):
    headers, body = notification(wechat_pay_v3)
    with pytest.raises(NotificationRejected, match="bad signature"):
        v3_client().parse_notification(headers, body.replace(b"TRANSACTION.SUCCESS", b"TRANSACTION.SUCCESZ"))


def test_a_notification_sealed_with_another_apiv3_key_is_rejected(wechat_pay_v3):
    headers, body = wechat_pay_v3.notification("TRANSACTION.SUCCESS", {"a": 1}, apiv3_key="x" * 32)
    with pytest.raises(NotificationRejected, match="undecryptable"):
        v3_client().parse_notification(headers, body)


def test_a_notification_with_an_odd_serial_in_certificate_mode_is_rejected_without_a_crash(
        wechat_pay_v3_certificates):
    with pytest.raises(NotificationRejected, match="unknown serial"):
        v3_client().parse_notification(*notification(wechat_pay_v3_certificates, serial="ZZ²"))


def test_v3_settings_without_the_key_file_are_refused(tmp_path):
    settings = replace(Settings(), WECHAT_MP_APPID="wx", WECHAT_PAY_MCH_ID="1", WECHAT_PAY_CERT_SERIAL="AB",
                       WECHAT_PAY_APIV3_KEY="k" * 32, WECHAT_PAY_PRIVATE_KEY_FILE=str(tmp_path / "missing.pem"))
    with pytest.raises(ConfigError, match="WECHAT_PAY_PRIVATE_KEY_FILE"):
        settings.validate()


def test_a_public_key_without_its_id_is_refused(tmp_path):
    key = tmp_path / "key.pem"
    key.write_text("x")
    settings = replace(Settings(), WECHAT_MP_APPID="wx", WECHAT_PAY_MCH_ID="1", WECHAT_PAY_CERT_SERIAL="AB",
                       WECHAT_PAY_APIV3_KEY="k" * 32, WECHAT_PAY_PRIVATE_KEY_FILE=str(key),
                       WECHAT_PAY_PUBLIC_KEY_FILE=str(key))
    with pytest.raises(ConfigError, match="WECHAT_PAY_PUBLIC_KEY_ID"):
        settings.validate()


def test_v2_credentials_alone_keep_the_v2_path():
    settings = replace(Settings(), WECHAT_MP_APPID="wx", WECHAT_PAY_MCH_ID="1", WECHAT_PAY_API_KEY="k" * 32)
    assert settings.wechat_pay_version == "v2"


def test_forged_serials_in_certificate_mode_fetch_the_certificates_at_most_once_a_minute(
        wechat_pay_v3_certificates):
    client = v3_client()
    for index in range(5):
        with pytest.raises(NotificationRejected):
            client.parse_notification(*notification(wechat_pay_v3_certificates, serial=f"ABCDEF{index}"))
    assert len(wechat_pay_v3_certificates.calls("/v3/certificates")) <= 1
