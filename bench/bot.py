"""Benchmark of the official-account bot and the outbox sender.

    .venv/bin/python bench/bot.py [--smoke | --quick] [--url mysql://root@127.0.0.1:3306/weishang_bench_notify]

Serves the app with gunicorn (2 workers × 4 threads) and posts signed WeChat messages
(a command mix, in safe mode: with an AES key plaintext is refused) from 8 client threads: messages per second and
latency percentiles, next to the raw floor of a trivial endpoint and of /healthz (one
SELECT 1) in the same run. Then queues template alerts to bound accounts and drains the
outbox into the fake WeChat server: messages delivered per second. Ends with one line of JSON.
"""
import json
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import emit, fresh_database, gunicorn, parse_args, percentile, sized  # noqa: E402
from tests.fake_wechat import FakeWeChat  # noqa: E402

OA_APPID, OA_SECRET, OA_TOKEN = "wx-oa-bench", "oa-secret", "oa-token"
OA_AES_KEY = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aQ"
TEMPLATES = json.dumps({"low_stock": {"official": {"template_id": "TPL-LOW", "fields": {
    "thing1": "{product}", "number2": "{available}"}}}})
CLIENT_THREADS = 8


def bench_app():
    """The app with a trivial endpoint added: the floor of the HTTP stack (gunicorn loads this)."""
    from app import create_app

    app = create_app()
    app.add_url_rule("/bench/floor", "bench_floor", lambda: "ok")
    return app


def environment(database_url, fake_url):
    return {**os.environ, "DATABASE_URL": database_url, "ENV": "testing", "WECHAT_API_BASE": fake_url,
            "WECHAT_OA_APPID": OA_APPID, "WECHAT_OA_SECRET": OA_SECRET, "WECHAT_OA_TOKEN": OA_TOKEN,
            "WECHAT_OA_AES_KEY": OA_AES_KEY, "NOTIFY_TEMPLATES": TEMPLATES, "DB_MAX_CONNECTIONS": "8"}


def prepare_database():
    """The schema in the (empty) bench database; returns the app bound to it."""
    from app import create_app, migrate

    app = create_app()
    migrate.upgrade()
    return app


def seed(agents_count):
    """An owner and agents bound to the official account; returns (agent openids, owner account)."""
    from app.accounts import service as accounts
    from app.agents.models import Agent, AgentLevel
    from app.chat.models import WechatBinding

    owner = accounts.create_admin_user(username="bench-owner", password="bench-pass-1", role="owner")
    level = AgentLevel.create(name="总代理", rank=1)
    openids = []
    for number in range(agents_count):
        agent = Agent.create(name=f"代理{number}", phone=f"139{number:08d}", level=level, status="active",
                             invite_code=f"B{number}")
        openids.append(f"oa-agent-{number}")
        WechatBinding.create(account=f"agent:{agent.id}", openid=openids[-1])
    WechatBinding.create(account=f"admin:{owner.id}", openid="oa-owner")
    return openids, f"admin:{owner.id}"


def signed(body, safe, message_number):
    from wechatpy.crypto import WeChatCrypto
    from wechatpy.utils import WeChatSigner

    timestamp, nonce = str(int(time.time())), f"n{message_number}"
    signer = WeChatSigner()
    signer.add_data(OA_TOKEN, timestamp, nonce)
    query = {"timestamp": timestamp, "nonce": nonce, "signature": signer.signature}
    if not safe:
        return query, body.encode()
    crypto = WeChatCrypto(OA_TOKEN, OA_AES_KEY, OA_APPID)
    envelope = crypto.encrypt_message(body, nonce, timestamp)
    query.update(encrypt_type="aes", msg_signature=envelope.split("<MsgSignature><![CDATA[")[1].split("]]>")[0])
    return query, envelope.encode()


def message_mix(count, agent_openids):
    """Signed requests: 帮助 35%, 我的 30%, unknown text 15%, 帮助 again 10%, repeats 5%, subscribe 5%."""
    requests_ = []
    for number in range(count):
        openid = agent_openids[number % len(agent_openids)]
        slot = number % 20
        content = "帮助" if slot < 7 else "我的" if slot < 13 else "今天发货吗" if slot < 16 else "帮助"
        msg_id = 10**12 + (number - 1 if slot == 18 and number else number)
        if slot == 19:
            xml = (f"<xml><ToUserName>gh</ToUserName><FromUserName>{openid}-new</FromUserName>"
                   f"<CreateTime>{1700000000 + number}</CreateTime><MsgType>event</MsgType>"
                   f"<Event>subscribe</Event></xml>")
        else:
            xml = (f"<xml><ToUserName>gh</ToUserName><FromUserName>{openid}</FromUserName>"
                   f"<CreateTime>{int(time.time())}</CreateTime><MsgType>text</MsgType>"
                   f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>")
        requests_.append(signed(xml, safe=True, message_number=number))
    return requests_


def load(base, calls):
    """Run calls (method, path, query, body) from CLIENT_THREADS threads; (per second, latencies ms)."""
    local = threading.local()

    def one(call):
        session = getattr(local, "session", None) or setattr(local, "session", requests.Session()) or local.session
        method, path, query, body = call
        started = time.perf_counter()
        response = session.request(method, base + path, params=query, data=body, timeout=10)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
        return elapsed

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        latencies = list(pool.map(one, calls))
    return len(calls) / (time.perf_counter() - started), latencies


def figures(label, rate, latencies):
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    print(f"{label:28} {rate:8.0f}/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms")
    return {"per_second": round(rate), "p50_ms": round(p50, 1), "p99_ms": round(p99, 1)}


def drain_rate(count, owner_account, agent_openids):
    """Queue `count` alerts to bound accounts and drain them into the fake server; delivered per second."""
    from app.agents.models import Agent
    from app.database import db
    from app.notify import sender
    from app.notify import service as notify

    accounts = [owner_account] + [f"agent:{agent.id}" for agent in Agent.select(Agent.id).limit(20)]
    with db.atomic():
        for number in range(count):
            notify.enqueue(kind="low_stock", recipient=accounts[number % len(accounts)],
                           data={"product": f"商品{number}", "available": number}, dedupe_key=f"bench:{number}")
    started = time.perf_counter()
    report = sender.drain_outbox(limit=count)
    rate = report.sent / (time.perf_counter() - started)
    print(f"{'outbox delivered':28} {rate:8.0f}/s   ({report})")
    return {"per_second": round(rate), "sent": report.sent}


def main():
    args = parse_args(__doc__, database="weishang_bench_notify", quick="a small run (seconds)")
    with fresh_database(args.url):
        run(args)


def run(args):
    messages, alerts = sized(args, (100, 50), (600, 300), (6000, 3000))

    with FakeWeChat() as fake:
        fake.add_app(OA_APPID, OA_SECRET)
        env = environment(args.url, fake.url)
        os.environ.update(env)
        prepare_database()
        agent_openids, owner_account = seed(200)
        with gunicorn("bench.bot:bench_app()", env, "--workers", "2", "--threads", "4",
                      "--worker-class", "gthread") as port:
            base = f"http://127.0.0.1:{port}"
            print(f"bot benchmark: {messages} messages, {CLIENT_THREADS} client threads, gunicorn 2×4, MariaDB")
            floor = figures("floor: trivial endpoint", *load(base, [("GET", "/bench/floor", None, None)] * messages))
            health = figures("floor: /healthz (SELECT 1)", *load(base, [("GET", "/healthz", None, None)] * messages))
            mix = [("POST", "/wechat", query, body) for query, body in message_mix(messages, agent_openids)]
            bot = figures("/wechat command mix", *load(base, mix))
        outbox = drain_rate(alerts, owner_account, agent_openids)
    emit({"bench": "bot", "messages": messages, "floor": floor, "healthz": health, "bot": bot, "outbox": outbox})


if __name__ == "__main__":
    main()
