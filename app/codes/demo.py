"""The demo brand's authenticity codes for `flask seed`: a batch per product, codes bound to recent shipments,
consumers' scans (one code scanned across the country, which is flagged), a 窜货 scan and retail sales outside
the price range."""
from datetime import timedelta

from app.clock import travel, utcnow
from app.codes import service as codes

BATCH_SIZE = 60
# Where consumers scanned the codes they found (no address database in the demo: they said where they were).
SUSPICIOUS_PROVINCES = ("广东省", "黑龙江省", "新疆维吾尔自治区", "云南省", "辽宁省", "海南省")


def seed_demo_batches(products, *, actor):
    """One batch of codes per product; returns them."""
    return [codes.create_batch(product_id=product.id, lot=f"2026{number:02d}A", quantity=BATCH_SIZE,
                               note="演示批次", actor=actor) for number, product in enumerate(products, start=1)]


def free_codes(batch, count):
    """The first `count` of the batch's codes no shipment has bound yet."""
    taken = codes.batch_counts(batch.id)["bound"]
    return [code for _, code in codes.iter_codes(batch.id, first=taken + 1, last=taken + count)]


def seed_demo_scans(bound, *, leaked, elsewhere):
    """Consumers scan codes bound to shipments where they were sold, a few days after shipment; a `leaked` code
    never shipped is scanned across the country (flagged), and the last bound one in `elsewhere` (窜货); yields
    what it did. `bound` is [(code, province, shipped at)]."""
    now = utcnow()
    for number, (code, province, shipped_at) in enumerate(bound):
        with travel(min(shipped_at + timedelta(days=2 + number % 4, hours=number % 9), now)):
            codes.look_up(text=code, ip=f"10.8.{number // 200}.{number % 200 + 1}",
                          province=elsewhere if number == len(bound) - 1 else province, channel="page")
    for number, province in enumerate(SUSPICIOUS_PROVINCES):
        with travel(now - timedelta(hours=30 - number * 5)):
            codes.look_up(text=leaked, ip=f"10.9.0.{number + 1}", province=province, channel="page")
    yield f"demo scans: {len(bound) + len(SUSPICIOUS_PROVINCES)}, one leaked code flagged, one 窜货 scan"


def seed_demo_retail_sales(agent, product, price_range):
    """An agent records two sales to consumers, one under and one over its level's price range."""
    low, high = price_range
    for number, unit_fen in enumerate((low * 7 // 10, high + 3000), start=1):
        codes.record_retail_sale(agent_id=agent.id, client_ref=f"demo-retail-{number}", customer_name="朋友圈客户",
                                 items=[{"product_id": product.id, "quantity": 1, "unit_fen": unit_fen}])
    yield f"demo retail sales: {agent.name} sold under and over the price range"
