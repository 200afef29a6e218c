"""今日, 库存 and 预警 in the chat: the brand's figures, low stock per warehouse and the alerts waiting for review."""
from app.catalog import service as catalog
from app.codes import service as codes
from tests.factories import (bound_admin, chat, make_agent, make_batch, make_level, make_product, make_warehouse,
                             orderable, paid, place, settings_changed, shipped, stocked)


def owner():
    return bound_admin("owner")[1]


def test_today_counts_orders_revenue_and_new_agents(client):
    agent, other = make_agent(), make_agent()
    product, _ = orderable(100)
    paid(place(agent, (product, 2)))
    place(other, (product, 1))
    reply = chat(client, owner(), "今日")
    assert "下单：2 笔" in reply and "付款：1 笔，共 200.00 元" in reply and "新代理：2 人" in reply


def test_today_on_a_quiet_day_is_all_zeros(client):
    reply = chat(client, bound_admin("staff")[1], "jr")
    assert "下单：0 笔" in reply and "共 0.00 元" in reply and "新代理：0 人" in reply


def test_low_stock_lists_products_under_their_threshold_per_warehouse(client):
    north, south = make_warehouse(name="北京仓", provinces=("北京市",)), make_warehouse(name="深圳仓")
    cream = make_product(name="玫瑰面霜", low_stock_threshold=10)
    stocked(3, product=cream, warehouse=north)
    stocked(4, product=cream, warehouse=south)
    stocked(50, product=make_product(name="洗面奶", low_stock_threshold=10), warehouse=south)
    reply = chat(client, owner(), "库存")
    assert "低于安全库存：2 项" in reply
    assert "【北京仓】\n玫瑰面霜：可用 3，安全 10" in reply and "【深圳仓】\n玫瑰面霜：可用 4，安全 10" in reply
    assert "洗面奶" not in reply


def test_low_stock_with_nothing_low_says_so(client):
    stocked(50, product=make_product(low_stock_threshold=10))
    assert "都在安全库存以上" in chat(client, owner(), "库存")


def test_low_stock_beyond_ten_rows_points_to_the_console(client):
    warehouse = make_warehouse()
    for _ in range(12):
        stocked(1, product=make_product(low_stock_threshold=5), warehouse=warehouse)
    reply = chat(client, owner(), "kc")
    assert "低于安全库存：12 项" in reply and "另有 2 项" in reply


def test_alerts_count_open_violations_and_flagged_codes_with_the_latest(client, located_scans):
    level = make_level()
    product = make_product()
    catalog.set_price_range(product_id=product.id, level_id=level.id, min_fen=9900, max_fen=12900)
    cheap = make_agent(level=level, name="低价代理")
    codes.record_retail_sale(agent_id=cheap.id, client_ref="s1", customer_name="王",
                             items=[{"product_id": product.id, "quantity": 1, "unit_fen": 100}])
    code = shipped(make_batch(1, product=product), make_agent(name="窜货代理", province="广东省"))[0]
    with settings_changed(CLONE_FLAG_SCANS=1):
        codes.look_up(text=code, ip="202.101.172.35")  # 杭州, in the 纯真 database
    reply = chat(client, owner(), "预警")
    assert reply.startswith("待处理预警：窜货 1 条，低于控价 1 条，可疑防伪码 1 个")
    assert "窜货 窜货代理（浙江省）" in reply and "低于控价 低价代理" in reply
    assert f"可疑码 {code}：查询次数过多" in reply


def test_alerts_with_nothing_open_say_so(client):
    assert chat(client, owner(), "预警") == "暂无待处理的预警。"
