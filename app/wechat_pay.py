"""The one WeChat Pay client: APIv3 through `wechatpayv3`, the legacy v2 through wechatpy, chosen by settings.

APIv3 (`v3_client()`): `wechatpayv3` signs every request (Authorization), verifies
every answer's Wechatpay-Signature, verifies and decrypts notifications (AES-256-GCM
with the APIv3 key) and encrypts sensitive fields (RSA-OAEP with WeChat Pay's
public key or platform certificate). Its defaults are changed here: requests go to
WECHAT_PAY_API_BASE (tests point it at the fake server); in platform-certificate
mode the certificates are fetched lazily, at most once a minute, and replaced as a
whole (a forged serial cannot make every notification fetch them again); in
public-key mode only the configured public key id is accepted.

What a caller must tell apart:
- `PayRefused`: WeChat Pay answered and said no (4xx with its `code`): nothing happened there;
- `PayUnavailable`: no answer, a 5xx, a timeout, or an answer we cannot verify: the outcome
  is unknown and only a later query tells it;
- `NotificationRejected`: a notification to answer 4xx (forged, stale, unknown serial,
  undecryptable): nothing may change.

v2 (`v2_client()`) is wechatpy's `WeChatPay` for merchants who still have the legacy API key. Its payment
notifications are checked once here (`v2_payment_result`); its refunds (`secapi/pay/refund`, which needs the
merchant's client certificate) and their queries and notifications (`req_info`, AES-256-ECB with md5 of the API
key) answer in APIv3's vocabulary, so that one refund state machine serves both APIs.
"""
import gzip
import hashlib
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote, urlencode, urlsplit

import requests
import xmltodict
from wechatpy.crypto import WeChatRefundCrypto
from wechatpayv3.core import Core
from wechatpayv3.type import RequestType
from wechatpayv3.utils import aes_decrypt, load_certificate
from wechatpy.exceptions import InvalidSignatureException, WeChatPayException
from wechatpy.pay import WeChatPay
from wechatpy.pay.utils import calculate_signature

from app.config import get_settings

log = logging.getLogger(__name__)

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
CERTIFICATES_PATH = "/v3/certificates"
CERTIFICATE_REFRESH_SECONDS = 60
MAX_NOTIFICATION_BYTES = 64 * 1024


class PayError(Exception):
    """A WeChat Pay call or notification that did not go through."""


class PayUnavailable(PayError):
    """No usable answer (network, timeout, 5xx, unverifiable answer): the outcome is unknown; query later."""


class PayRefused(PayError):
    """WeChat Pay answered 4xx: it refused the request (`code` is its error code, e.g. ORDERPAID)."""

    def __init__(self, status, code, message):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


class NotificationRejected(PayError):
    """A notification that is not WeChat Pay's, or cannot be read: answer 4xx (v2: FAIL) and change nothing.
    `answer` is what a v2 XML answer says to WeChat."""

    def __init__(self, reason, answer="通知无效"):
        super().__init__(reason)
        self.reason, self.answer = reason, answer


@dataclass(frozen=True)
class Notification:
    """A verified, decrypted WeChat Pay notification: `event_type` (TRANSACTION.SUCCESS, REFUND.SUCCESS …)
    and `resource`, the decrypted object (a transaction, a refund, a transfer bill)."""

    id: str
    event_type: str
    summary: str
    resource: dict


class _Core(Core):
    """wechatpayv3's Core, aimed at `gateway`, with lazily fetched, throttled, atomically replaced certificates."""

    def __init__(self, *, gateway, **kwargs):
        self._lazy = True
        self._refresh_lock = threading.Lock()
        self._refreshed_at = 0.0
        super().__init__(**kwargs)
        self._gate_way = gateway
        self._lazy = False

    def _init_certificates(self):
        if not self._lazy:  # Core calls this from __init__, before the gateway is set: fetch on first need instead
            super()._init_certificates()

    def _update_certificates(self):
        if self._public_key_id:  # public-key mode: no certificates to fetch; an unknown serial is simply unknown
            return
        with self._refresh_lock:
            if self._refreshed_at and time.monotonic() - self._refreshed_at < CERTIFICATE_REFRESH_SECONDS:
                return
            self._refreshed_at = time.monotonic()
            self._certificates = self._fetch_certificates()

    def _fetch_certificates(self):
        code, message = self.request(CERTIFICATES_PATH, skip_verify=True)
        if code != 200:
            log.warning("WeChat Pay certificates: HTTP %s", code)
            return list(self._certificates)
        now, fresh = datetime.now(timezone.utc), []
        for entry in json.loads(message).get("data") or []:
            sealed = entry.get("encrypt_certificate") or {}
            try:  # AES-GCM with the APIv3 key authenticates the certificate: only WeChat Pay could seal it
                pem = aes_decrypt(nonce=sealed["nonce"], ciphertext=sealed["ciphertext"],
                                  associated_data=sealed.get("associated_data", ""), apiv3_key=self._apiv3_key)
            except (KeyError, TypeError, ValueError):
                pem = None
            certificate = load_certificate(pem) if pem else None
            if certificate and certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
                fresh.append(certificate)
        return fresh or list(self._certificates)

    def _last_certificate(self):
        if not self._certificates:
            self._update_certificates()
        if not self._certificates:
            raise PayUnavailable("no WeChat Pay platform certificate")
        return max(self._certificates, key=lambda cert: cert.not_valid_after_utc)


class V3Client:
    """The merchant's APIv3 client. `get`/`post` answer the decoded JSON (an empty dict for 204)."""

    def __init__(self, settings):
        self.mchid = settings.WECHAT_PAY_MCH_ID
        self.appid = settings.WECHAT_MP_APPID
        self.max_age = settings.WECHAT_PAY_NOTIFY_MAX_AGE_SECONDS
        public_key = _read(settings.WECHAT_PAY_PUBLIC_KEY_FILE) or None
        self.public_key_id = settings.WECHAT_PAY_PUBLIC_KEY_ID or None
        self._core = _Core(gateway=settings.WECHAT_PAY_API_BASE.rstrip("/"), mchid=self.mchid,
                           cert_serial_no=settings.WECHAT_PAY_CERT_SERIAL,
                           private_key=_read(settings.WECHAT_PAY_PRIVATE_KEY_FILE),
                           apiv3_key=settings.WECHAT_PAY_APIV3_KEY, timeout=settings.WECHAT_TIMEOUT_SECONDS,
                           public_key=public_key, public_key_id=self.public_key_id if public_key else None)

    # Calls

    def get(self, path, *, params=None):
        """GET `path` (with `params` as its query string); the answer's JSON."""
        if params:
            path = f"{path}?{urlencode(params)}"
        return self._call(path, RequestType.GET)

    def post(self, path, body, *, encrypted=False):
        """POST `body` as JSON; `encrypted` when it holds fields made with `encrypt` (sends Wechatpay-Serial)."""
        return self._call(path, RequestType.POST, data=body, cipher_data=encrypted)

    def download(self, url):
        """The bytes behind a download URL WeChat Pay handed out (a bill), fetched signed from our API base."""
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        try:
            status, content = self._core.request(path, skip_verify=True)
        except requests.RequestException as exc:
            raise PayUnavailable(f"GET {parts.path}: {type(exc).__name__}") from exc
        if status != 200:
            raise PayUnavailable(f"GET {parts.path}: HTTP {status}")
        return content if isinstance(content, bytes) else content.encode("utf-8")

    def _call(self, path, method, **kwargs):
        operation = f"{method.value} {path.split('?')[0]}"
        try:
            status, text = self._core.request(path, method, **kwargs)
        except requests.RequestException as exc:
            log.warning("WeChat Pay %s unreachable: %s", operation, type(exc).__name__)
            raise PayUnavailable(f"{operation}: {type(exc).__name__}") from exc
        except Exception as exc:  # wechatpayv3 raises bare Exception for an answer whose signature fails
            log.warning("WeChat Pay %s answer not verified: %s", operation, exc)
            raise PayUnavailable(f"{operation}: answer not verified") from exc
        answer = _json(text)
        if 200 <= status < 300:
            return answer
        if 400 <= status < 500 and answer.get("code"):
            raise PayRefused(status, str(answer["code"]), str(answer.get("message", "")))
        log.warning("WeChat Pay %s failed: HTTP %s %s", operation, status, answer.get("code", ""))
        raise PayUnavailable(f"{operation}: HTTP {status}")

    # Signing and encryption

    def jsapi_params(self, prepay_id):
        """What `wx.requestPayment` takes for a prepay id: signed with the merchant key (signType RSA)."""
        stamp, nonce, package = str(int(time.time())), secrets.token_hex(16), f"prepay_id={prepay_id}"
        return {"appId": self.appid, "timeStamp": stamp, "nonceStr": nonce, "package": package, "signType": "RSA",
                "paySign": self._core.sign([self.appid, stamp, nonce, package])}

    def encrypt(self, text):
        """A sensitive field (a payee's real name) encrypted with WeChat Pay's public key (RSA-OAEP); send the
        body with `post(…, encrypted=True)`."""
        return self._core.encrypt(text)

    # Notifications

    def parse_notification(self, headers, body):
        """Verify a notification's signature, timestamp and serial, decrypt its resource: a `Notification`,
        or NotificationRejected."""
        if len(body) > MAX_NOTIFICATION_BYTES:
            raise NotificationRejected("too large")
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        stamp = headers.get("Wechatpay-Timestamp", "")
        if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
            raise NotificationRejected("no timestamp")
        if abs(time.time() - int(stamp)) > self.max_age:
            raise NotificationRejected("stale timestamp")
        serial = headers.get("Wechatpay-Serial", "")
        if not serial or not serial.isascii() or len(serial) > 64 or not self._knows_serial(serial):
            raise NotificationRejected("unknown serial")
        signature_headers = {name: headers.get(name, "") for name in (
            "Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial")}
        signature_headers["Wechatpay-Signature-Type"] = headers.get("Wechatpay-Signature-Type") or SIGNATURE_TYPE
        try:
            verified = self._core._verify_signature(signature_headers, text)
        except Exception:  # an unsupported signature type, a malformed serial
            verified = False
        if not verified:
            raise NotificationRejected("bad signature")
        envelope = _json(text)
        resource = envelope.get("resource")
        if envelope.get("resource_type") != "encrypt-resource" or not isinstance(resource, dict):
            raise NotificationRejected("no encrypted resource")
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise NotificationRejected("unknown algorithm")
        try:
            plain = aes_decrypt(nonce=str(resource["nonce"]), ciphertext=str(resource["ciphertext"]),
                                associated_data=str(resource.get("associated_data") or ""),
                                apiv3_key=self._core._apiv3_key)
        except (KeyError, ValueError, TypeError):
            plain = None
        decrypted = _json(plain) if plain else None
        if not decrypted:
            raise NotificationRejected("undecryptable resource")
        return Notification(id=str(envelope.get("id", "")), event_type=str(envelope.get("event_type", "")),
                            summary=str(envelope.get("summary", "")), resource=decrypted)

    def _knows_serial(self, serial):
        if self.public_key_id:
            return serial == self.public_key_id
        try:
            number = int(serial, 16)
        except ValueError:
            return False
        if not any(cert.serial_number == number for cert in self._core._certificates):
            try:
                self._core._update_certificates()
            except requests.RequestException:
                return False
        return any(cert.serial_number == number for cert in self._core._certificates)


def _read(path):
    if not path:
        return ""
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _json(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


V3_SETTINGS = ("WECHAT_MP_APPID", "WECHAT_PAY_MCH_ID", "WECHAT_PAY_API_BASE", "WECHAT_PAY_PRIVATE_KEY_FILE",
               "WECHAT_PAY_CERT_SERIAL", "WECHAT_PAY_APIV3_KEY", "WECHAT_PAY_PUBLIC_KEY_FILE",
               "WECHAT_PAY_PUBLIC_KEY_ID", "WECHAT_PAY_NOTIFY_MAX_AGE_SECONDS", "WECHAT_TIMEOUT_SECONDS")
_clients = {}
_clients_lock = threading.Lock()


def v3_client():
    """The APIv3 client of the configured merchant (one per set of settings: keys parsed once, certificates kept)."""
    settings = get_settings()
    if not settings.wechat_pay_v3_configured:
        raise PayUnavailable("WeChat Pay APIv3 is not configured")
    key = tuple(getattr(settings, name) for name in V3_SETTINGS)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            if len(_clients) >= 8:
                _clients.clear()
            client = _clients[key] = V3Client(settings)
        return client


def api_version():
    """"v3", "v2" or "" (no WeChat Pay): which API this brand's merchant account is used through."""
    return get_settings().wechat_pay_version


def v2_client():
    """The WeChat Pay (v2) client of the mini-program's merchant account, pointed at WECHAT_PAY_API_BASE; it presents
    the merchant's client certificate (WECHAT_PAY_CERT_FILE with WECHAT_PAY_PRIVATE_KEY_FILE) where v2 asks for it."""
    settings = get_settings()
    client = WeChatPay(appid=settings.WECHAT_MP_APPID, api_key=settings.WECHAT_PAY_API_KEY,
                       mch_id=settings.WECHAT_PAY_MCH_ID, timeout=settings.WECHAT_TIMEOUT_SECONDS,
                       mch_cert=settings.WECHAT_PAY_CERT_FILE or None, mch_key=settings.WECHAT_PAY_PRIVATE_KEY_FILE or None)
    client.API_BASE_URL = settings.WECHAT_PAY_API_BASE
    return client


def v2_payment_result(xml):
    """A v2 payment notification's data (amounts as int) once its signature and merchant check out; None for a
    payment that did not succeed (acknowledged, nothing to apply). NotificationRejected otherwise."""
    settings = get_settings()
    if api_version() != "v2":
        raise NotificationRejected("v2 not configured", "未配置微信支付")
    try:
        data = v2_client().parse_payment_result(xml)
    except InvalidSignatureException:
        raise NotificationRejected("bad signature", "签名错误") from None
    if data.get("return_code") != "SUCCESS" or data.get("result_code") != "SUCCESS":
        return None
    if data.get("mch_id") != settings.WECHAT_PAY_MCH_ID or data.get("appid") != settings.WECHAT_MP_APPID:
        raise NotificationRejected("merchant mismatch", "商户号不符")
    return data


def v2_refunds_configured():
    """Whether v2 refunds can be sent: the v2 API key and the merchant's client certificate and key."""
    settings = get_settings()
    return bool(settings.WECHAT_MP_APPID and settings.WECHAT_PAY_MCH_ID and settings.WECHAT_PAY_API_KEY
                and settings.WECHAT_PAY_CERT_FILE and settings.WECHAT_PAY_PRIVATE_KEY_FILE)


# v2's refund states as APIv3 names them; "not found" as APIv3 says it.
V2_REFUND_STATES = {"SUCCESS": "SUCCESS", "REFUNDCLOSE": "CLOSED", "CHANGE": "ABNORMAL", "PROCESSING": "PROCESSING"}
V2_NOT_FOUND = {"REFUNDNOTEXIST": "RESOURCE_NOT_EXISTS"}
V2_TRY_AGAIN = ("SYSTEMERROR", "BIZERR_NEED_RETRY", "FREQUENCY_LIMITED")  # same out_refund_no later, WeChat says


def create_v2_refund(*, out_trade_no, out_refund_no, total_fen, refund_fen, reason, notify_url):
    """Ask v2 for a refund (`secapi/pay/refund`, client certificate); repeating an `out_refund_no` makes no second
    refund. The refund as APIv3 would answer it ({out_refund_no, refund_id, status, amount.refund})."""
    answer = _v2_call("secapi/pay/refund", lambda client: client.refund.apply(
        total_fee=total_fen, refund_fee=refund_fen, out_refund_no=out_refund_no, out_trade_no=out_trade_no,
        refund_desc=reason[:80] or None, notify_url=notify_url))
    return {"out_refund_no": answer.get("out_refund_no", out_refund_no), "refund_id": answer.get("refund_id", ""),
            "status": "PROCESSING", "amount": {"refund": _fen(answer.get("refund_fee"))}}


def query_v2_refund(out_refund_no):
    """The v2 refund by our number, as APIv3 would answer it (PayRefused RESOURCE_NOT_EXISTS when v2 has none)."""
    answer = _v2_call("pay/refundquery", lambda client: client.refund.query(out_refund_no=out_refund_no))
    for index in range(_fen(answer.get("refund_count")) or 0):
        if answer.get(f"out_refund_no_{index}") == out_refund_no:
            return {"out_refund_no": out_refund_no, "refund_id": answer.get(f"refund_id_{index}", ""),
                    "status": V2_REFUND_STATES.get(answer.get(f"refund_status_{index}"), "PROCESSING"),
                    "amount": {"refund": _fen(answer.get(f"refund_fee_{index}"))}}
    raise PayRefused(200, "RESOURCE_NOT_EXISTS", "no such refund")


def parse_v2_refund_notification(xml):
    """A v2 refund notification: our merchant's, `req_info` decrypted with md5 of the API key (only WeChat Pay,
    which knows the key, can make one that decrypts to a refund), as APIv3's refund resource. NotificationRejected
    otherwise."""
    settings = get_settings()
    if not settings.WECHAT_PAY_API_KEY:
        raise NotificationRejected("v2 not configured", "未配置微信支付")
    if len(xml) > MAX_NOTIFICATION_BYTES:
        raise NotificationRejected("too large")
    try:
        envelope = xmltodict.parse(xml)["xml"]
        if envelope.get("return_code") != "SUCCESS":
            raise NotificationRejected("not a success", "通知无效")
        refund = WeChatRefundCrypto(settings.WECHAT_PAY_API_KEY).decrypt_message(
            envelope, settings.WECHAT_MP_APPID, settings.WECHAT_PAY_MCH_ID)
    except NotificationRejected:
        raise
    except Exception:  # not XML, another merchant, a req_info that does not decrypt to a refund
        raise NotificationRejected("undecryptable req_info", "解密失败") from None
    if not isinstance(refund, dict) or not refund.get("out_refund_no"):
        raise NotificationRejected("undecryptable req_info", "解密失败")
    return {"out_refund_no": refund["out_refund_no"], "refund_id": refund.get("refund_id", ""),
            "refund_status": V2_REFUND_STATES.get(refund.get("refund_status"), "PROCESSING"),
            "amount": {"refund": _fen(refund.get("refund_fee"))}}


def _v2_call(operation, call):
    """A v2 call's verified answer. PayRefused when WeChat Pay said no; PayUnavailable when the outcome is unknown
    (no answer, a 5xx, an unsigned answer, "try again")."""
    client = v2_client()
    try:
        answer = call(client)
    except requests.RequestException as exc:
        raise PayUnavailable(f"{operation}: {type(exc).__name__}") from exc
    except WeChatPayException as exc:
        if exc.return_code is None or exc.errcode in V2_TRY_AGAIN:
            log.warning("WeChat Pay v2 %s: no answer (%s)", operation, exc.errcode)
            raise PayUnavailable(f"{operation}: {exc.errcode or 'HTTP error'}") from exc
        code = V2_NOT_FOUND.get(exc.errcode, exc.errcode or exc.return_code)
        raise PayRefused(200, str(code), str(exc.errmsg or exc.return_msg or "")) from exc
    if not isinstance(answer, dict):
        raise PayUnavailable(f"{operation}: not XML")
    fields = {name: value for name, value in answer.items() if name != "sign"}
    if answer.get("sign") != calculate_signature(fields, client.api_key):
        raise PayUnavailable(f"{operation}: answer not signed with our key")
    return answer


def _fen(text):
    return int(text) if isinstance(text, str) and text.isascii() and text.isdigit() else None


# 商家转账 (transfer bills) and trade bills

TRANSFER_BILLS = "/v3/fund-app/mch-transfer/transfer-bills"


def create_transfer_bill(*, out_bill_no, scene_id, openid, amount_fen, remark, notify_url, user_name=None,
                         report_infos=()):
    """Create (or, for an `out_bill_no` WeChat Pay already has, answer again) a transfer to the user's WeChat change;
    `user_name` (required from ¥2,000) goes encrypted with WeChat Pay's public key. The bill's state, number and
    `package_info` (for `wx.requestMerchantTransfer`)."""
    client = v3_client()
    body = {"appid": client.appid, "out_bill_no": out_bill_no, "transfer_scene_id": scene_id, "openid": openid,
            "transfer_amount": amount_fen, "transfer_remark": remark, "notify_url": notify_url,
            "transfer_scene_report_infos": list(report_infos)}
    if user_name:
        body["user_name"] = client.encrypt(user_name)
    return client.post(TRANSFER_BILLS, body, encrypted=bool(user_name))


def query_transfer_bill(out_bill_no):
    """The transfer bill as WeChat Pay has it (PayRefused NOT_FOUND when it has none by that number)."""
    return v3_client().get(f"{TRANSFER_BILLS}/out-bill-no/{quote(out_bill_no, safe='')}")


def cancel_transfer_bill(out_bill_no):
    """Withdraw a transfer the payee has not received yet: its state (CANCELING, then CANCELLED)."""
    return v3_client().post(f"{TRANSFER_BILLS}/out-bill-no/{quote(out_bill_no, safe='')}/cancel", None)


def trade_bill(bill_date):
    """The day's trade bill (type ALL) as text: asked for (`/v3/bill/tradebill`), downloaded gzipped, its SHA1
    checked against what WeChat Pay said (of the unzipped bill). PayRefused NO_STATEMENT_EXIST for a day without
    one; PayUnavailable for a download that does not check out."""
    client = v3_client()
    answer = client.get("/v3/bill/tradebill", params={"bill_date": bill_date.isoformat(), "bill_type": "ALL",
                                                      "tar_type": "GZIP"})
    if not answer.get("download_url"):
        raise PayUnavailable("trade bill: no download_url")
    content = client.download(answer["download_url"])
    try:
        content = gzip.decompress(content)
    except (OSError, EOFError) as exc:
        raise PayUnavailable("trade bill: not gzip") from exc
    if str(answer.get("hash_type", "SHA1")).upper() == "SHA1" and answer.get("hash_value") \
            and hashlib.sha1(content).hexdigest() != str(answer["hash_value"]).lower():
        raise PayUnavailable("trade bill: SHA1 does not match")
    return content
