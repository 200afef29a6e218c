"""Over real HTTP with real commits: WeChat delivering the same event several times at once binds once."""
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests

from app.chat import service as chat
from app.chat.models import InboundMessage, WechatBinding
from app.clock import utcnow
from tests.factories import bind_scene_from_fake, event_xml, make_admin, signed_query

pytestmark = pytest.mark.committed


def test_concurrent_repeats_of_a_bind_event_bind_once_and_get_the_same_reply(live_server, fake_wechat):
    user = make_admin("staff")
    chat.issue_bind_qr(account=f"admin:{user.id}")
    xml = event_xml("oa-openid-live", "SCAN", key=bind_scene_from_fake(fake_wechat), created=1700000000).encode()
    query = signed_query()
    with ThreadPoolExecutor(6) as pool:
        bodies = list(pool.map(lambda _: requests.post(f"{live_server}/wechat", params=query, data=xml,
                                                        timeout=10).text, range(6)))
    replies = {re.search(r"<Content><!\[CDATA\[(.*)\]\]></Content>", body, re.S).group(1) for body in bodies}
    assert len(replies) == 1 and replies.pop().startswith("绑定成功")
    assert WechatBinding.select().where(WechatBinding.account == f"admin:{user.id}").count() == 1
    assert InboundMessage.select().count() == 1


def test_handled_messages_are_forgotten_after_three_days():
    InboundMessage.create(key="msg:old", created_at=utcnow() - timedelta(days=4))
    InboundMessage.create(key="msg:new")
    assert chat.prune_handled_messages() == 1
    assert [m.key for m in InboundMessage.select()] == ["msg:new"]
