"""The real backend on a fresh SQLite database with the fake WeChat, WeChat Pay and 快递100, for the mini-program's
journeys.

`python -m tests.live_backend` migrates a temporary database, seeds the demo brand (`flask seed`), starts the fake
WeChat (mini-program app registered), the fake WeChat Pay APIv3 server (merchant keys made for the run; with
LIVE_WECHAT_PAY=v2 the legacy v2 merchant of the fake WeChat instead) and the fake 快递100 (parcels are subscribed by a
thread standing in for the scheduler's `subscribe_parcels`; its side door pushes traces), serves the app on a free loopback port with
DEV_LOGIN on, prints one line of JSON (the URLs, the owner's console password, the demo invite code) and serves
until its standard input closes or it is terminated. The mini-program's jest globalSetup starts it; a person can
too, to try the whole loop locally (see docs/miniprogram.md).
"""
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from datetime import timedelta

from werkzeug.serving import make_server

from app import create_app, migrate
from app.agents import levels
from app.agents.models import Agent, AgentLevel
from app.clock import utcnow
from app.database import db
from app.finance.settlement import release_available_commissions
from app.seed import DEMO_OWNER, seed_demo
from tests.fake_kuaidi100 import FakeKuaidi100
from tests.fake_wechat import FakeWeChat
from tests.fake_wechat_pay_v3 import FakeWeChatPayV3, new_key_pair

MP_APPID, MP_SECRET = "wx-mp-demo", "mp-demo-secret"
MCH_ID, PAY_API_KEY = "1900000109", "0123456789abcdef0123456789abcdef"
OWNER_PASSWORD = "demo-owner-password"
# The brand's subscribe templates, one per notice the app asks for at the moment it makes sense.
SUBSCRIBE_KINDS = ("order_paid", "order_shipped", "withdrawal_approved", "withdrawal_paid", "low_stock")
NOTIFY_TEMPLATES = {kind: {"mini_program": {"template_id": f"SUB-{kind.upper()}", "fields": {"thing1": "{order_no}"},
                                            "page": "pages/orders/index"}}
                    for kind in SUBSCRIBE_KINDS}
NOTIFY_TEMPLATES["low_stock"]["mini_program"]["page"] = "pages/stock/index"


def free_port():
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pay_v3_settings(pay, workdir):
    """APIv3 settings of a merchant whose keys are made now, registered with the fake `pay`."""
    private_pem, public_pem = new_key_pair()
    serial = "5157F09EFDC096DE15EBE81A47057A72"
    pay.add_merchant(MCH_ID, serial=serial, public_key_pem=public_pem, appid=MP_APPID)
    for name, pem in (("apiclient_key.pem", private_pem), ("pub_key.pem", pay.public_key_pem)):
        with open(os.path.join(workdir, name), "w") as handle:
            handle.write(pem)
    return {"WECHAT_PAY_API_VERSION": "v3", "WECHAT_PAY_API_BASE": pay.url,
            "WECHAT_PAY_PRIVATE_KEY_FILE": os.path.join(workdir, "apiclient_key.pem"), "WECHAT_PAY_CERT_SERIAL": serial,
            "WECHAT_PAY_APIV3_KEY": pay.apiv3_key, "WECHAT_PAY_PUBLIC_KEY_FILE": os.path.join(workdir, "pub_key.pem"),
            "WECHAT_PAY_PUBLIC_KEY_ID": pay.public_key_id, "WECHAT_PAY_TRANSFER_SCENE_ID": "1005"}


def build_app(fake, workdir, port, kuaidi100, pay_settings=None):
    """The app on a fresh database under workdir, WeChat, WeChat Pay and 快递100 pointed at the fakes."""
    return create_app({
        "ENV": "development",
        "DEV_LOGIN": True,
        "DATABASE_URL": f"sqlite:///{workdir}/weishang.db",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "UPLOAD_DIR": os.path.join(workdir, "uploads"),
        "WECHAT_API_BASE": fake.url,
        "WECHAT_PAY_API_BASE": fake.url,
        "WECHAT_TIMEOUT_SECONDS": 5.0,
        "WECHAT_MP_APPID": MP_APPID,
        "WECHAT_MP_SECRET": MP_SECRET,
        "WECHAT_PAY_MCH_ID": MCH_ID,
        "WECHAT_PAY_API_KEY": PAY_API_KEY,
        "NOTIFY_TEMPLATES": json.dumps(NOTIFY_TEMPLATES, ensure_ascii=False),
        "RATELIMIT_STORAGE_URI": "memory://",
        "KUAIDI100_CUSTOMER": kuaidi100.customer,
        "KUAIDI100_KEY": kuaidi100.key,
        "KUAIDI100_API_BASE": kuaidi100.url,
        **(pay_settings or {}),
    })


def subscribe_parcels_every(seconds, app, stop):
    """Subscribe shipped parcels as the scheduler would (every `seconds`), until `stop` is set."""
    from app.orders import jobs

    while not stop.wait(seconds):
        with app.app_context():
            db.connect(reuse_if_open=True)
            try:
                jobs.subscribe_parcels()
            finally:
                db.close()


def seed():
    """The demo brand, with applications to the lowest level waiting for the owner (the journey approves one) and
    the demo orders' commission already available (so the top agent can withdraw)."""
    for _line in seed_demo(password=OWNER_PASSWORD):
        pass
    lowest = AgentLevel.select().order_by(AgentLevel.rank.desc()).first()
    levels.update_level(lowest.id, auto_approve_applications=False)
    release_available_commissions(now=utcnow() + timedelta(days=365))
    return Agent.select().order_by(Agent.id).first()


def main():
    workdir = tempfile.mkdtemp(prefix="weishang-mp-")
    fake = FakeWeChat().start()
    fake.add_app(MP_APPID, MP_SECRET)
    fake.pay.add_merchant(MCH_ID, PAY_API_KEY, MP_APPID)
    kuaidi100 = FakeKuaidi100().__enter__()
    pay = None if os.environ.get("LIVE_WECHAT_PAY") == "v2" else FakeWeChatPayV3().start()
    port = free_port()
    app = build_app(fake, workdir, port, kuaidi100, pay_v3_settings(pay, workdir) if pay else None)
    with app.app_context():
        migrate.upgrade()
        top = seed()
        db.close()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    threading.Thread(target=subscribe_parcels_every, args=(0.3, app, stop), daemon=True).start()
    print(json.dumps({"url": f"http://127.0.0.1:{port}", "wechat_url": fake.url, "kuaidi100_url": kuaidi100.url,
                      "mp_appid": MP_APPID, "pay_url": pay.url if pay else fake.url, "pay_api": "v3" if pay else "v2",
                      "owner": {"username": DEMO_OWNER, "password": OWNER_PASSWORD},
                      "invite_code": top.invite_code, "inviter_name": top.name,
                      "top_agent": {"id": top.id, "name": top.name, "bind_code": top.bind_code}, "database": workdir}), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    server.shutdown()
    fake.stop()
    kuaidi100.__exit__()
    if pay:
        pay.stop()
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
