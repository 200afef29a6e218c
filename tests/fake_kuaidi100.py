"""A fake 快递100 (poll.kuaidi100.com) on 127.0.0.1 for tests: query, subscribe, pushes on demand, failures.

- `POST /poll/query.do` (form customer, param, sign = MD5(param + key + customer) upper-case): the trace
  it holds for (com, num), as 快递100 answers it; a bad sign answers returnCode 400, an unknown parcel 500,
  顺丰 without a phone 408.
- `POST /poll` (form schema=json, param {company, number, key, parameters {callbackurl, salt, …}}): records
  the subscription; a wrong key answers 600, a second subscription of the same parcel 501.
- `push(company, number, state=…, lines=[…])` POSTs to the subscribed callback, as 快递100 does: form `param`
  ({"status", "message", "lastResult": {…}}) and `sign` = MD5(param + salt) upper-case; returns
  (HTTP status, answer JSON). `fail_next(path, status=…, pause=…)` makes the next calls of a path fail or hang.
- A side door for drivers outside the test process (the mini-program's journeys through tests/live_backend.py):
  `GET /__fake__/subscriptions` lists the subscribed parcels, `POST /__fake__/push` (JSON company, number, state,
  lines) pushes as push() does and answers what the callback answered.
"""
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl

import requests

from tests.fake_server import LocalServer

CUSTOMER, KEY = "FAKE-CUSTOMER", "fake-key-123"


def md5_upper(text):
    return hashlib.md5(text.encode("utf-8")).hexdigest().upper()


class FakeKuaidi100(LocalServer):
    """A real HTTP server on localhost that answers like 快递100's poll API."""

    def __init__(self, customer=CUSTOMER, key=KEY):
        super().__init__(_Handler, host="127.0.0.1", port=0, name="fake-kuaidi100")
        self.customer, self.key = customer, key
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        """Forget subscriptions, traces, requests and scripted failures."""
        self.subscriptions = {}  # (company, number) -> parameters
        self.traces = {}  # (company, number) -> lastResult document
        self.requests = []
        self._failures = {}

    def fail_next(self, path, *, times=1, status=500, body=None, pause=0.0):
        """The next `times` calls of `path` answer HTTP `status` (or `body` JSON with 200), after `pause` s."""
        with self._lock:
            self._failures[path] = [(status, body, pause)] * times

    def _scripted(self, path):
        with self._lock:
            queue = self._failures.get(path) or []
            return queue.pop(0) if queue else None

    # The trace a parcel has at the provider

    def document(self, company, number, *, state="0", lines=()):
        """A lastResult document: lines are (local "YYYY-MM-DD HH:MM:SS", text[, place[, status]]), newest first."""
        data = []
        for line in lines:
            at, text, place, status = (tuple(line) + ("", ""))[:4]
            data.append({"time": at, "ftime": at, "context": text, "areaName": place, "status": status or "在途"})
        return {"message": "ok", "nu": number, "ischeck": "1" if state == "3" else "0", "condition": "F00",
                "com": company, "status": "200", "state": state, "data": data}

    def set_trace(self, company, number, **kwargs):
        """What a query of the parcel answers from now on."""
        self.traces[(company, number)] = self.document(company, number, **kwargs)

    def push_body(self, company, number, *, status="polling", message="", **kwargs):
        """The `param` text of a push, as 快递100 writes it."""
        document = self.document(company, number, **kwargs)
        self.traces[(company, number)] = document
        return json.dumps({"status": status, "billstatus": "got", "message": message, "autoCheck": "0",
                           "comOld": "", "comNew": "", "lastResult": document}, ensure_ascii=False)

    def push(self, company, number, *, param=None, sign=None, salt=None, url=None, **kwargs):
        """Push the parcel's trace to its subscribed callback (signed with its salt unless told otherwise)."""
        parameters = self.subscriptions[(company, number)]
        param = param if param is not None else self.push_body(company, number, **kwargs)
        sign = sign if sign is not None else md5_upper(param + (salt or parameters.get("salt", "")))
        response = requests.post(url or parameters["callbackurl"], data={"param": param, "sign": sign}, timeout=10)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        return response.status_code, answer, param, sign

    # Endpoints

    def _query(self, form):
        param = form.get("param", "")
        if form.get("customer") != self.customer or form.get("sign") != md5_upper(param + self.key + self.customer):
            return {"result": False, "returnCode": "400", "message": "找不到对应公司或签名错误"}
        try:
            asked = json.loads(param)
        except ValueError:
            return {"result": False, "returnCode": "400", "message": "参数错误"}
        if asked.get("com") == "shunfeng" and not asked.get("phone"):
            return {"result": False, "returnCode": "408", "message": "验证码错误"}
        document = self.traces.get((asked.get("com"), asked.get("num")))
        if document is None:
            return {"result": False, "returnCode": "500", "message": "查询无结果，请隔段时间再查"}
        return document

    def _side_door(self, handler):
        if handler.command == "GET" and handler.path == "/__fake__/subscriptions":
            return 200, [{"company": c, "number": n} for c, n in self.subscriptions]
        if handler.command == "POST" and handler.path == "/__fake__/push":
            length = int(handler.headers.get("Content-Length") or 0)
            asked = json.loads(handler.rfile.read(length) or b"{}")
            if (asked.get("company"), asked.get("number")) not in self.subscriptions:
                return 404, {"message": "not subscribed"}
            status, answer, _, _ = self.push(asked["company"], asked["number"], state=str(asked.get("state", "0")),
                                             lines=[tuple(line) for line in asked.get("lines", [])])
            return 200, {"status": status, "answer": answer}
        return 404, {"message": "not found"}

    def _subscribe(self, form):
        try:
            asked = json.loads(form.get("param", ""))
        except ValueError:
            return {"result": False, "returnCode": "700", "message": "参数错误"}
        if form.get("schema") != "json" or asked.get("key") != self.key:
            return {"result": False, "returnCode": "600", "message": "您不是合法的订阅者"}
        parcel = (asked.get("company"), asked.get("number"))
        parameters = asked.get("parameters") or {}
        if not parcel[0] or not parcel[1] or not parameters.get("callbackurl"):
            return {"result": False, "returnCode": "700", "message": "订阅参数错误"}
        with self._lock:
            if parcel in self.subscriptions:
                return {"result": False, "returnCode": "501", "message": "重复订阅"}
            self.subscriptions[parcel] = parameters
        return {"result": True, "returnCode": "200", "message": "提交成功"}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self._answer(*self.server.fake._side_door(self))

    def do_POST(self):
        fake = self.server.fake
        if self.path.startswith("/__fake__/"):
            return self._answer(*fake._side_door(self))
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode("utf-8"), keep_blank_values=True))
        fake.requests.append((self.path, form))
        scripted = fake._scripted(self.path)
        if scripted:
            status, body, pause = scripted
            deadline = time.monotonic() + pause
            while time.monotonic() < deadline and not fake._stopping.is_set():
                time.sleep(0.05)
            if body is None:
                return self._answer(status, {"message": "fake failure"})
            return self._answer(200, body)
        endpoint = {"/poll/query.do": fake._query, "/poll": fake._subscribe}.get(self.path)
        if endpoint is None:
            return self._answer(404, {"message": "not found"})
        return self._answer(200, endpoint(form))

    def _answer(self, status, payload):
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
