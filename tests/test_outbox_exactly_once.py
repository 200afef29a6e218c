"""Under real commits and concurrent senders, every queued alert reaches WeChat exactly once."""
import threading
from collections import Counter
from datetime import timedelta

import pytest

from app.chat.models import WechatBinding
from app.clock import utcnow
from app.database import db
from app.notify import sender
from app.notify import service as notify
from app.notify.models import Notification
from app.wechat import WechatCacheEntry, call_with_token_refresh, official_account_client
from tests.factories import make_admin

pytestmark = pytest.mark.committed

TEMPLATE_SEND = "/cgi-bin/message/template/send"


def in_threads(count, work):
    errors = []

    def run(index):
        db.connect(reuse_if_open=True)
        try:
            work(index)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            db.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def test_a_thousand_alerts_with_wechat_failing_half_the_time_arrive_exactly_once(fake_wechat):
    staff = [make_admin("staff") for _ in range(10)]
    WechatBinding.insert_many([{"account": f"admin:{user.id}", "openid": f"oa-openid-{user.id}"}
                               for user in staff]).execute()
    with db.atomic():
        for number in range(1000):
            notify.enqueue(kind="low_stock", recipient=f"admin:{staff[number % 10].id}",
                           data={"product": f"商品{number}", "available": number}, dedupe_key=f"bulk:{number}")
    fake_wechat.fail_alternately(TEMPLATE_SEND, 45009, times=500)
    fake_wechat.fail_alternately(TEMPLATE_SEND, -1, times=500)

    start, rounds = utcnow(), threading.Barrier(2, timeout=60)

    def drain(_index):
        for number in range(sender.MAX_ATTEMPTS):  # each round both senders share one clock, two hours on: every backoff is due
            rounds.wait()
            sender.drain_outbox(now=start + timedelta(hours=2 * number), limit=1000)

    in_threads(2, drain)
    delivered = Counter(body["data"]["thing1"]["value"] for body in fake_wechat.delivered(TEMPLATE_SEND))
    assert len(delivered) == 1000 and set(delivered.values()) == {1}
    assert Notification.select().where(Notification.status == "sent").count() == 1000
    assert len(fake_wechat.calls(TEMPLATE_SEND)) >= 1500


def test_processes_racing_to_refresh_the_token_fetch_it_once(fake_wechat):
    WechatCacheEntry.delete().execute()
    fetches = fake_wechat.token_fetches
    tokens = []
    in_threads(6, lambda _index: tokens.append(official_account_client().access_token))
    assert fake_wechat.token_fetches == fetches + 1
    assert len(set(tokens)) == 1


def test_processes_racing_after_the_token_expired_fetch_a_new_one_once(fake_wechat):
    assert official_account_client().access_token
    fake_wechat.expire_tokens(42001)
    fetches = fake_wechat.token_fetches
    openids = [f"oa-openid-race-{index}" for index in range(6)]

    def send(index):
        client = official_account_client()
        call_with_token_refresh(client, lambda: client.message.send_text(openids[index], "hi"))

    in_threads(6, send)
    assert fake_wechat.token_fetches == fetches + 1
    assert len(fake_wechat.delivered("/cgi-bin/message/custom/send")) == 6
