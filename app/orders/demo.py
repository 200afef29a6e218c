"""Demo orders for `flask seed`: 90 days of the demo agents' orders across provinces and products, each taken
through its life at the moments it happened (refunds and cancellations among them), and today's orders in
every stage."""
import io
import random
from datetime import timedelta

from PIL import Image, ImageDraw

from app.agents import service as agents
from app.catalog import service as catalog
from app.clock import travel, utcnow
from app.orders import payments, placement, refunds, rules, service

DEMO_ACTOR = "system"
HISTORY_DAYS = 88
CARRIERS = ("顺丰速运", "中通快递", "圆通速递", "韵达快递", "京东物流")
STREETS = ("人民路", "建设大道", "中山路", "解放路", "和平街", "科技园路", "滨江大道", "新华路")
# Today's orders, one in each stage of the order's life: (agent index, [(product index, quantity)], steps)
TODAY_ORDERS = (
    (0, [(0, 10), (1, 5)], ()),
    (1, [(0, 4)], ("pay",)),
    (2, [(1, 3), (2, 6)], ("pay", "pick")),
    (3, [(2, 12)], ("pay", "pick", "ship")),
    (4, [(0, 2), (2, 2)], ("pay", "pick", "ship", "receive")),
    (1, [(1, 2)], ("cancel",)),
    (5, [(3, 4), (4, 10)], ("pay",)),
)
# Direct customers the staff entered (retail price): (name, phone, province, city)
DEMO_CUSTOMERS = (("钱女士", "13700000031", "广东省", "深圳市"), ("孔先生", "13700000032", "浙江省", "温州市"),
                  ("严女士", "13700000033", "四川省", "成都市"))


def _step(order, step, *, at, actor=DEMO_ACTOR, codes=()):
    with travel(at):
        if step == "pay":
            service.confirm_payment(order.id, actor=actor, method="offline", amount_fen=order.total_fen,
                                    payment_ref=f"DEMO{order.id:08d}")
        elif step == "ship":
            service.ship(order.id, actor=actor, carrier=CARRIERS[order.id % len(CARRIERS)],
                         tracking_no=f"7{order.id:011d}", codes_scanned=codes)
        elif step == "cancel":
            service.cancel(order.id, actor=actor, reason="客户改单")
        elif step == "refund":
            refunds.refund(order.id, actor=actor, reason="运输破损，整单退款", goods_back=True)
        elif step == "refund_part":
            line = order.lines[0]
            refunds.refund(order.id, actor=actor, reason="少发一件，部分退款", goods_back=False,
                           lines=[{"product_id": line.product_id, "quantity": 1}])
        else:
            {"pick": service.pick, "receive": service.receive, "complete": service.complete}[step](order.id,
                                                                                                 actor=actor)


def _place(number, *, at, agent, items, products, actor, customer=None):
    street = STREETS[number % len(STREETS)]
    if customer:
        name, phone, province, city = customer
        consignee = {"name": name, "phone": phone, "province": province, "city": city,
                     "address": f"{street}{number % 90 + 10}号"}
    else:
        consignee = {"address": f"{street}{number % 90 + 10}号"}
    with travel(at):
        return placement.place_order(placed_by=actor, idempotency_key=f"demo-{number}", buyer_agent=agent,
                                     items=[{"product_id": products[p].id, "quantity": q} for p, q in items],
                                     consignee=consignee, remark="" if number % 5 else "请尽快发货", by_staff=True)


def _life(rng, age_days):
    """The steps an order placed `age_days` ago went through, with the hours after placement of each."""
    roll = rng.random()
    if roll < 0.05:
        return [("cancel", 20)]
    steps = [("pay", 0.5), ("pick", 4), ("ship", 26)]
    if age_days >= 5:
        steps.append(("receive", 24 * 4))
    if age_days >= 11:
        steps.append(("complete", 24 * 10))
    if roll > 0.96 and age_days >= 5:
        steps = steps[:3] + [("refund", 24 * 3)]
    elif roll > 0.92 and age_days >= 5:
        steps = steps[:4] + [("refund_part", 24 * 5)] + steps[4:]
    return steps


def seed_demo_rules():
    """A promotion running from today and shipping for the far provinces (after the history, which they leave
    as it was priced)."""
    now = utcnow()
    rules.create_promotion(name="双十二满减", kind="amount_off", threshold_fen=200_000, off_fen=10_000, active=True,
                           starts_at=now, ends_at=now + timedelta(days=14))
    for province in ("新疆维吾尔自治区", "西藏自治区"):
        rules.put_shipping_template(province=province, first_unit_fen=2000, additional_unit_fen=800,
                                    free_over_fen=300_000)
    yield "demo order rules: a 满减 promotion from today, shipping to the far provinces"


def transfer_screenshot():
    """A PNG standing in for a bank transfer's screenshot (drawn, nothing downloaded)."""
    image = Image.new("RGB", (360, 640), (245, 246, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 360, 70), fill=(200, 30, 45))
    draw.ellipse((140, 120, 220, 200), fill=(34, 160, 90))
    draw.line((158, 160, 175, 178, 204, 142), fill=(255, 255, 255), width=8)
    for top in (250, 300, 350, 400):
        draw.rounded_rectangle((40, top, 320, top + 22), radius=6, fill=(225, 228, 232))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def seed_demo_orders(*, owner, staff=None):
    """90 days of orders taken through their lives, then today's in every stage; yields what it did.

    `staff` ({step: actor}) names who did each step (finance confirms payments, the warehouse ships); the rest is
    the owner, and receipts and completions are the system's."""
    rng = random.Random(18)
    now = utcnow()
    actor = f"admin:{owner.id}"
    staff = staff or {}
    network = agents.list_agents(per_page=100)[0]
    network.sort(key=lambda agent: agent.id)
    products = sorted(catalog.list_products(active=True, per_page=10)[0], key=lambda product: product.id)
    placed = 0
    for age in range(HISTORY_DAYS, 0, -1):
        day_start = now - timedelta(days=age)
        joined = [agent for agent in network if agent.joined_at <= day_start]
        # Busier as the network grows, and two days in seven (a weekend, counted back from the seeding day as if it
        # were a Monday): the history is the same whatever day it is seeded, so its review windows, and the
        # promotion the owner finds waiting, do not move with the calendar.
        for _ in range(rng.randint(0, 1) + len(joined) // 8 + (age % 7 in (1, 2))):
            placed += 1
            at = day_start.replace(hour=rng.randint(1, 12), minute=rng.randint(0, 59), second=0)
            lines = sorted(rng.sample(range(len(products)), rng.choice((1, 1, 2, 2, 3))))
            items = [(p, rng.choice((2, 3, 5, 6, 10))) for p in lines]
            customer = DEMO_CUSTOMERS[placed % len(DEMO_CUSTOMERS)] if placed % 17 == 0 else None
            order = _place(placed, at=at, agent=None if customer else rng.choice(joined), items=items,
                           products=products, actor=actor, customer=customer)
            for step, hours in _life(rng, age):
                _step(order, step, at=min(at + timedelta(hours=hours), now - timedelta(minutes=10)),
                      actor=staff.get(step, DEMO_ACTOR if step in ("receive", "complete") else actor))
    for agent_index, items, steps in TODAY_ORDERS:
        placed += 1
        order = _place(placed, at=now - timedelta(hours=3), agent=network[agent_index], items=items,
                       products=products, actor=actor)
        for hours, step in enumerate(steps):
            _step(order, step, at=now - timedelta(hours=2.5 - hours * 0.4), actor=staff.get(step, actor))
        if not steps:  # the unpaid one: its agent sent a transfer screenshot for finance to confirm
            with travel(now - timedelta(hours=2)):
                payments.submit_payment_proof(order.id, agent=network[agent_index], content=transfer_screenshot(),
                                              reference="招商银行 尾号6688")
    yield f"demo orders: {placed} over {HISTORY_DAYS} days, refunds and cancellations among them, today's in every stage"
