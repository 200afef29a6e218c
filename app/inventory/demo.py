"""Demo catalogue and stock for `flask seed`: two warehouses, three products, prices for the levels that exist."""
from app.agents import service as agents
from app.catalog import service as catalog
from app.inventory import service as inventory
from app.money import percent_of

DEMO_WAREHOUSES = (
    ("华南仓", "广州市白云区太和镇物流园3号库", ["广东省", "广西壮族自治区", "海南省", "福建省"]),
    ("华东仓", "上海市嘉定区马陆镇仓储中心", ["上海市", "江苏省", "浙江省", "安徽省"]),
)
# name, spec, GTIN, cost, retail (fen), low-stock threshold, units received into each warehouse, photo colour
DEMO_PRODUCTS = (
    ("玫瑰面霜", "50g", "6901234560015", 3500, 19900, 20, (120, 40), (214, 84, 122)),
    ("精华液", "30ml", "6901234560022", 5200, 29900, 15, (60, 80), (196, 150, 60)),
    ("洁面乳", "120ml", "6901234560039", 1200, 8900, 30, (200, 25), (70, 150, 190)),
)
# What a level pays, as a share of retail: the top level 40%, each level below 10 points more.
TOP_LEVEL_SHARE_BP, SHARE_STEP_BP = 4000, 1000


def seed_demo_stock():
    """Create the demo warehouses, products, level prices, price ranges and stock; yields what it did."""
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
                              reference=f"demo:{product.id}:{warehouse.id}", reason="演示数据", actor="seed")
    yield (f"demo stock: {len(warehouses)} warehouses, {len(DEMO_PRODUCTS)} products with photos, "
           f"prices for {len(levels)} agent levels")
