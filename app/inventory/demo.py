"""Demo catalogue and stock for `flask seed`: three warehouses, five products, prices for the levels that exist,
stock received 90 days ago and restocked since, a transfer on the way and a stock-take under way."""
from datetime import timedelta

from app.agents import service as agents
from app.catalog import service as catalog
from app.clock import travel, utcnow
from app.inventory import service as inventory, stocktakes, transfers
from app.money import percent_of

DEMO_WAREHOUSES = (
    ("华南仓", "广州市白云区太和镇物流园3号库", ["广东省", "广西壮族自治区", "海南省", "福建省"]),
    ("华东仓", "上海市嘉定区马陆镇仓储中心", ["上海市", "江苏省", "浙江省", "安徽省"]),
    ("华中仓", "武汉市东西湖区走马岭物流港", ["湖北省", "湖南省", "河南省", "四川省", "重庆市", "北京市", "山东省"]),
)
# name, spec, GTIN, cost, retail (fen), low-stock threshold, units received into each warehouse, photo colour
DEMO_PRODUCTS = (
    ("玫瑰面霜", "50g", "6901234560015", 3500, 19900, 20, (400, 300, 260), (214, 84, 122)),
    ("精华液", "30ml", "6901234560022", 5200, 29900, 15, (300, 320, 200), (196, 150, 60)),
    ("洁面乳", "120ml", "6901234560039", 1200, 8900, 30, (500, 160, 300), (70, 150, 190)),
    ("防晒乳", "50ml", "6901234560046", 2600, 15900, 20, (80, 260, 220), (236, 170, 40)),
    ("补水面膜", "5片/盒", "6901234560053", 1500, 9900, 40, (600, 500, 400), (90, 170, 120)),
)
DEMO_RECEIVED_DAYS_AGO, DEMO_RESTOCK_DAYS_AGO = 90, 45
# 华南仓 gets no more 防晒乳 and keeps a summer reserve of it: it runs low (the dashboard and the alert show it).
SHORT_WAREHOUSE, SHORT_PRODUCT, SHORT_RESERVE = 0, 3, 50
# What a level pays, as a share of retail: the top level 40%, each level below 10 points more.
TOP_LEVEL_SHARE_BP, SHARE_STEP_BP = 4000, 1000


def seed_demo_stock():
    """Create the demo warehouses, products, level prices, price ranges and stock; yields what it did."""
    with travel(utcnow() - timedelta(days=DEMO_RECEIVED_DAYS_AGO)):
        return (yield from _seed_catalogue_and_stock())


def _seed_catalogue_and_stock():
    warehouses = [inventory.create_warehouse(name=name, address=address, provinces=provinces)
                  for name, address, provinces in DEMO_WAREHOUSES]
    levels = agents.active_levels()
    for name, spec, gtin, cost, retail, threshold, received, hue in DEMO_PRODUCTS:
        product = catalog.create_product(name=name, spec=spec, gtin=gtin, cost_fen=cost, retail_fen=retail,
                                         low_stock_threshold=threshold)
        for bottle in (False, True):
            catalog.add_product_image(product_id=product.id, content=catalog.demo_photo(hue=hue, bottle=bottle))
        for position, level in enumerate(levels):
            catalog.set_level_price(product_id=product.id, level_id=level.id,
                                    price_fen=percent_of(retail, TOP_LEVEL_SHARE_BP + position * SHARE_STEP_BP))
            catalog.set_price_range(product_id=product.id, level_id=level.id, min_fen=percent_of(retail, 9000),
                                    max_fen=retail)
        for warehouse, units in zip(warehouses, received):
            inventory.receive(warehouse_id=warehouse.id, lines=[{"product_id": product.id, "quantity": units}],
                              reason="首批入库", actor="system")
    yield (f"demo stock: {len(warehouses)} warehouses, {len(DEMO_PRODUCTS)} products with photos, "
           f"prices for {len(levels)} agent levels")


def seed_demo_restock(products, warehouses):
    """Half-way through the demo's history the warehouses are restocked, a transfer is dispatched and arrives."""
    with travel(utcnow() - timedelta(days=DEMO_RESTOCK_DAYS_AGO)):
        for number, warehouse in enumerate(warehouses):
            inventory.receive(warehouse_id=warehouse.id, reason="补货入库", actor="system",
                              lines=[{"product_id": product.id, "quantity": 120} for index, product in enumerate(products)
                                     if (number, index) != (SHORT_WAREHOUSE, SHORT_PRODUCT)])
        transfer = transfers.dispatch_transfer(from_warehouse_id=warehouses[0].id, to_warehouse_id=warehouses[2].id,
                                               lines=[{"product_id": products[0].id, "quantity": 30}],
                                               note="华中仓面霜补位", actor="system")
    with travel(utcnow() - timedelta(days=DEMO_RESTOCK_DAYS_AGO - 3)):
        transfers.arrive_transfer(transfer.id, actor="system")
    yield "demo restock: every warehouse restocked 45 days ago, one transfer arrived"


def seed_demo_stock_work(products, warehouses, *, actor):
    """Work in progress in the warehouses today: a transfer on the way and a stock-take being counted."""
    transfers.dispatch_transfer(from_warehouse_id=warehouses[1].id, to_warehouse_id=warehouses[0].id,
                                lines=[{"product_id": products[4].id, "quantity": 40},
                                       {"product_id": products[2].id, "quantity": 20}],
                                note="华南仓面膜告急", actor=actor)
    take = stocktakes.open_stock_take(warehouse_id=warehouses[2].id, actor=actor)
    inventory.adjust(warehouse_id=warehouses[0].id, product_id=products[1].id, delta=-2, reason="运输破损报损",
                     actor=actor)
    warehouse, product = warehouses[SHORT_WAREHOUSE], products[SHORT_PRODUCT]
    short = inventory.list_stock(warehouse_id=warehouse.id, product_id=product.id)[0][0]
    inventory.set_threshold(warehouse_id=warehouse.id, product_id=product.id,
                            threshold=max(SHORT_RESERVE, short["available"] + 10))
    yield f"demo warehouse work: a transfer on the way, stock-take #{take.id} being counted"
