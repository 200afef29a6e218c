"""The one logistics client: 快递100's query and subscription API, at KUAIDI100_API_BASE.

- query: `POST poll/query.do`, form `customer`, `param` (JSON: com, num, phone, resultv2) and
  `sign` = MD5(param + key + customer), upper-case hex; the answer is the trace document.
- subscribe: `POST poll`, form `schema=json` and `param` (JSON: company, number, key, parameters
  {callbackurl, salt, resultv2, phone}); the answer is {"result", "returnCode", "message"}, 501 meaning
  already subscribed.
- pushes: 快递100 POSTs to the callback URL the form fields `param` (JSON whose `lastResult` is the
  trace document) and `sign` = MD5(param + salt), upper-case hex.

Without KUAIDI100_CUSTOMER and KUAIDI100_KEY nothing is called (`configured()` is False). Failures
(network, timeout, HTTP errors, a refusal) raise ProviderError with the reason.
"""
import hashlib
import hmac
import json

import requests

from app.config import get_settings

ALREADY_SUBSCRIBED = "501"
# 快递100's trace states: 0 在途 1 揽收 2 疑难 3 签收 4 退签 5 派件 6 退回 7 转投 8 清关 14 拒签.
STATE_NAMES = {"0": "运输中", "1": "已揽收", "2": "疑难件", "3": "已签收", "4": "退签", "5": "派件中",
               "6": "退回中", "7": "转投", "8": "清关", "10": "待清关", "11": "清关中", "12": "已清关",
               "13": "清关异常", "14": "拒签"}
SIGNED_STATES = frozenset({"3"})
RETURNED_STATES = frozenset({"4", "6", "14"})


class ProviderError(Exception):
    """The provider could not be reached or refused the call."""


def configured():
    """Whether a provider account is set (KUAIDI100_CUSTOMER and KUAIDI100_KEY)."""
    settings = get_settings()
    return bool(settings.KUAIDI100_CUSTOMER and settings.KUAIDI100_KEY)


def md5_upper(text):
    """MD5 of the UTF-8 text as upper-case hex, 快递100's signature."""
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()


def push_signature_ok(param, sign, salt):
    """Whether a push's `sign` is MD5(param + salt) (compared in constant time)."""
    return bool(param) and bool(salt) and hmac.compare_digest(md5_upper(param + salt), (sign or "").upper())


def _post(path, form):
    settings = get_settings()
    try:
        response = requests.post(settings.KUAIDI100_API_BASE + path, data=form,
                                 timeout=settings.KUAIDI100_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise ProviderError(f"快递100无法访问：{type(exc).__name__}") from exc
    if response.status_code != 200:
        raise ProviderError(f"快递100答复HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError as exc:
        raise ProviderError("快递100答复不是JSON") from exc
    if not isinstance(body, dict):
        raise ProviderError("快递100答复格式不对")
    return body


def _param(document):
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def subscribe(*, company, number, phone, callback_url, salt):
    """Ask the provider to follow a parcel and push its trace to `callback_url` (already subscribed is fine)."""
    settings = get_settings()
    parameters = {"callbackurl": callback_url, "salt": salt, "resultv2": "1"}
    if phone:
        parameters["phone"] = phone
    body = _post("poll", {"schema": "json", "param": _param(
        {"company": company, "number": number, "key": settings.KUAIDI100_KEY, "parameters": parameters})})
    code = str(body.get("returnCode", ""))
    if body.get("result") is True or code == ALREADY_SUBSCRIBED:
        return code
    raise ProviderError(f"快递100拒绝订阅：{code} {str(body.get('message', ''))[:100]}".strip())


def query(*, company, number, phone=""):
    """The parcel's trace document now ({"state", "ischeck", "data": [{"time", "context", "areaName", …}]})."""
    settings = get_settings()
    document = {"com": company, "num": number, "resultv2": "1"}
    if phone:
        document["phone"] = phone
    param = _param(document)
    body = _post("poll/query.do", {"customer": settings.KUAIDI100_CUSTOMER, "param": param,
                                   "sign": md5_upper(param + settings.KUAIDI100_KEY + settings.KUAIDI100_CUSTOMER)})
    if str(body.get("status", "")) != "200" or not isinstance(body.get("data"), list):
        code = body.get("returnCode") or body.get("status") or ""
        raise ProviderError(f"快递100查询失败：{code} {str(body.get('message', ''))[:100]}".strip())
    return body
