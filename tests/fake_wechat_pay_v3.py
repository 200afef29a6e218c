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
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Optional
from urllib.parse import parse_qsl, urlsplit

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

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


class FakeWeChatPayV3:
    """A real HTTP server answering like WeChat Pay's APIv3."""

    def __init__(self, *, host="127.0.0.1", port=0, mode="public_key"):
        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.fake = self
        self.url = f"http://{host}:{self._server.server_address[1]}/"
        self._thread = None
        self._stopping = threading.Event()
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

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-wechat-pay-v3", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

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
        finishing a refund, `POST reset` forgets everything."""
        try:
            body = json.loads(raw or b"{}")
            if method != "POST" or not isinstance(body, dict):
                raise ValueError("POST a JSON object")
            if name == "pay":
                answers = self.pay(str(body["out_trade_no"]))
            elif name == "settle-refund":
                answers = self.settle_refund(str(body["out_refund_no"]), str(body.get("status", "SUCCESS")))
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
                if method == "POST" and not isinstance(body, dict):
                    return error(400, "PARAM_ERROR", "请求体不是合法的JSON对象")
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
