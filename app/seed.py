"""A demo brand for `make run`: created once, left alone after that."""
from app.accounts import service as accounts
from app.agents import service as agents
from app.finance.demo import seed_commission_rules
from app.inventory.demo import seed_demo_stock
from app.orders.demo import seed_demo_orders

DEMO_OWNER = "owner"


def seed_demo(*, password):
    """Create the demo brand unless it exists; yields lines to show the person running it."""
    if accounts.admin_user_exists(username=DEMO_OWNER):
        yield f"demo brand already seeded (owner account: {DEMO_OWNER})"
        return
    owner = accounts.create_admin_user(username=DEMO_OWNER, password=password, role="owner", display_name="品牌方")
    yield f"demo owner account created: username={DEMO_OWNER} password={password}"
    yield from seed_agent_network(owner)
    yield from seed_demo_stock()
    yield from seed_commission_rules()
    yield from seed_demo_orders()


DEMO_LEVELS = (
    dict(name="总代理", rank=1, promote_purchase_fen=20_000_000, demote_below_purchase_fen=2_000_000,
         level_changes_need_approval=True),
    dict(name="区域代理", rank=2, promote_purchase_fen=5_000_000, promote_recruits=10,
         demote_below_purchase_fen=500_000),
    dict(name="普通代理", rank=3, auto_approve_applications=True, may_see_team=False),
)
DEMO_AGENTS = (  # (name, phone, province, city, level rank, upline index)
    ("王总", "13800000001", "广东省", "深圳市", 1, None),
    ("李华南", "13800000002", "广东省", "广州市", 2, 0),
    ("张华东", "13800000003", "浙江省", "杭州市", 2, 0),
    ("陈小美", "13800000004", "广东省", "佛山市", 3, 1),
    ("刘小雨", "13800000005", "浙江省", "宁波市", 3, 2),
)


def seed_agent_network(owner):
    """Three levels and a small tree of demo agents."""
    levels = {values["rank"]: agents.create_level(**values) for values in DEMO_LEVELS}
    created = []
    for name, phone, province, city, rank, upline in DEMO_AGENTS:
        created.append(agents.create_agent(actor_id=owner.id, name=name, phone=phone, province=province, city=city,
                                           level_id=levels[rank].id,
                                           upline_id=created[upline].id if upline is not None else None))
    yield f"demo agents: {len(created)} in 3 levels; {created[0].name}'s invite code {created[0].invite_code}"
