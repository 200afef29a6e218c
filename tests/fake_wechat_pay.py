"""The WeChat Pay (v2) half of the fake WeChat server: XML in and out, signed with the merchant's API key.

`/pay/unifiedorder` (统一下单) checks the merchant and the signature and answers a
prepay id — the same one for a repeated identical request, a refusal when a repeat
changes the order (OUT_TRADE_NO_USED) or the order was paid (ORDERPAID). `pay()` plays
the user paying in WeChat: the order is marked paid and a signed notification is
posted to the notify_url it was created with, as WeChat does.
"""
import secrets
import threading

import requests
import xmltodict
from wechatpy.pay.utils import calculate_signature, dict_to_xml

PREFIX = "/pay/"
UNIFIED_ORDER = "/pay/unifiedorder"
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

    def add_merchant(self, mch_id, api_key, appid):
        """Accept unified orders of `mch_id` for `appid`, signed with `api_key`."""
        with self._lock:
            self._merchants[mch_id] = (appid, api_key)

    def reset(self):
        """Forget every order (merchants stay)."""
        with self._lock:
            self._orders.clear()

    def order(self, out_trade_no):
        """The parameters an order was created with, or None."""
        with self._lock:
            entry = self._orders.get(out_trade_no)
            return dict(entry["params"]) if entry else None

    def handle(self, method, path, raw_body):
        """(status, content type, body) of a request under /pay/."""
        if path != UNIFIED_ORDER or method != "POST":
            return 404, "text/html", b"<html><body><h1>404 Not Found</h1></body></html>"
        try:
            params = dict(xmltodict.parse(raw_body or b"")["xml"])
        except Exception:  # any unparsable body is WeChat's protocol failure, not a crash of the fake
            return self._protocol_failure("XML格式错误")
        with self._lock:
            return self._unified_order(params)

    def _unified_order(self, params):
        missing = [name for name in REQUIRED if not params.get(name)]
        if params.get("trade_type") == "JSAPI" and not params.get("openid"):
            missing.append("openid")
        if missing:
            return self._protocol_failure(f"缺少参数{missing[0]}")
        merchant = self._merchants.get(params["mch_id"])
        if merchant is None or merchant[0] != params["appid"]:
            return self._protocol_failure("mch_id与appid不匹配")
        key = merchant[1]
        if calculate_signature({k: v for k, v in params.items() if k != "sign"}, key) != params["sign"]:
            return self._protocol_failure("签名错误")
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
