"""A demo brand for `make run`: created once, left alone after that.

Ninety days of a brand's life, written at the moments it happened (`app.clock.travel`): agents joining,
orders taken through payment, shipment, receipt and refunds, codes scanned, commission released and withdrawn,
expenses; and today's work waiting for the owner, so that every console page has something to show."""
import os

from app.accounts import service as accounts
from app.agents import service as agents
from app.agents.demo import seed_agent_network, seed_level_review
from app.authorization.demo import seed_demo_certificates
from app.catalog import service as catalog
from app.chat.demo import seed_demo_bindings
from app.clock import travel
from app.codes import service as codes
from app.codes.demo import free_codes, seed_demo_batches, seed_demo_retail_sales, seed_demo_scans
from app.database import db
from app.finance import service as finance
from app.finance.demo import seed_commission_rules, seed_demo_money
from app.inventory import service as inventory
from app.inventory.demo import seed_demo_restock, seed_demo_stock, seed_demo_stock_work
from app.cloud import service as cloud
from app.orders import service as orders
from app.orders.demo import seed_demo_orders, seed_demo_rules, transfer_screenshot
from app.tasks.jobs import run_queued

DEMO_OWNER = "owner"
# Where `flask seed` notes the demo owner's first password for `make run` to show (development only; never in
# production). A password changed since is not in it.
DEMO_ACCOUNT_FILE = os.path.join("instance", "demo-account")
# Colleagues of the owner: (username, role, display name)
DEMO_STAFF = (("yunying", "staff", "运营小周"), ("caiwu", "finance", "财务老陈"), ("cangku", "warehouse", "仓库阿强"))
CODED_SHIPMENTS = 12


def seed_demo(*, password):
    """Create the demo brand unless it exists; yields lines to show the person running it (the account last)."""
    if accounts.admin_user_exists(username=DEMO_OWNER):
        yield f"demo brand already seeded (owner account: {DEMO_OWNER}; `flask users set-password {DEMO_OWNER}` resets it)"
        return
    owner = accounts.create_admin_user(username=DEMO_OWNER, password=password, role="owner", display_name="品牌方")
    colleagues = {role: accounts.create_admin_user(username=username, password=password, role=role,
                                                   display_name=display_name)
                  for username, role, display_name in DEMO_STAFF}
    yield from seed_agent_network(owner)
    yield from seed_demo_stock()
    products = sorted(catalog.list_products(active=True, per_page=10)[0], key=lambda product: product.id)
    warehouses = inventory.list_warehouses(active=True)
    yield from seed_demo_restock(products, warehouses)
    yield from seed_commission_rules()
    steps_by = {"pay": colleagues["finance"], "refund": colleagues["finance"], "refund_part": colleagues["finance"],
                "pick": colleagues["warehouse"], "ship": colleagues["warehouse"], "cancel": colleagues["staff"]}
    yield from seed_demo_orders(owner=owner, staff={step: f"admin:{user.id}" for step, user in steps_by.items()})
    yield from _seed_codes(products, actor=f"admin:{colleagues['warehouse'].id}")
    yield from _seed_task(owner, products)
    network = sorted(agents.list_agents(per_page=100)[0], key=lambda agent: agent.id)
    yield from seed_demo_money(owner=owner, network=network, proof=transfer_screenshot())
    yield from seed_level_review()
    yield from seed_demo_stock_work(products, warehouses, actor=f"admin:{owner.id}")
    yield from seed_demo_rules()
    yield from seed_demo_bindings([f"admin:{owner.id}", f"agent:{network[0].id}"])
    yield from seed_demo_certificates(network)
    yield from _seed_cloud(network, products, actor=f"admin:{colleagues['finance'].id}")
    yield f"demo owner account: username={DEMO_OWNER} password={password} (staff: {', '.join(u for u, _, _ in DEMO_STAFF)}, same password)"


def _seed_cloud(network, products, *, actor):
    """A regional agent buys into its cloud stock (云仓) and asks for part of it to be shipped (提货)."""
    buyer = network[1]
    order = orders.place_order(placed_by=f"agent:{buyer.id}", idempotency_key="demo-cloud", buyer_agent=buyer,
                                  items=[{"product_id": products[0].id, "quantity": 20}], to_cloud=True,
                                  by_staff=True)
    orders.confirm_payment(order.id, actor=actor, method="offline", amount_fen=order.total_fen)
    cloud.request_pickup(agent=agents.get_agent(buyer.id), idempotency_key="demo-pickup",
                         consignee={"address": "天河路100号"}, items=[{"product_id": products[0].id, "quantity": 5}])
    yield f"demo cloud stock: {buyer.name} bought 20 into the cloud and asked for 5 to be shipped"
    downline = next((agent for agent in network if agent.upline_id == buyer.id and agent.status == "active"), None)
    if downline is not None:   # ... and one of its downlines buys 3 of them (转货), paying from a top-up
        with db.atomic():
            finance.credit_goods(agent_id=downline.id, amount_fen=100_000_00, reason="topup",
                                 reference="demo-cloud-transfer", actor=actor)
        done = cloud.transfer_from_upline(downline=agents.get_agent(downline.id), product_id=products[0].id,
                                          quantity=3, idempotency_key="demo-transfer")
        yield f"demo 转货: {downline.name} bought 3 from {buyer.name}'s cloud stock (#{done.transfer.id})"


def _seed_task(owner, products):
    """A second lot of codes made in the background, as the console does for a large batch: a finished task."""
    codes.submit_batch(admin=owner, product_id=products[4].id, lot="202612B", quantity=200, note="新批次（后台生成）")
    ran = run_queued(worker="seed")
    yield f"demo background tasks: {ran} finished"


def _seed_codes(products, *, actor):
    """Code batches, codes bound to the latest shipments, consumers' scans and retail sales off the price range."""
    batches = {batch.product_id: batch for batch in seed_demo_batches(products, actor=actor)}
    bound = []
    shipments = [order for status in ("shipped", "received", "completed")
                 for order in orders.list_orders(status=status, per_page=CODED_SHIPMENTS)[0] if order.buyer_agent_id]
    for order in shipments[:CODED_SHIPMENTS]:
        texts = [code for line in orders.get_order(order.id).lines
                 for code in free_codes(batches[line.product_id], min(line.quantity, 3))]
        with travel(order.shipped_at):
            orders.bind_codes(order.id, codes_scanned=texts, actor=actor)
        bound.extend((text, order.province, order.shipped_at) for text in texts[:2])
    yield f"demo codes: {len(batches)} batches, codes bound to {min(len(shipments), CODED_SHIPMENTS)} shipments"
    far = "黑龙江省" if bound[-1][1] != "黑龙江省" else "新疆维吾尔自治区"
    leaked = free_codes(batches[products[1].id], 1)[0]
    yield from seed_demo_scans(bound, leaked=leaked, elsewhere=far)
    seller = agents.list_agents(per_page=1)[0][0]
    price_range = catalog.price_range_for(product_id=products[0].id, level_id=seller.level_id)
    yield from seed_demo_retail_sales(seller, products[0], (price_range.min_fen, price_range.max_fen))


def remember_demo_account(password, path=DEMO_ACCOUNT_FILE):
    """Note the demo owner's first password for `make run` (readable by this user only)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as noted:
        noted.write(f"{DEMO_OWNER}\n{password}\n")


def demo_account(path=DEMO_ACCOUNT_FILE):
    """(username, first password or "") of the demo owner, or None when there is no demo owner."""
    if not accounts.admin_user_exists(username=DEMO_OWNER):
        return None
    try:
        with open(path) as noted:
            username, password = (noted.read().splitlines() + ["", ""])[:2]
    except OSError:
        return DEMO_OWNER, ""
    return (DEMO_OWNER, password) if username == DEMO_OWNER else (DEMO_OWNER, "")
