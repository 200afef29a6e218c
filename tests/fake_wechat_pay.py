"""The WeChat Pay (v2) half of the fake WeChat server: XML in and out, signed with the merchant's API key.

`/pay/unifiedorder` (统一下单) checks the merchant and the signature and answers a
prepay id — the same one for a repeated identical request, a refusal when a repeat
changes the order (OUT_TRADE_NO_USED) or the order was paid (ORDERPAID). `pay()` plays
the user paying in WeChat: the order is marked paid and a signed notification is
posted to the notify_url it was created with, as WeChat does.

Refunds: `/secapi/pay/refund` (申请退款) takes a refund of a paid order (PROCESSING; the
same out_refund_no again answers the same refund, never a second one; more than is
left is NOTENOUGH), `/pay/refundquery` answers its state (REFUNDNOTEXIST for none).
`settle_refund()` plays WeChat finishing it (SUCCESS, REFUNDCLOSE, CHANGE) and
`refund_notification()` / `notify_refund()` make or post its notification, `req_info`
encrypted with AES-256-ECB under md5 of the API key, as WeChat does.
"""
import base64
import hashlib
import secrets
import threading

import requests
import xmltodict
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from wechatpy.pay.utils import calculate_signature, dict_to_xml

PREFIX = ("/pay/", "/secapi/pay/")
UNIFIED_ORDER = "/pay/unifiedorder"
REFUND = "/secapi/pay/refund"
REFUND_QUERY = "/pay/refundquery"
REFUND_REQUIRED = ("appid", "mch_id", "nonce_str", "sign", "out_trade_no", "out_refund_no", "total_fee", "refund_fee")
REQUIRED = ("appid", "mch_id", "nonce_str", "sign", "body", "out_trade_no", "total_fee", "spbill_create_ip",
            "notify_url", "trade_type")
# What a repeated out_trade_no must not change (the user's address and the nonce may).
KEPT = ("appid", "mch_id", "body", "total_fee", "notify_url", "trade_type", "openid", "time_expire")
XML = "application/xml"


class FakeWeChatPay:
    """Merchants, and the orders they created with unified orders."""

    def __init__(self):
        self._lock = threading.Lock()
        self._merchants = {}
        self._orders = {}
        self._refunds = {}

    def add_merchant(self, mch_id, api_key, appid):
        """Accept unified orders of `mch_id` for `appid`, signed with `api_key`."""
        with self._lock:
            self._merchants[mch_id] = (appid, api_key)

    def reset(self):
        """Forget every order (merchants stay)."""
        with self._lock:
            self._orders.clear()
            self._refunds.clear()

    def order(self, out_trade_no):
        """The parameters an order was created with, or None."""
        with self._lock:
            entry = self._orders.get(out_trade_no)
            return dict(entry["params"]) if entry else None

    def handle(self, method, path, raw_body):
        """(status, content type, body) of a request under /pay/ or /secapi/pay/."""
        handler = {UNIFIED_ORDER: self._unified_order, REFUND: self._refund, REFUND_QUERY: self._refund_query}.get(path)
        if handler is None or method != "POST":
            return 404, "text/html", b"<html><body><h1>404 Not Found</h1></body></html>"
        try:
            params = dict(xmltodict.parse(raw_body or b"")["xml"])
        except Exception:  # any unparsable body is WeChat's protocol failure, not a crash of the fake
            return self._protocol_failure("XML格式错误")
        with self._lock:
            return handler(params)

    def _key_of(self, params, required):
        """The merchant's API key when `params` name a known merchant and are signed with its key; else the
        protocol failure to answer."""
        missing = [name for name in required if not params.get(name)]
        if missing:
            return None, self._protocol_failure(f"缺少参数{missing[0]}")
        merchant = self._merchants.get(params["mch_id"])
        if merchant is None or merchant[0] != params["appid"]:
            return None, self._protocol_failure("mch_id与appid不匹配")
        if calculate_signature({k: v for k, v in params.items() if k != "sign"}, merchant[1]) != params["sign"]:
            return None, self._protocol_failure("签名错误")
        return merchant[1], None

    def _unified_order(self, params):
        required = REQUIRED + (("openid",) if params.get("trade_type") == "JSAPI" else ())
        key, failure = self._key_of(params, required)
        if failure:
            return failure
        entry = self._orders.get(params["out_trade_no"])
        if entry is not None and entry["paid"]:
            return self._business_failure(params, key, "ORDERPAID", "该订单已支付")
        if entry is not None and any(entry["params"].get(k) != params.get(k) for k in KEPT):
            return self._business_failure(params, key, "OUT_TRADE_NO_USED", "商户订单号重复")
        if entry is None:
            entry = self._orders[params["out_trade_no"]] = {
                "params": params, "prepay_id": "wx" + secrets.token_hex(14), "paid": False}
        return self._signed(key, {"return_code": "SUCCESS", "return_msg": "OK", "appid": params["appid"],
                                  "mch_id": params["mch_id"], "result_code": "SUCCESS", "trade_type": "JSAPI",
                                  "prepay_id": entry["prepay_id"]})

    def mark_paid(self, out_trade_no):
        """The order was paid (no notification sent yet); its parameters."""
        with self._lock:
            entry = self._orders[out_trade_no]
            entry["paid"] = True
            return entry["params"]

    def pay(self, out_trade_no, *, transaction_id=None):
        """The user pays the order: mark it paid and post WeChat's signed notification; (status, body text)."""
        params = self.mark_paid(out_trade_no)
        with self._lock:
            key = self._merchants[params["mch_id"]][1]
        data = {"return_code": "SUCCESS", "result_code": "SUCCESS", "appid": params["appid"],
                "mch_id": params["mch_id"], "nonce_str": secrets.token_hex(16), "openid": params.get("openid", ""),
                "trade_type": params["trade_type"], "bank_type": "OTHERS", "total_fee": params["total_fee"],
                "cash_fee": params["total_fee"], "out_trade_no": out_trade_no,
                "transaction_id": transaction_id or "42000" + secrets.token_hex(12), "time_end": "20261127120000"}
        response = requests.post(params["notify_url"], data=dict_to_xml(data, calculate_signature(data, key)).encode(),
                                 headers={"Content-Type": "text/xml"}, timeout=10)
        return response.status_code, response.text

    # Refunds

    def _refund(self, params):
        key, failure = self._key_of(params, REFUND_REQUIRED)
        if failure:
            return failure
        order = self._orders.get(params["out_trade_no"])
        if order is None or not order["paid"]:
            return self._business_failure(params, key, "ORDERNOTEXIST", "订单不存在")
        if params["total_fee"] != order["params"]["total_fee"]:
            return self._business_failure(params, key, "INVALID_REQUEST", "订单金额不符")
        refund = self._refunds.get(params["out_refund_no"])
        if refund is not None and refund["refund_fee"] != params["refund_fee"]:
            return self._business_failure(params, key, "INVALID_REQUEST", "同一退款单号的金额不同")
        if refund is None:
            taken = sum(int(other["refund_fee"]) for other in self._refunds.values()
                        if other["out_trade_no"] == params["out_trade_no"] and other["status"] != "REFUNDCLOSE")
            if taken + int(params["refund_fee"]) > int(order["params"]["total_fee"]):
                return self._business_failure(params, key, "NOTENOUGH", "退款金额大于可退金额")
            refund = self._refunds[params["out_refund_no"]] = {
                "out_trade_no": params["out_trade_no"], "out_refund_no": params["out_refund_no"],
                "refund_id": "50000" + secrets.token_hex(12), "refund_fee": params["refund_fee"],
                "total_fee": params["total_fee"], "status": "PROCESSING", "notify_url": params.get("notify_url", "")}
        return self._signed(key, {"return_code": "SUCCESS", "return_msg": "OK", "appid": params["appid"],
                                  "mch_id": params["mch_id"], "result_code": "SUCCESS",
                                  "out_trade_no": refund["out_trade_no"], "out_refund_no": refund["out_refund_no"],
                                  "refund_id": refund["refund_id"], "refund_fee": refund["refund_fee"],
                                  "total_fee": refund["total_fee"], "cash_fee": refund["total_fee"]})

    def _refund_query(self, params):
        key, failure = self._key_of(params, ("appid", "mch_id", "nonce_str", "sign", "out_refund_no"))
        if failure:
            return failure
        refund = self._refunds.get(params["out_refund_no"])
        if refund is None:
            return self._business_failure(params, key, "REFUNDNOTEXIST", "退款订单查询失败")
        return self._signed(key, {"return_code": "SUCCESS", "return_msg": "OK", "appid": params["appid"],
                                  "mch_id": params["mch_id"], "result_code": "SUCCESS",
                                  "out_trade_no": refund["out_trade_no"], "total_fee": refund["total_fee"],
                                  "refund_count": "1", "out_refund_no_0": refund["out_refund_no"],
                                  "refund_id_0": refund["refund_id"], "refund_fee_0": refund["refund_fee"],
                                  "refund_status_0": refund["status"]})

    def refund(self, out_refund_no):
        """A refund as the fake holds it ({out_trade_no, refund_fee, status, notify_url …}), or None."""
        with self._lock:
            entry = self._refunds.get(out_refund_no)
            return dict(entry) if entry else None

    def refunds(self):
        """Every refund the fake took, by out_refund_no."""
        with self._lock:
            return {number: dict(entry) for number, entry in self._refunds.items()}

    def settle_refund(self, out_refund_no, status="SUCCESS"):
        """WeChat finishes the refund: SUCCESS, REFUNDCLOSE (closed) or CHANGE (退款异常)."""
        with self._lock:
            self._refunds[out_refund_no]["status"] = status

    def refund_notification(self, out_refund_no, *, status="SUCCESS", key=None, refund_fee=None):
        """The XML WeChat posts when the refund ends (settling it), `req_info` encrypted under md5 of `key` (the
        merchant's API key unless another is given) with its `refund_fee` (the refund's unless given)."""
        self.settle_refund(out_refund_no, status)
        with self._lock:
            refund = self._refunds[out_refund_no]
            order = self._orders[refund["out_trade_no"]]["params"]
            key = key or self._merchants[order["mch_id"]][1]
        inner = {"out_trade_no": refund["out_trade_no"], "out_refund_no": out_refund_no,
                 "refund_id": refund["refund_id"], "total_fee": refund["total_fee"],
                 "refund_fee": str(refund_fee if refund_fee is not None else refund["refund_fee"]),
                 "settlement_refund_fee": refund["refund_fee"], "refund_status": status,
                 "success_time": "2026-12-03 12:00:00", "refund_recv_accout": "支付用户零钱",
                 "refund_account": "REFUND_SOURCE_UNSETTLED_FUNDS", "refund_request_source": "API"}
        body = {"return_code": "SUCCESS", "appid": order["appid"], "mch_id": order["mch_id"],
                "nonce_str": secrets.token_hex(16), "req_info": encrypt_req_info(inner, key)}
        return dict_to_xml(body).encode()

    def notify_refund(self, out_refund_no, *, status="SUCCESS"):
        """Post the refund's notification to the notify_url it was made with; (status, body text)."""
        body = self.refund_notification(out_refund_no, status=status)
        response = requests.post(self.refund(out_refund_no)["notify_url"], data=body,
                                 headers={"Content-Type": "text/xml"}, timeout=10)
        return response.status_code, response.text

    def _business_failure(self, params, key, err_code, description):
        return self._signed(key, {"return_code": "SUCCESS", "return_msg": "OK", "appid": params["appid"],
                                  "mch_id": params["mch_id"], "result_code": "FAIL", "err_code": err_code,
                                  "err_code_des": description})

    @staticmethod
    def _signed(key, data):
        data = {**data, "nonce_str": secrets.token_hex(16)}
        return 200, XML, dict_to_xml(data, calculate_signature(data, key)).encode()

    @staticmethod
    def _protocol_failure(message):
        body = f"<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[{message}]]></return_msg></xml>"
        return 200, XML, body.encode()


def encrypt_req_info(fields, api_key):
    """A refund notification's `req_info`: `<root>` XML, AES-256-ECB (PKCS#7) under md5(API key) in hex, base64."""
    root = "<root>" + "".join(f"<{name}><![CDATA[{value}]]></{name}>" for name, value in fields.items()) + "</root>"
    padder = padding.PKCS7(128).padder()
    plain = padder.update(root.encode()) + padder.finalize()
    key = hashlib.md5(api_key.encode()).hexdigest().encode()
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()
