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

v2 (`v2_client()`) is wechatpy's `WeChatPay` for merchants who still have the legacy API key.
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
from wechatpayv3.core import Core
from wechatpayv3.type import RequestType
from wechatpayv3.utils import aes_decrypt, load_certificate
from wechatpy.pay import WeChatPay

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
    """A notification that is not WeChat Pay's, or cannot be read: answer 4xx and change nothing."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


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
    """The WeChat Pay (v2) client of the mini-program's merchant account, pointed at WECHAT_PAY_API_BASE."""
    settings = get_settings()
    client = WeChatPay(appid=settings.WECHAT_MP_APPID, api_key=settings.WECHAT_PAY_API_KEY,
                       mch_id=settings.WECHAT_PAY_MCH_ID, timeout=settings.WECHAT_TIMEOUT_SECONDS)
    client.API_BASE_URL = settings.WECHAT_PAY_API_BASE
    return client


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
