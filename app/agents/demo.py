"""The demo brand's agent network for `flask seed`: three levels, founders 90 days ago, agents joining since,
applications and a promotion waiting for the owner."""
from datetime import timedelta

from app.accounts import service as accounts
from app.agents import service as agents
from app.clock import travel

DEMO_LEVELS = (
    dict(name="总代理", rank=1, promote_purchase_fen=1_000_000, demote_below_purchase_fen=100_000,
         level_changes_need_approval=True),
    dict(name="区域代理", rank=2, promote_purchase_fen=800_000, promote_recruits=10, demote_below_purchase_fen=50_000),
    dict(name="普通代理", rank=3, auto_approve_applications=True, may_see_team=False),
)
# (name, phone, province, city, level rank, upline index, days ago it joined)
DEMO_AGENTS = (
    ("王总", "13800000001", "广东省", "深圳市", 1, None, 90),
    ("李华南", "13800000002", "广东省", "广州市", 2, 0, 90),
    ("张华东", "13800000003", "浙江省", "杭州市", 2, 0, 90),
    ("陈小美", "13800000004", "广东省", "佛山市", 3, 1, 88),
    ("刘小雨", "13800000005", "浙江省", "宁波市", 3, 2, 86),
    ("赵川", "13800000006", "四川省", "成都市", 2, 0, 80),
    ("孙婷婷", "13800000007", "江苏省", "南京市", 3, 2, 74),
    ("周晓", "13800000008", "四川省", "绵阳市", 3, 5, 66),
    ("吴佳", "13800000009", "湖北省", "武汉市", 2, 0, 60),
    ("郑一帆", "13800000010", "北京市", "北京市", 3, 0, 55),
    ("冯梅", "13800000011", "湖北省", "宜昌市", 3, 8, 48),
    ("何静", "13800000012", "上海市", "上海市", 3, 2, 41),
    ("许诺", "13800000013", "山东省", "青岛市", 3, 0, 33),
    ("马丽", "13800000014", "广东省", "东莞市", 3, 1, 25),
    ("黄芳", "13800000015", "福建省", "厦门市", 3, 1, 18),
    ("林晨", "13800000016", "江苏省", "苏州市", 3, 6, 11),
    ("谢欢", "13800000017", "四川省", "德阳市", 3, 5, 6),
    ("罗敏", "13800000018", "湖南省", "长沙市", 3, 8, 2),
)
# Applications still waiting for the owner: (name, phone, province, city, inviter index, days ago)
DEMO_APPLICATIONS = (
    ("邓可", "13900000021", "广西壮族自治区", "南宁市", 0, 2),
    ("曹雪", "13900000022", "河南省", "郑州市", 0, 1),
    ("彭飞", "13900000023", "重庆市", "重庆市", 0, 0),
)


def at_days_ago(days, hour=10, minute=0):
    """A UTC moment `days` before now at about `hour`:`minute` local time (Beijing, UTC+8) — for demo history."""
    from app.clock import utcnow

    now = utcnow()
    moment = (now - timedelta(days=days)).replace(hour=(hour - 8) % 24, minute=minute, second=0)
    return min(moment, now - timedelta(minutes=5))


def seed_agent_network(owner):
    """Three levels, founders 90 days ago and agents joining since; yields what it did."""
    with travel(at_days_ago(91)):
        levels = {values["rank"]: agents.create_level(**values) for values in DEMO_LEVELS}
    created = []
    for name, phone, province, city, rank, upline, days in DEMO_AGENTS:
        with travel(at_days_ago(days, 9 + len(created) % 8)):
            created.append(agents.create_agent(actor_id=owner.id, name=name, phone=phone, province=province,
                                               city=city, level_id=levels[rank].id,
                                               upline_id=created[upline].id if upline is not None else None))
    for number, (name, phone, province, city, inviter, days) in enumerate(DEMO_APPLICATIONS, start=1):
        with travel(at_days_ago(days, 15)):
            user = accounts.wechat_user_for_openid(f"demo-applicant-{number}")
            agents.apply(wechat_user_id=user.id, invite_code=created[inviter].invite_code, name=name, phone=phone,
                         province=province, city=city, level_id=levels[2].id)
    yield (f"demo agents: {len(created)} in 3 levels, joined over 90 days, {len(DEMO_APPLICATIONS)} applications "
           f"waiting; {created[0].name}'s invite code {created[0].invite_code}")


def seed_level_review():
    """The level review over the demo's history: promotions applied, and those needing approval waiting."""
    summary = agents.review_levels()
    yield f"demo level review: {summary}"
