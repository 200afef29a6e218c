"""A fake WeChat API server (api.weixin.qq.com) for tests and manual runs.

Run on its own (`python -m tests.fake_wechat --app APPID SECRET`), it also answers a test-only side door under
`/__fake__/` so a person (or the mini-program's journey tests) can drive it from outside a test:
`POST /__fake__/login-code {"openid"}` hands out a `wx.login()` code, `POST /__fake__/phone-code {"phone"}` a
getPhoneNumber code, `GET /__fake__/requests` and
`GET /__fake__/messages` show what it received and delivered, `POST /__fake__/pay {"out_trade_no"}` plays the
user paying a WeChat Pay order, `POST /__fake__/reset` forgets everything.
"""

import argparse
import base64
import json
import secrets
import select
import socket
import struct
import threading
import time
import zlib
from collections import deque
from http.server import BaseHTTPRequestHandler
from typing import NamedTuple, Optional
from urllib.parse import parse_qsl, urlsplit

if __package__:
    from tests.fake_server import LocalServer
    from tests.fake_wechat_pay import PREFIX as PAY_PREFIX
    from tests.fake_wechat_pay import FakeWeChatPay
else:  # run as a script: python tests/fake_wechat.py
    from fake_server import LocalServer
    from fake_wechat_pay import PREFIX as PAY_PREFIX
    from fake_wechat_pay import FakeWeChatPay

ERRMSGS = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40008: "invalid message type",
    40013: "invalid appid",
    40014: "invalid access_token",
    40029: "invalid code",
    40035: "invalid args",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40163: "code been used",
    40169: "invalid length for scene",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    41030: "invalid page",
    42001: "access_token expired",
    43001: "require GET method",
    43002: "require POST method",
    43004: "require subscribe",
    43101: "user refuse to accept the msg",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    45015: "response out of time limit or subscription is canceled",
    47001: "data format error",
}

CUSTOM_MESSAGE_TYPES = {
    "text", "image", "voice", "video", "music", "news", "mpnews",
    "mpnewsarticle", "msgmenu", "wxcard", "miniprogrampage",
}
MAX_SCENE_LENGTH = 32
MAX_QR_EXPIRE_SECONDS = 2592000
TOKEN_LIFETIME_SECONDS = 7200
SIDE_DOOR = "/__fake__/"
MESSAGE_PATHS = ("/cgi-bin/message/subscribe/send", "/cgi-bin/message/template/send", "/cgi-bin/message/custom/send")


class Recorded(NamedTuple):
    """One request the fake received."""

    method: str
    path: str
    query: dict
    body: Optional[dict]
    at: float


class Reply(NamedTuple):
    """An HTTP answer: status, content type and body bytes."""

    status: int
    content_type: str
    body: bytes


class _Script(NamedTuple):
    """A scripted answer: a canned reply, or a pause around normal handling."""

    reply: Optional[Reply] = None
    pause_seconds: float = 0.0
    accept_before_pause: bool = False


class _LoginCode(NamedTuple):
    """A js_code handed out by issue_login_code."""

    openid: str
    appid: Optional[str]
    unionid: Optional[str]


def json_reply(payload):
    """Answer a JSON document with HTTP 200, as WeChat does even for errors."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Reply(200, "application/json; encoding=utf-8", body)


def error_reply(errcode, errmsg=None):
    """Answer a WeChat error document."""
    return json_reply({"errcode": errcode, "errmsg": errmsg or ERRMSGS.get(errcode, "error")})


def ok_reply(**extra):
    """Answer WeChat's success document, with extra fields."""
    return json_reply({"errcode": 0, "errmsg": "ok", **extra})


def is_success(reply):
    """Whether a reply is a 200 answer that is not a WeChat error."""
    if reply.status != 200:
        return False
    if not reply.content_type.startswith("application/json"):
        return True
    return json.loads(reply.body).get("errcode", 0) == 0


def png_image(text_chunks, size=16):
    """Build a valid grayscale PNG carrying text_chunks as tEXt chunks."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)
    texts = b"".join(chunk(b"tEXt", key.encode("latin-1") + b"\0" + value) for key, value in text_chunks.items())
    rows = b"".join(b"\0" + bytes((x + y) % 2 * 255 for x in range(size)) for y in range(size))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + texts + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def normalize_path(path):
    """Give a path its leading slash and drop any query string."""
    return "/" + urlsplit(path).path.lstrip("/")


class FakeWeChat(LocalServer):
    """A real HTTP server on localhost that answers like api.weixin.qq.com."""

    def __init__(self, host="127.0.0.1", port=0):
        super().__init__(_Handler, host=host, port=port, name="fake-wechat")
        self._lock = threading.RLock()
        self._apps = {}
        self._tokens = set()
        self._endpoints = {
            "/cgi-bin/token": ("GET", False, self._token),
            "/sns/jscode2session": ("GET", False, self._jscode2session),
            "/cgi-bin/message/template/send": ("POST", True, self._template_send),
            "/cgi-bin/message/subscribe/send": ("POST", True, self._subscribe_send),
            "/cgi-bin/message/custom/send": ("POST", True, self._custom_send),
            "/wxa/getwxacodeunlimit": ("POST", True, self._wxa_code_unlimited),
            "/cgi-bin/qrcode/create": ("POST", True, self._qrcode_create),
            "/wxa/business/getuserphonenumber": ("POST", True, self._phone_number),
        }
        self.pay = FakeWeChatPay()
        self._clear_state()

    def _clear_state(self):
        """Forget everything reset() forgets."""
        self._requests = []
        self._delivered = {}
        self._scripts = {}
        self._token_errors = {}
        self._login_codes = {}
        self._phone_codes = {}
        self._used_codes = set()
        self._unfollowed = set()
        self._refusals = set()
        self._token_fetches = 0
        self._next_msgid = 1000000001

    def add_app(self, appid, secret):
        """Register credentials accepted by /cgi-bin/token and /sns/jscode2session."""
        with self._lock:
            self._apps[appid] = secret

    def issue_login_code(self, openid, *, appid=None, unionid=None):
        """Return a one-time js_code for openid (for any registered app unless appid is given)."""
        code = secrets.token_hex(16)
        with self._lock:
            self._login_codes[code] = _LoginCode(openid, appid, unionid)
        return code

    def issue_phone_code(self, phone):
        """Return a one-time getPhoneNumber code standing for a mainland `phone` (11 digits)."""
        code = secrets.token_hex(16)
        with self._lock:
            self._phone_codes[code] = phone
        return code

    @property
    def requests(self):
        """Every request received, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def token_fetches(self):
        """How many tokens /cgi-bin/token has issued."""
        with self._lock:
            return self._token_fetches

    def calls(self, path):
        """Requests received on one path."""
        path = normalize_path(path)
        return [request for request in self.requests if request.path == path]

    def delivered(self, path):
        """Bodies accepted with success on a POST endpoint, in order."""
        with self._lock:
            return list(self._delivered.get(normalize_path(path), []))

    def fail_next(self, path, errcode, errmsg=None, *, times=1):
        """Answer the next `times` calls to path with a WeChat error and accept nothing."""
        self._add_script(path, _Script(reply=error_reply(errcode, errmsg)), times)

    def http_error_next(self, path, status=502, *, times=1):
        """Answer the next `times` calls to path with an HTTP error status."""
        body = f"<html><body><h1>{status}</h1></body></html>".encode()
        self._add_script(path, _Script(reply=Reply(status, "text/html", body)), times)

    def fail_alternately(self, path, errcode, *, times):
        """Answer the first of each of the next `times` pairs of calls with a WeChat error; the second is handled normally."""
        self._add_script(path, [_Script(reply=error_reply(errcode)), _Script(accept_before_pause=True)], times)

    def hang_next(self, path, seconds, *, times=1, accept=False):
        """Pause the next `times` calls; accept=True handles them before the pause, else after it if the client still waits."""
        self._add_script(path, _Script(pause_seconds=seconds, accept_before_pause=accept), times)

    def recover(self):
        """Drop every scripted answer still queued: WeChat works again."""
        with self._lock:
            self._scripts.clear()

    def expire_tokens(self, errcode=42001):
        """Make every access_token issued so far answer errcode (42001 expired, 40001 invalid)."""
        with self._lock:
            self._token_errors.update(dict.fromkeys(self._tokens, errcode))

    def unfollow(self, openid):
        """Make template and customer-service sends to openid answer 43004."""
        with self._lock:
            self._unfollowed.add(openid)

    def refuse_subscription(self, openid, template_id=None):
        """Make subscribe sends to openid (for template_id, or any template) answer 43101."""
        with self._lock:
            self._refusals.add((openid, template_id))

    def reset(self):
        """Forget recordings, scripts, codes, unfollows, refusals and expiries; apps and issued tokens stay valid."""
        with self._lock:
            self._clear_state()

    def _add_script(self, path, script, times):
        """Queue a scripted answer (or a list of them) `times` times for path."""
        scripts = script if isinstance(script, list) else [script]
        with self._lock:
            self._scripts.setdefault(normalize_path(path), deque()).extend(scripts * times)

    def _pop_script(self, path):
        """Take the next scripted answer for path, if any."""
        with self._lock:
            queue = self._scripts.get(path)
            return queue.popleft() if queue else None

    def _pause(self, seconds):
        """Sleep, waking early when the server stops."""
        self._stopping.wait(seconds)

    def answer(self, method, path, query, raw_body, client_is_waiting):
        """Record a request and produce its reply, or None to drop it unanswered."""
        if path.startswith(SIDE_DOOR):
            return self._side_door(method, path[len(SIDE_DOOR):], query, raw_body)
        if path.startswith(PAY_PREFIX):
            body, body_error = raw_body, None
        else:
            body, body_error = self._parse_body(method, raw_body)
        with self._lock:
            self._requests.append(Recorded(method, path, query, body, time.time()))
        script = self._pop_script(path)
        if script is None:
            return self._handle(method, path, query, body, body_error)
        if script.reply is not None:
            return script.reply
        if script.accept_before_pause:
            reply = self._handle(method, path, query, body, body_error)
            self._pause(script.pause_seconds)
            return reply
        self._pause(script.pause_seconds)
        if not client_is_waiting():
            return None
        return self._handle(method, path, query, body, body_error)

    def _side_door(self, method, name, query, raw_body):
        """Answer a test tool's call under /__fake__/ (never recorded, never scripted)."""
        body, body_error = self._parse_body(method, raw_body)
        if body_error == 44002:
            body, body_error = {}, None
        if body_error:
            return Reply(400, "application/json", b'{"error": "body must be a JSON object"}')
        routes = {("POST", "login-code"): self._door_login_code, ("POST", "phone-code"): self._door_phone_code,
                  ("GET", "requests"): self._door_requests,
                  ("GET", "messages"): self._door_messages, ("POST", "pay"): self._door_pay,
                  ("POST", "reset"): self._door_reset}
        door = routes.get((method, name))
        if door is None:
            return Reply(404, "application/json", b'{"error": "no such side door"}')
        try:
            return json_reply(door(query, body))
        except (KeyError, TypeError) as exc:
            return Reply(400, "application/json", json.dumps({"error": f"bad request: {exc}"}).encode())

    def _door_login_code(self, query, body):
        """POST /__fake__/login-code {"openid", "appid"?, "unionid"?}: a one-time wx.login() code."""
        if not isinstance(body["openid"], str) or not body["openid"]:
            raise TypeError("openid must be a non-empty string")
        return {"code": self.issue_login_code(body["openid"], appid=body.get("appid"), unionid=body.get("unionid"))}

    def _door_phone_code(self, query, body):
        """POST /__fake__/phone-code {"phone"}: a one-time getPhoneNumber code for that phone number."""
        if not isinstance(body["phone"], str) or not body["phone"]:
            raise TypeError("phone must be a non-empty string")
        return {"code": self.issue_phone_code(body["phone"])}

    def _door_requests(self, query, body):
        """GET /__fake__/requests[?path=/cgi-bin/…]: what the fake received, oldest first."""
        chosen = self.calls(query["path"]) if query.get("path") else self.requests
        return {"items": [{"method": r.method, "path": r.path, "query": r.query, "at": r.at,
                           "body": r.body.decode("utf-8", "replace") if isinstance(r.body, bytes) else r.body}
                          for r in chosen]}

    def _door_messages(self, query, body):
        """GET /__fake__/messages: the messages WeChat accepted (subscribe, template, customer service)."""
        return {"items": [{"path": path, "body": message} for path in MESSAGE_PATHS for message in self.delivered(path)]}

    def _door_pay(self, query, body):
        """POST /__fake__/pay {"out_trade_no"}: the user pays; the merchant's notify_url gets WeChat's notification."""
        if self.pay.order(str(body["out_trade_no"])) is None:
            raise KeyError(f"no unified order {body['out_trade_no']}")
        status, text = self.pay.pay(str(body["out_trade_no"]))
        return {"notify_status": status, "notify_answer": text}

    def _door_reset(self, query, body):
        """POST /__fake__/reset: forget recordings, codes and WeChat Pay orders (apps and merchants stay)."""
        self.reset()
        self.pay.reset()
        return {"reset": True}

    @staticmethod
    def _parse_body(method, raw_body):
        """Decode a JSON object body; return (body, errcode of a bad body or None)."""
        if method != "POST":
            return None, None
        if not raw_body:
            return None, 44002
        try:
            body = json.loads(raw_body)
        except ValueError:
            return None, 47001
        if not isinstance(body, dict):
            return None, 47001
        return body, None

    def _handle(self, method, path, query, body, body_error):
        """Route a request to its endpoint and record accepted POST bodies."""
        if path.startswith(PAY_PREFIX):
            return Reply(*self.pay.handle(method, path, body))
        if path not in self._endpoints:
            return Reply(404, "text/html", b"<html><body><h1>404 Not Found</h1></body></html>")
        endpoint_method, needs_token, endpoint = self._endpoints[path]
        if method != endpoint_method:
            return error_reply(43001 if endpoint_method == "GET" else 43002)
        with self._lock:
            token_error = self._token_error(query) if needs_token else None
            if token_error:
                return error_reply(token_error)
            if body_error:
                return error_reply(body_error)
            reply = endpoint(query, body) if method == "POST" else endpoint(query)
            if method == "POST" and is_success(reply):
                self._delivered.setdefault(path, []).append(body)
            return reply

    def _token_error(self, query):
        """The errcode an access_token query parameter earns, or None if valid."""
        token = query.get("access_token")
        if not token:
            return 41001
        if token not in self._tokens:
            return 40001
        return self._token_errors.get(token)

    def _credentials_error(self, query):
        """The errcode an appid/secret pair earns, or None if registered."""
        appid, secret = query.get("appid"), query.get("secret")
        if not appid:
            return 41002
        if not secret:
            return 41004
        if appid not in self._apps:
            return 40013
        if self._apps[appid] != secret:
            return 40125
        return None

    def _token(self, query):
        """GET /cgi-bin/token: issue an access_token."""
        if query.get("grant_type") != "client_credential":
            return error_reply(40002)
        credentials_error = self._credentials_error(query)
        if credentials_error:
            return error_reply(credentials_error)
        token = secrets.token_urlsafe(96)
        self._tokens.add(token)
        self._token_fetches += 1
        return json_reply({"access_token": token, "expires_in": TOKEN_LIFETIME_SECONDS})

    def _jscode2session(self, query):
        """GET /sns/jscode2session: trade a one-time js_code for openid and session_key."""
        credentials_error = self._credentials_error(query)
        if credentials_error:
            return error_reply(credentials_error)
        if query.get("grant_type") != "authorization_code":
            return error_reply(40002)
        code = query.get("js_code")
        if not code:
            return error_reply(41008)
        if code in self._used_codes:
            return error_reply(40163)
        login = self._login_codes.get(code)
        if login is None or login.appid not in (None, query["appid"]):
            return error_reply(40029)
        self._used_codes.add(code)
        session = {"openid": login.openid, "session_key": base64.b64encode(secrets.token_bytes(16)).decode()}
        if login.unionid:
            session["unionid"] = login.unionid
        return json_reply(session)

    @staticmethod
    def _recipient_error(body):
        """The errcode for a message body lacking touser or template_id."""
        if not body.get("touser"):
            return 40003
        if not body.get("template_id"):
            return 40037
        return None

    def _template_send(self, query, body):
        """POST /cgi-bin/message/template/send: an official-account template message."""
        errcode = self._recipient_error(body)
        if errcode is None and body["touser"] in self._unfollowed:
            errcode = 43004
        if errcode:
            return error_reply(errcode)
        msgid = self._next_msgid
        self._next_msgid += 1
        return ok_reply(msgid=msgid)

    def _subscribe_send(self, query, body):
        """POST /cgi-bin/message/subscribe/send: a mini-program subscribe message."""
        errcode = self._recipient_error(body)
        if errcode:
            return error_reply(errcode)
        refused = {(body["touser"], None), (body["touser"], body["template_id"])}
        if refused & self._refusals:
            return error_reply(43101)
        return ok_reply()

    def _custom_send(self, query, body):
        """POST /cgi-bin/message/custom/send: a customer-service message."""
        if not body.get("touser"):
            return error_reply(40003)
        if body.get("msgtype") not in CUSTOM_MESSAGE_TYPES:
            return error_reply(40008)
        if body["touser"] in self._unfollowed:
            return error_reply(43004)
        return ok_reply()

    def _wxa_code_unlimited(self, query, body):
        """POST /wxa/getwxacodeunlimit: a PNG mini-program code carrying scene and page."""
        scene = str(body.get("scene") or "")
        if not scene or len(scene) > MAX_SCENE_LENGTH:
            return error_reply(40169)
        page = str(body.get("page") or "")
        if page.startswith("/"):
            return error_reply(41030)
        image = png_image({"scene": scene.encode("utf-8"), "page": page.encode("utf-8")})
        return Reply(200, "image/png", image)

    def _phone_number(self, query, body):
        """POST /wxa/business/getuserphonenumber: the phone a getPhoneNumber code stands for, once (40029 after)."""
        phone = self._phone_codes.pop(str(body.get("code") or ""), None)
        if phone is None:
            return error_reply(40029, "invalid code")
        return ok_reply(phone_info={"phoneNumber": phone, "purePhoneNumber": phone, "countryCode": "86",
                                    "watermark": {"timestamp": 1700000000, "appid": "fake"}})

    def _qrcode_create(self, query, body):
        """POST /cgi-bin/qrcode/create: a parametric official-account QR code ticket."""
        action_name = body.get("action_name")
        scene = (body.get("action_info") or {}).get("scene") or {}
        if action_name in ("QR_STR_SCENE", "QR_LIMIT_STR_SCENE"):
            scene_str = scene.get("scene_str")
            valid_scene = isinstance(scene_str, str) and 1 <= len(scene_str) <= 64
        elif action_name in ("QR_SCENE", "QR_LIMIT_SCENE"):
            valid_scene = isinstance(scene.get("scene_id"), int) and scene["scene_id"] > 0
        else:
            valid_scene = False
        if not valid_scene:
            return error_reply(40035)
        ticket = secrets.token_urlsafe(48)
        qrcode = {"ticket": ticket, "url": f"http://weixin.qq.com/q/{ticket[:22]}"}
        if "LIMIT" not in action_name:
            qrcode["expire_seconds"] = min(int(body.get("expire_seconds") or 60), MAX_QR_EXPIRE_SECONDS)
        return json_reply(qrcode)


class _Handler(BaseHTTPRequestHandler):
    """Hands each HTTP request to the FakeWeChat that owns the server."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm on, a keep-alive client
    # (wechatpy's requests.Session) waits ~40 ms for the body on every call.
    disable_nagle_algorithm = True

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def _serve(self, method):
        """Read the request, ask the fake for a reply and write it."""
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        raw_body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        reply = self.server.fake.answer(method, normalize_path(url.path), query, raw_body, self._client_is_waiting)
        if reply is None:
            self.close_connection = True
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except ConnectionError:
            self.close_connection = True

    def _client_is_waiting(self):
        """Whether the client has not closed the connection."""
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return True
        try:
            return self.connection.recv(1, socket.MSG_PEEK) != b""
        except OSError:
            return False

    def log_message(self, format, *args):
        """Stay quiet: no line on stderr per request."""


def main():
    """Serve a fake WeChat until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--app", nargs=2, action="append", default=[], metavar=("APPID", "SECRET"),
                        help="register app credentials (repeatable)")
    parser.add_argument("--merchant", nargs=3, action="append", default=[], metavar=("MCH_ID", "API_KEY", "APPID"),
                        help="register a WeChat Pay merchant (repeatable)")
    args = parser.parse_args()
    with FakeWeChat(args.host, args.port) as fake:
        for appid, secret in args.app:
            fake.add_app(appid, secret)
        for mch_id, api_key, appid in args.merchant:
            fake.pay.add_merchant(mch_id, api_key, appid)
        print(f"Fake WeChat serving at {fake.url} (test side door: {fake.url}__fake__/login-code, requests, "
              "messages, pay, reset)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
