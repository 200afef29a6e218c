"""Demo orders for `flask seed`: a few orders of the demo agents, one in each stage of the order's life."""
from app.agents import service as agents
from app.catalog import service as catalog
from app.orders import placement, refunds, service

DEMO_ACTOR = "seed"
# (agent index, [(product index, quantity)], steps after placement)
DEMO_ORDERS = (
    (0, [(0, 10), (1, 5)], ()),
    (1, [(0, 4)], ("pay",)),
    (2, [(1, 3), (2, 6)], ("pay", "pick")),
    (3, [(2, 12)], ("pay", "pick", "ship")),
    (4, [(0, 2), (2, 2)], ("pay", "pick", "ship", "receive", "complete")),
    (1, [(1, 2)], ("cancel",)),
    (3, [(0, 1)], ("pay", "pick", "ship", "refund")),
)


def _step(order, step):
    if step == "pay":
        service.confirm_payment(order.id, actor=DEMO_ACTOR, method="offline", amount_fen=order.total_fen)
    elif step == "ship":
        service.ship(order.id, actor=DEMO_ACTOR, carrier="顺丰速运", tracking_no=f"SF{order.id:010d}")
    elif step == "cancel":
        service.cancel(order.id, actor=DEMO_ACTOR, reason="演示：客户改单")
    elif step == "refund":
        refunds.refund(order.id, actor=DEMO_ACTOR, reason="演示：破损退款", goods_back=True)
    else:
        {"pick": service.pick, "receive": service.receive, "complete": service.complete}[step](
            order.id, actor=DEMO_ACTOR)


def seed_demo_orders():
    """Place the demo orders and take each through its steps; yields what it did."""
    demo_agents = agents.list_agents(per_page=10)[0]
    products = catalog.list_products(active=True, per_page=10)[0][::-1]
    for number, (agent_index, items, steps) in enumerate(DEMO_ORDERS, start=1):
        agent = demo_agents[agent_index]
        order = placement.place_order(placed_by=DEMO_ACTOR, idempotency_key=f"demo-{number}", buyer_agent=agent,
                                      items=[{"product_id": products[p].id, "quantity": q} for p, q in items],
                                      consignee={"address": "演示路88号"}, remark="演示订单", by_staff=True)
        for step in steps:
            _step(order, step)
    yield f"demo orders: {len(DEMO_ORDERS)} in every stage from unpaid to refunded"
