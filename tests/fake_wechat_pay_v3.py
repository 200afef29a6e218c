"""A fake WeChat Pay APIv3 server (api.mch.weixin.qq.com) on 127.0.0.1, for tests and manual runs.

It has its own platform key pair (served as a public key with an id, or as a
platform certificate under /v3/certificates — `mode`), its own APIv3 key, and
knows each merchant's public key: every request's Authorization is verified
(401 SIGN_ERROR otherwise) and every answer is signed (Wechatpay-Signature,
-Serial, -Timestamp, -Nonce) as WeChat Pay does.

APIs are a route table: `add_route(method, pattern, handler)` with a regex over
the path; a handler takes a `Call` and answers `(status, payload)` (payload a
dict, None for 204, or bytes for a download). The built-in routes are JSAPI
transactions (create, query, close) and refunds (create, query); more APIs (transfer
bills, trade bills) are added the same way, with their state in `self.state`.

A test-only side door (`/__fake__/pay`, `/__fake__/settle-refund`, `/__fake__/reset`) lets a tool outside the
test process (the mini-program's journeys) play the payer.

Faults on demand, per path pattern: `fail_next` (an error answer), `hang_next` (a slow
answer, handled before or after the pause), `forge_next` (an answer with a bad
signature). Notifications: `notification()` builds a signed, encrypted one (with any
timestamp, serial or key, to forge), `send()` posts it; `pay()` and `settle_refund()`
play WeChat Pay's side and notify the notify_url they were created with.
"""
import base64
import json
import re
import secrets
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import parse_qsl, urlsplit

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

from tests.fake_server import LocalServer

BEIJING = timezone(timedelta(hours=8))
AUTH_PATTERN = re.compile(r'^WECHATPAY2-SHA256-RSA2048 (.+)$')
AUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
SIDE_DOOR = "/__fake__/"


def new_key_pair():
    """(private key PEM, public key PEM) of a fresh RSA-2048 key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def sign(private_key, message):
    """Base64 RSA-SHA256 (PKCS#1 v1.5) signature of `message` (str), as WeChat Pay signs."""
    return base64.b64encode(private_key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def encrypt_resource(apiv3_key, plain, *, associated_data):
    """AEAD_AES_256_GCM resource of `plain` (str) sealed with the APIv3 key, as in notifications."""
    nonce = secrets.token_hex(6)  # 12 characters, used as bytes, as WeChat Pay does
    sealed = AESGCM(apiv3_key.encode()).encrypt(nonce.encode(), plain.encode(), associated_data.encode())
    return {"algorithm": "AEAD_AES_256_GCM", "ciphertext": base64.b64encode(sealed).decode(),
            "associated_data": associated_data, "nonce": nonce}


def beijing_now():
    return datetime.now(BEIJING).replace(microsecond=0).isoformat()


@dataclass
class Merchant:
    mchid: str
    serial: str
    public_key: object
    appid: str


@dataclass
class Call:
    """One request as a handler sees it: its merchant is already authenticated."""

    method: str
    path: str
    query: dict
    body: Optional[dict]
    raw: bytes
    headers: dict
    match: re.Match
    mchid: str


@dataclass
class Route:
    method: str
    pattern: re.Pattern
    handler: Callable


@dataclass
class _Script:
    reply: Optional[tuple] = None
    pause_seconds: float = 0.0
    accept_before_pause: bool = False
    forge: bool = False
    meanwhile: Optional[Callable] = None


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    body: Optional[dict]
    headers: dict
    at: float = field(default_factory=time.time)


def error(status, code, message):
    return status, {"code": code, "message": message}


class FakeWeChatPayV3(LocalServer):
    """A real HTTP server answering like WeChat Pay's APIv3."""

    def __init__(self, *, host="127.0.0.1", port=0, mode="public_key"):
        super().__init__(_Handler, host=host, port=port, name="fake-wechat-pay-v3")
        self.lock = threading.RLock()
        self.mode = mode
        self.apiv3_key = secrets.token_hex(16)  # 32 characters
        private_pem, self.public_key_pem = new_key_pair()
        self.private_key = serialization.load_pem_private_key(private_pem.encode(), None)
        self.public_key_id = "PUB_KEY_ID_" + secrets.token_hex(12).upper()
        self.certificate, self.certificate_serial = self._self_signed(self.private_key)
        self._merchants = {}
        self.routes = []
        self._scripts = {}
        self.reset()
        self._add_builtin_routes()

    # Life

    def reset(self):
        """Forget transactions, refunds, recordings and faults (merchants, keys and routes stay)."""
        with self.lock:
            self.state = defaultdict(dict)  # per API: "transactions", "refunds", and whatever a route adds
            self._requests = []
            self._scripts.clear()

    @property
    def serial(self):
        """The serial answers and notifications are signed under: the public key id, or the certificate's."""
        return self.public_key_id if self.mode == "public_key" else self.certificate_serial

    def add_merchant(self, mchid, *, serial, public_key_pem, appid):
        """Accept requests of `mchid` signed by the key whose certificate serial is `serial`."""
        key = serialization.load_pem_public_key(public_key_pem.encode())
        with self.lock:
            self._merchants[mchid] = Merchant(mchid, serial, key, appid)

    def merchant_with_files(self, mchid, *, appid, folder):
        """A merchant made now (its key pair written into `folder`, as apiclient_key.pem beside our pub_key.pem) and
        accepted here; the APIv3 settings of the app that is that merchant."""
        private_pem, public_pem = new_key_pair()
        serial = uuid.uuid4().hex[:20].upper()
        self.add_merchant(mchid, serial=serial, public_key_pem=public_pem, appid=appid)
        (Path(folder) / "apiclient_key.pem").write_text(private_pem)
        (Path(folder) / "pub_key.pem").write_text(self.public_key_pem)
        return {"WECHAT_PAY_API_VERSION": "v3", "WECHAT_PAY_MCH_ID": mchid, "WECHAT_PAY_API_BASE": self.url,
                "WECHAT_PAY_PRIVATE_KEY_FILE": str(Path(folder) / "apiclient_key.pem"), "WECHAT_PAY_CERT_SERIAL": serial,
                "WECHAT_PAY_APIV3_KEY": self.apiv3_key, "WECHAT_PAY_PUBLIC_KEY_FILE": str(Path(folder) / "pub_key.pem"),
                "WECHAT_PAY_PUBLIC_KEY_ID": self.public_key_id}

    def add_route(self, method, pattern, handler):
        """Serve `method` on paths matching `pattern` (a regex, anchored) with `handler(call) -> (status, payload)`."""
        self.routes.append(Route(method, re.compile(f"^{pattern}$"), handler))

    # Recordings and faults

    def calls(self, pattern=None, method=None):
        """Requests received (on paths matching `pattern`, with `method`), oldest first."""
        with self.lock:
            found = list(self._requests)
        return [r for r in found if (pattern is None or re.fullmatch(pattern, r.path))
                and (method is None or r.method == method)]

    def fail_next(self, pattern, status=500, code="SYSTEM_ERROR", message="系统错误", *, times=1):
        """Answer the next `times` calls on paths matching `pattern` with an error, doing nothing."""
        self._add_script(pattern, _Script(reply=error(status, code, message)), times)

    def hang_next(self, pattern, seconds, *, times=1, accept=False):
        """Pause the next calls; accept=True handles them before the pause (done at WeChat, answer lost)."""
        self._add_script(pattern, _Script(pause_seconds=seconds, accept_before_pause=accept), times)

    def forge_next(self, pattern, *, times=1):
        """Handle the next calls but sign their answers with a key that is not WeChat Pay's."""
        self._add_script(pattern, _Script(forge=True), times)

    def meanwhile_next(self, pattern, action, *, times=1):
        """Run `action()` before handling the next calls: something that happens at our side while WeChat Pay
        answers (another request's write), in the server's thread."""
        self._add_script(pattern, _Script(meanwhile=action), times)

    def recover(self):
        with self.lock:
            self._scripts.clear()

    def _add_script(self, pattern, script, times):
        with self.lock:
            self._scripts.setdefault(pattern, deque()).extend([script] * times)

    def _pop_script(self, path):
        with self.lock:
            for pattern, queue in self._scripts.items():
                if queue and re.fullmatch(pattern, path):
                    return queue.popleft()
        return None

    # Serving

    def answer(self, method, target, raw, headers, client_is_waiting):
        """(status, headers, body) for one request, or None to drop the connection unanswered."""
        parts = urlsplit(target)
        path, query = parts.path, dict(parse_qsl(parts.query))
        if path.startswith(SIDE_DOOR):
            return self._side_door(method, path[len(SIDE_DOOR):], raw)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self.lock:
            self._requests.append(Recorded(method, path, query, body, dict(headers)))
        script = self._pop_script(path)
        if script is not None and script.reply is not None:
            return self._signed(*script.reply)
        if script is not None and script.meanwhile is not None:
            script.meanwhile()
        if script is not None and script.pause_seconds and not script.accept_before_pause:
            self._stopping.wait(script.pause_seconds)
            if not client_is_waiting():
                return None
        status, payload = self._route(method, target, path, query, body, raw, headers)
        if script is not None and script.accept_before_pause:
            self._stopping.wait(script.pause_seconds)
            if not client_is_waiting():
                return None
        return self._signed(status, payload, forge=script is not None and script.forge)

    def _side_door(self, method, name, raw):
        """A test tool's call under /__fake__/ (never recorded, never signed): `POST pay {"out_trade_no"}` plays
        the payer paying (the notify_url is told), `POST settle-refund {"out_refund_no", "status"?}` WeChat
        finishing a refund, `POST confirm-transfer {"package"}` the payee confirming a transfer in WeChat
        (wx.requestMerchantTransfer), `POST reset` forgets everything."""
        try:
            body = json.loads(raw or b"{}")
            if method != "POST" or not isinstance(body, dict):
                raise ValueError("POST a JSON object")
            if name == "pay":
                answers = self.pay(str(body["out_trade_no"]))
            elif name == "settle-refund":
                answers = self.settle_refund(str(body["out_refund_no"]), str(body.get("status", "SUCCESS")))
            elif name == "confirm-transfer":
                answers = self.confirm_transfer(str(body["package"]))
            elif name == "reset":
                self.reset()
                answers = []
            else:
                return 404, {"Content-Type": "application/json"}, b'{"error": "no such side door"}'
        except (KeyError, TypeError, ValueError) as exc:
            return 400, {"Content-Type": "application/json"}, json.dumps({"error": f"bad request: {exc}"}).encode()
        result = {"notify_status": answers[-1].status_code if answers else None}
        return 200, {"Content-Type": "application/json"}, json.dumps(result).encode()

    def _route(self, method, target, path, query, body, raw, headers):
        mchid = self._authenticate(method, target, raw, headers.get("Authorization", ""))
        if mchid is None:
            return error(401, "SIGN_ERROR", "签名错误")
        for route in self.routes:
            match = route.pattern.match(path)
            if match and route.method == method:
                if method == "POST" and raw and not isinstance(body, dict):
                    return error(400, "PARAM_ERROR", "请求体不是合法的JSON对象")
                if method == "POST" and not raw:
                    body = {}  # an API without a body (a transfer's cancel)
                call = Call(method, path, query, body, raw, dict(headers), match, mchid)
                with self.lock:
                    return route.handler(call)
        return error(404, "NOT_FOUND", "请求的资源不存在")

    def _authenticate(self, method, target, raw, authorization):
        """The merchant whose key signed this request, or None."""
        found = AUTH_PATTERN.match(authorization)
        if not found:
            return None
        fields = dict(AUTH_FIELD.findall(found.group(1)))
        with self.lock:
            merchant = self._merchants.get(fields.get("mchid", ""))
        if merchant is None or fields.get("serial_no") != merchant.serial:
            return None
        stamp = fields.get("timestamp", "")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
            return None
        message = f"{method}\n{target}\n{stamp}\n{fields.get('nonce_str', '')}\n{raw.decode('utf-8', 'replace')}\n"
        try:
            merchant.public_key.verify(base64.b64decode(fields.get("signature", "")), message.encode(),
                                       padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return None
        return merchant.mchid

    def _signed(self, status, payload, *, forge=False):
        if isinstance(payload, bytes):
            return status, {"Content-Type": "text/plain; charset=utf-8"}, payload
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        headers = self.signature_headers(body.decode(), key=_forger() if forge else None)
        headers["Content-Type"] = "application/json; charset=utf-8"
        return (204 if payload is None and status == 200 else status), headers, body

    def signature_headers(self, body_text, *, key=None, timestamp=None, serial=None, nonce=None):
        """Wechatpay-* headers signing `body_text` (with another key, time or serial, to forge)."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = nonce or secrets.token_hex(16)
        return {"Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": nonce,
                "Wechatpay-Serial": serial or self.serial, "Wechatpay-Signature-Type": SIGNATURE_TYPE,
                "Wechatpay-Signature": sign(key or self.private_key, f"{stamp}\n{nonce}\n{body_text}\n")}

    # Notifications

    def notification(self, event_type, resource, *, summary="", original_type="transaction", apiv3_key=None,
                     **signing):
        """(headers, body bytes) of a signed notification whose resource is `resource` encrypted; `signing` is
        signature_headers' key/timestamp/serial/nonce, to forge one."""
        sealed = encrypt_resource(apiv3_key or self.apiv3_key, json.dumps(resource, ensure_ascii=False),
                                  associated_data=original_type)
        sealed["original_type"] = original_type
        envelope = {"id": secrets.token_hex(16), "create_time": beijing_now(), "resource_type": "encrypt-resource",
                    "event_type": event_type, "summary": summary, "resource": sealed}
        body = json.dumps(envelope, ensure_ascii=False)
        headers = self.signature_headers(body, **signing)
        headers["Content-Type"] = "application/json"
        return headers, body.encode()

    @staticmethod
    def send(url, headers, body, *, timeout=10):
        """POST a notification; the response."""
        return requests.post(url, data=body, headers=headers, timeout=timeout)

    @classmethod
    def send_at_once(cls, url, signed):
        """POST every (headers, body) of `signed` to `url` from its own thread, all released together; the
        statuses, in the order they came back."""
        gate, statuses = threading.Barrier(len(signed)), []

        def send(one):
            gate.wait()
            statuses.append(cls.send(url, *one).status_code)
        threads = [threading.Thread(target=send, args=(one,)) for one in signed]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return statuses

    def notify(self, url, event_type, resource, *, summary="", original_type="transaction", times=1):
        """Send the same event `times` times (each freshly signed, as WeChat's retries are); the responses."""
        return [self.send(url, *self.notification(event_type, resource, summary=summary,
                                                  original_type=original_type)) for _ in range(times)]

    # Payments (JSAPI)

    def transaction(self, out_trade_no):
        with self.lock:
            entry = self.state["transactions"].get(out_trade_no)
            return json.loads(json.dumps(entry)) if entry else None

    def pay(self, out_trade_no, *, notify=True, times=1, transaction_id=None):
        """The payer pays: the transaction becomes SUCCESS and its notify_url is told (`times` times, each freshly
        signed) unless notify=False; the responses."""
        with self.lock:
            entry = self.state["transactions"][out_trade_no]
            if entry["trade_state"] == "NOTPAY":
                entry.update(trade_state="SUCCESS", trade_state_desc="支付成功", success_time=beijing_now(),
                             transaction_id=transaction_id or "42000" + str(secrets.randbelow(10**23)).zfill(23),
                             bank_type="OTHERS")
                entry["amount"]["payer_total"] = entry["amount"]["total"]
            url = entry["notify_url"]
        if not notify:
            return []
        return [self.send(url, *self.payment_notification(out_trade_no)) for _ in range(times)]

    def payment_notification(self, out_trade_no, *, amount=None, **signing):
        """(headers, body) of TRANSACTION.SUCCESS for the transaction as it is (`amount` reported instead of its
        own, to test a mismatch; `signing` to forge)."""
        with self.lock:
            resource = self._transaction_view(self.state["transactions"][out_trade_no])
        if amount is not None:
            resource["amount"] = {**resource["amount"], "total": amount, "payer_total": amount}
        return self.notification("TRANSACTION.SUCCESS", resource, summary="支付成功", **signing)

    @staticmethod
    def _transaction_view(entry):
        view = {key: value for key, value in entry.items() if key not in ("notify_url", "description", "prepay_id",
                                                                           "request")}
        return json.loads(json.dumps(view))

    def _jsapi(self, call):
        body, merchant = call.body, self._merchants[call.mchid]
        amount = body.get("amount") or {}
        required = all(body.get(name) for name in ("appid", "mchid", "description", "out_trade_no", "notify_url")) \
            and isinstance(amount.get("total"), int) and (body.get("payer") or {}).get("openid")
        if not required:
            return error(400, "PARAM_ERROR", "参数错误")
        if body["mchid"] != call.mchid or body["appid"] != merchant.appid:
            return error(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        if amount["total"] <= 0:
            return error(400, "PARAM_ERROR", "订单金额必须大于0")
        kept = {key: body.get(key) for key in ("appid", "description", "notify_url", "amount", "payer", "time_expire")}
        entry = self.state["transactions"].get(body["out_trade_no"])
        if entry is not None:
            if entry["trade_state"] == "SUCCESS":
                return error(400, "ORDERPAID", "该订单已支付")
            if entry["trade_state"] == "CLOSED":
                return error(400, "ORDERCLOSED", "该订单已关闭")
            if entry["request"] != kept:
                return error(400, "INVALID_REQUEST", "201 商户订单号重复")
            return 200, {"prepay_id": entry["prepay_id"]}
        self.state["transactions"][body["out_trade_no"]] = {
            "appid": body["appid"], "mchid": body["mchid"], "out_trade_no": body["out_trade_no"],
            "trade_type": "JSAPI", "trade_state": "NOTPAY", "trade_state_desc": "未支付",
            "payer": {"openid": body["payer"]["openid"]},
            "amount": {"total": amount["total"], "currency": amount.get("currency", "CNY")},
            "notify_url": body["notify_url"], "description": body["description"],
            "prepay_id": "wx" + secrets.token_hex(16), "request": kept}
        return 200, {"prepay_id": self.state["transactions"][body["out_trade_no"]]["prepay_id"]}

    def _query_transaction(self, call):
        if call.query.get("mchid") != call.mchid:
            return error(400, "PARAM_ERROR", "mchid参数错误")
        entry = self.state["transactions"].get(call.match.group(1))
        if entry is None:
            return error(404, "ORDER_NOT_EXIST", "订单不存在")
        return 200, self._transaction_view(entry)

    def _close_transaction(self, call):
        if call.body.get("mchid") != call.mchid:
            return error(400, "PARAM_ERROR", "mchid参数错误")
        entry = self.state["transactions"].get(call.match.group(1))
        if entry is None:
            return error(404, "ORDER_NOT_EXIST", "订单不存在")
        if entry["trade_state"] == "SUCCESS":
            return error(400, "ORDERPAID", "订单已支付")
        entry.update(trade_state="CLOSED", trade_state_desc="已关闭")
        return 200, None

    # Refunds

    def refund(self, out_refund_no):
        with self.lock:
            entry = self.state["refunds"].get(out_refund_no)
            return json.loads(json.dumps(entry)) if entry else None

    def settle_refund(self, out_refund_no, status="SUCCESS", *, notify=True, times=1):
        """WeChat Pay finishes a refund (SUCCESS, CLOSED or ABNORMAL) and tells its notify_url unless
        notify=False; the responses."""
        with self.lock:
            entry = self.state["refunds"][out_refund_no]
            if entry["status"] == "PROCESSING":
                entry["status"] = status
                if status == "SUCCESS":
                    entry["success_time"] = beijing_now()
                else:  # the money can be refunded again
                    self.state["transactions"][entry["out_trade_no"]]["refunded"] -= entry["amount"]["refund"]
            url = entry["notify_url"]
        if not notify or not url:
            return []
        return [self.send(url, *self.refund_notification(out_refund_no)) for _ in range(times)]

    def refund_notification(self, out_refund_no, **signing):
        """(headers, body) of the REFUND.<status> notification of a refund as it is."""
        with self.lock:
            entry = self.state["refunds"][out_refund_no]
            status = entry["status"]
            resource = {"mchid": entry["mchid"], "out_trade_no": entry["out_trade_no"],
                        "transaction_id": entry["transaction_id"], "out_refund_no": out_refund_no,
                        "refund_id": entry["refund_id"], "refund_status": status,
                        "success_time": entry.get("success_time", ""), "user_received_account": "支付用户零钱",
                        "amount": {"total": entry["amount"]["total"], "refund": entry["amount"]["refund"],
                                   "payer_total": entry["amount"]["total"],
                                   "payer_refund": entry["amount"]["refund"]}}
        return self.notification(f"REFUND.{status}", resource, original_type="refund",
                                 summary="退款成功" if status == "SUCCESS" else "退款异常", **signing)

    def _create_refund(self, call):
        body = call.body
        amount = body.get("amount") or {}
        if not body.get("out_refund_no") or not body.get("out_trade_no") or not isinstance(amount.get("refund"), int) \
                or not isinstance(amount.get("total"), int) or amount.get("currency") != "CNY":
            return error(400, "PARAM_ERROR", "参数错误")
        existing = self.state["refunds"].get(body["out_refund_no"])
        if existing is not None:
            if existing["out_trade_no"] != body["out_trade_no"] or existing["amount"]["refund"] != amount["refund"]:
                return error(400, "INVALID_REQUEST", "退款单号重复，请求参数不一致")
            return 200, self._refund_view(existing)
        paid = self.state["transactions"].get(body["out_trade_no"])
        if paid is None or paid["mchid"] != call.mchid:
            return error(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        if paid["trade_state"] not in ("SUCCESS", "REFUND"):
            return error(400, "INVALID_REQUEST", "订单未支付，不能退款")
        if amount["total"] != paid["amount"]["total"]:
            return error(400, "PARAM_ERROR", "订单金额与支付金额不一致")
        if amount["refund"] <= 0 or paid.setdefault("refunded", 0) + amount["refund"] > amount["total"]:
            return error(400, "NOT_ENOUGH", "退款金额超过订单可退金额")
        paid["refunded"] += amount["refund"]
        paid["trade_state"] = "REFUND"
        entry = self.state["refunds"][body["out_refund_no"]] = {
            "mchid": call.mchid, "refund_id": "50" + secrets.token_hex(14), "out_refund_no": body["out_refund_no"],
            "transaction_id": paid.get("transaction_id", ""), "out_trade_no": body["out_trade_no"],
            "channel": "ORIGINAL", "user_received_account": "支付用户零钱", "create_time": beijing_now(),
            "status": "PROCESSING", "notify_url": body.get("notify_url", ""), "reason": body.get("reason", ""),
            "amount": {"total": amount["total"], "refund": amount["refund"], "payer_total": amount["total"],
                       "payer_refund": amount["refund"], "currency": "CNY"}}
        return 200, self._refund_view(entry)

    @staticmethod
    def _refund_view(entry):
        return {key: value for key, value in entry.items() if key not in ("notify_url", "mchid", "reason")}

    def _query_refund(self, call):
        entry = self.state["refunds"].get(call.match.group(1))
        if entry is None or entry["mchid"] != call.mchid:
            return error(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
        return 200, self._refund_view(entry)

    # Transfer bills (商家转账) and trade bills: their state lives in self.state["transfer_bills"] / ["trade_bills"]

    TRANSFER_KEPT = ("appid", "transfer_scene_id", "openid", "transfer_amount", "transfer_remark", "notify_url")

    def transfer_bill(self, out_bill_no):
        """A transfer bill as the fake keeps it (with `user_name` decrypted), or None."""
        with self.lock:
            entry = self.state.setdefault("transfer_bills", {}).get(out_bill_no)
            return json.loads(json.dumps(entry)) if entry else None

    def finish_transfer(self, out_bill_no, state="SUCCESS", *, fail_reason="", notify=True, times=1):
        """The payee confirms (SUCCESS), or the transfer fails (FAIL) or is cancelled (CANCELLED): the bill moves
        there and its notify_url is told `times` times unless notify=False; the responses."""
        with self.lock:
            entry = self.state["transfer_bills"][out_bill_no]
            entry.update(state=state, fail_reason=fail_reason if state != "SUCCESS" else "",
                         update_time=beijing_now())
            url = entry["notify_url"]
        if not notify:
            return []
        return [self.send(url, *self.transfer_notification(out_bill_no)) for _ in range(times)]

    def confirm_transfer(self, package_info):
        """The payee confirms receipt in WeChat of the transfer whose package it was handed: SUCCESS, notified."""
        with self.lock:
            found = [no for no, bill in self.state.setdefault("transfer_bills", {}).items()
                     if bill["package_info"] == package_info and bill["state"] == "WAIT_USER_CONFIRM"]
        if not found:
            raise KeyError("no transfer waits for this package")
        return self.finish_transfer(found[0])

    def transfer_notification(self, out_bill_no, *, state=None, amount=None, **signing):
        """(headers, body) of MCHTRANSFER.BILL.FINISHED for the bill as it is (or in another `state`, for another
        `amount`, to test repeats out of order and mismatches; `signing` to forge)."""
        with self.lock:
            entry = self.state["transfer_bills"][out_bill_no]
            resource = {"out_bill_no": out_bill_no, "transfer_bill_no": entry["transfer_bill_no"],
                        "state": state or entry["state"], "mch_id": entry["mch_id"],
                        "transfer_amount": entry["transfer_amount"] if amount is None else amount,
                        "openid": entry["openid"], "fail_reason": entry.get("fail_reason", ""),
                        "create_time": entry["create_time"], "update_time": entry["update_time"]}
        return self.notification("MCHTRANSFER.BILL.FINISHED", resource, original_type="mch_payment",
                                 summary="商家转账单据终态通知", **signing)

    def _decrypt_field(self, text):
        try:
            return self.private_key.decrypt(base64.b64decode(text), padding.OAEP(
                mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None)).decode()
        except (ValueError, TypeError):
            return None

    def _create_transfer_bill(self, call):
        body, merchant = call.body, self._merchants[call.mchid]
        amount = body.get("transfer_amount")
        if not all(body.get(name) for name in ("appid", "out_bill_no", "transfer_scene_id", "openid",
                                               "transfer_remark")) or not isinstance(amount, int) or amount <= 0:
            return error(400, "PARAM_ERROR", "参数错误")
        if not re.fullmatch(r"[0-9A-Za-z]{5,32}", body["out_bill_no"]) or len(body["transfer_remark"]) > 32:
            return error(400, "PARAM_ERROR", "商户单号或转账备注不合法")
        if body["appid"] != merchant.appid:
            return error(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        user_name = None
        if body.get("user_name"):
            if call.headers.get("Wechatpay-Serial") != self.serial:
                return error(400, "PARAM_ERROR", "Wechatpay-Serial 与加密所用的公钥不符")
            user_name = self._decrypt_field(body["user_name"])
            if user_name is None:
                return error(400, "PARAM_ERROR", "user_name 解密失败")
        if amount >= 200000 and not user_name:
            return error(400, "PARAM_ERROR", "转账金额大于等于2000元时，须填写收款用户姓名")
        bills = self.state.setdefault("transfer_bills", {})
        kept = {name: body.get(name) for name in self.TRANSFER_KEPT}
        entry = bills.get(body["out_bill_no"])
        if entry is not None:
            if entry["request"] != kept:
                return error(400, "INVALID_REQUEST", "商户单号重复，请求参数不一致")
        else:
            now = beijing_now()
            entry = bills[body["out_bill_no"]] = {
                "mch_id": call.mchid, "out_bill_no": body["out_bill_no"], "appid": body["appid"],
                "transfer_bill_no": "1330" + secrets.token_hex(16), "state": "WAIT_USER_CONFIRM",
                "package_info": "ABBQO+oYAAABAAAAAAAk" + secrets.token_hex(12), "transfer_amount": amount,
                "transfer_remark": body["transfer_remark"], "openid": body["openid"], "user_name": user_name,
                "transfer_scene_id": body["transfer_scene_id"], "fail_reason": "", "create_time": now,
                "update_time": now, "notify_url": body.get("notify_url", ""), "request": kept,
                "report_infos": body.get("transfer_scene_report_infos") or []}
        answer = {"out_bill_no": entry["out_bill_no"], "transfer_bill_no": entry["transfer_bill_no"],
                  "create_time": entry["create_time"], "state": entry["state"]}
        if entry["state"] == "WAIT_USER_CONFIRM":
            answer["package_info"] = entry["package_info"]
        if entry["state"] == "FAIL":
            answer["fail_reason"] = entry["fail_reason"]
        return 200, answer

    def _query_transfer_bill(self, call):
        entry = self.state.setdefault("transfer_bills", {}).get(call.match.group(1))
        if entry is None or entry["mch_id"] != call.mchid:
            return error(404, "NOT_FOUND", "记录不存在")
        view = {key: entry[key] for key in ("mch_id", "out_bill_no", "transfer_bill_no", "appid", "state",
                                            "transfer_amount", "transfer_remark", "fail_reason", "openid",
                                            "create_time", "update_time")}
        if entry["state"] == "WAIT_USER_CONFIRM":
            view["package_info"] = entry["package_info"]
        return 200, view

    def _cancel_transfer_bill(self, call):
        entry = self.state.setdefault("transfer_bills", {}).get(call.match.group(1))
        if entry is None or entry["mch_id"] != call.mchid:
            return error(404, "NOT_FOUND", "记录不存在")
        if entry["state"] not in ("ACCEPTED", "PROCESSING", "WAIT_USER_CONFIRM", "CANCELING"):
            return error(400, "INVALID_REQUEST", "当前状态不支持撤销")
        entry.update(state="CANCELLED", update_time=beijing_now())  # answered as CANCELING, settled at once
        return 200, {"out_bill_no": entry["out_bill_no"], "transfer_bill_no": entry["transfer_bill_no"],
                     "state": "CANCELING", "update_time": entry["update_time"]}

    def put_trade_bill(self, bill_date, text):
        """The trade bill (CSV text) WeChat Pay serves for `bill_date` (YYYY-MM-DD), gzipped once here."""
        import gzip

        content = text.encode("utf-8")
        with self.lock:
            self.state.setdefault("trade_bills", {})[str(bill_date)] = (content, gzip.compress(content, 6))

    def _trade_bill(self, call):
        import hashlib

        bill = self.state.setdefault("trade_bills", {}).get(call.query.get("bill_date", ""))
        if bill is None:
            return error(400, "NO_STATEMENT_EXIST", "账单文件不存在")
        token = secrets.token_urlsafe(16)
        self.state.setdefault("downloads", {})[token] = bill[1] if call.query.get("tar_type") == "GZIP" else bill[0]
        digest = self.state.get("trade_bill_hash") or hashlib.sha1(bill[0]).hexdigest()  # set: a fault
        return 200, {"hash_type": "SHA1", "hash_value": digest,
                     "download_url": f"{self.url}v3/billdownload/file?token={token}"}

    def _download(self, call):
        found = self.state.setdefault("downloads", {}).pop(call.query.get("token", ""), None)
        if found is None:
            return error(400, "INVALID_REQUEST", "下载地址已失效")
        return 200, found

    # Platform certificates

    def _certificates(self, call):
        pem = self.certificate.public_bytes(serialization.Encoding.PEM).decode()
        return 200, {"data": [{
            "serial_no": self.certificate_serial, "effective_time": beijing_now(),
            "expire_time": (datetime.now(BEIJING) + timedelta(days=365)).replace(microsecond=0).isoformat(),
            "encrypt_certificate": encrypt_resource(self.apiv3_key, pem, associated_data="certificate")}]}

    @staticmethod
    def _self_signed(key):
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fake Tenpay.com Root CA")])
        serial = x509.random_serial_number()
        now = datetime.now(timezone.utc)
        certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                       .serial_number(serial).not_valid_before(now - timedelta(days=1))
                       .not_valid_after(now + timedelta(days=365)).sign(key, hashes.SHA256()))
        return certificate, format(serial, "X")

    def _add_builtin_routes(self):
        self.add_route("GET", "/v3/certificates", self._certificates)
        self.add_route("POST", "/v3/pay/transactions/jsapi", self._jsapi)
        self.add_route("GET", r"/v3/pay/transactions/out-trade-no/([^/]+)", self._query_transaction)
        self.add_route("POST", r"/v3/pay/transactions/out-trade-no/([^/]+)/close", self._close_transaction)
        self.add_route("POST", "/v3/refund/domestic/refunds", self._create_refund)
        self.add_route("GET", r"/v3/refund/domestic/refunds/([^/]+)", self._query_refund)
        self.add_route("POST", "/v3/fund-app/mch-transfer/transfer-bills", self._create_transfer_bill)
        self.add_route("GET", r"/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/([^/]+)",
                       self._query_transfer_bill)
        self.add_route("POST", r"/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/([^/]+)/cancel",
                       self._cancel_transfer_bill)
        self.add_route("GET", "/v3/bill/tradebill", self._trade_bill)
        self.add_route("GET", "/v3/billdownload/file", self._download)


_forger_key = []


def _forger():
    """A key that is not WeChat Pay's (made once)."""
    if not _forger_key:
        _forger_key.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return _forger_key[0]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        reply = self.server.fake.answer(self.command, self.path, raw, self.headers, self._client_is_waiting)
        if reply is None:
            self.close_connection = True
            return
        status, headers, body = reply
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _client_is_waiting(self):
        import select
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return True
        try:
            return bool(self.connection.recv(1, 0x2))  # MSG_PEEK: b"" means the client closed
        except OSError:
            return False

    do_GET = do_POST = _serve

    def log_message(self, *args):
        pass


TRADE_BILL_HEADER = ("交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
                     "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
                     "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注")


def _yuan(fen):
    return f"{fen // 100}.{fen % 100:02d}"


def trade_bill_csv(*, payments=(), refunds=(), mchid="1900009191", appid="wx-mp-test", day="2026-12-02",
                   product="品牌-订单,含逗号"):
    """A trade bill (type ALL) as WeChat Pay writes it: the header, a line per payment (out_trade_no, fen) and per
    refund (out_trade_no, out_refund_no, fen), every field after a backtick, then the summary lines."""
    def line(at, number, out_trade_no, state, settled, refund_fields, fee, paid, asked):
        return "`" + ",`".join([
            f"{day} {at}:{number // 60 % 60:02d}:{number % 60:02d}", appid, mchid, "0", "", f"4200{number:024d}",
            out_trade_no, "oUser", "JSAPI", state, "OTHERS", "CNY", settled, "0.00", *refund_fields, product, "",
            fee, "0.60%", paid, asked, ""])

    lines = [TRADE_BILL_HEADER]
    lines += [line("10", number, out_trade_no, "SUCCESS", _yuan(fen), ["0", "0", "0.00", "0.00", "", ""], "0.00600",
                   _yuan(fen), "0.00") for number, (out_trade_no, fen) in enumerate(payments)]
    lines += [line("11", number, out_trade_no, "REFUND", "0.00",
                   [f"5030{number:024d}", out_refund_no, _yuan(fen), "0.00", "ORIGINAL", "SUCCESS"], "-0.00600", "0.00",
                   _yuan(fen)) for number, (out_trade_no, out_refund_no, fen) in enumerate(refunds)]
    paid_total, refund_total = sum(f for _, f in payments), sum(f for _, _, f in refunds)
    lines.append("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额")
    lines.append("`" + ",`".join([str(len(payments) + len(refunds)), _yuan(paid_total), _yuan(refund_total), "0.00",
                                  "0.00000", _yuan(paid_total), _yuan(refund_total)]))
    return "\n".join(lines) + "\n"
