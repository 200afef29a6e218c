"""订单 in the chat: the brand reads any order by its number; an agent its recent orders and only its own."""
from app.orders import service as orders
from tests.factories import advanced, bound_admin, bound_agent, chat, make_agent, orderable, place


def an_order(agent=None, *actions):
    """An order of two units at 100 yuan by `agent` (a new one unless given), taken through `actions`."""
    agent = agent or make_agent()
    product, _ = orderable(100)
    return advanced(place(agent, (product, 2)), *actions)


def test_the_owner_sees_an_orders_status_amount_and_history(client):
    order = an_order(None, "pay", "pick", "ship")
    reply = chat(client, bound_admin("owner")[1], f"订单 {orders.order_no(order)}")
    assert f"订单 {orders.order_no(order)}" in reply and "状态：已发货" in reply and "金额：200.00元" in reply
    assert f"快递：顺丰 {order.tracking_no}" in reply
    assert "确认付款" in reply and "开始配货" in reply and reply.endswith("发货")


def test_staff_may_look_an_order_up_by_alias(client):
    order = an_order()
    assert "状态：待付款" in chat(client, bound_admin("staff")[1], f"dd {orders.order_no(order)}")


def test_an_order_number_that_names_no_order_is_not_found(client):
    order = an_order()
    wrong = "991231" + orders.order_no(order)[6:]
    assert chat(client, bound_admin("owner")[1], f"订单 {wrong}") == "订单不存在"


def test_a_malformed_order_number_in_the_chat_is_not_found(client):
    openid = bound_admin("owner")[1]
    assert [chat(client, openid, f"订单 {text}") for text in ("26010100000²", "9" * 35)] == ["订单不存在"] * 2


def test_the_brand_asking_without_a_number_is_shown_how(client):
    assert chat(client, bound_admin("owner")[1], "订单").startswith("请发送「订单 单号」")


def test_an_agent_without_a_number_sees_its_recent_orders_only(client):
    agent, openid = bound_agent()
    mine = [an_order(agent), an_order(agent, "pay")]
    theirs = an_order()
    reply = chat(client, openid, "订单")
    assert reply.startswith("我的最近订单（共 2 笔）")
    assert f"{orders.order_no(mine[1])} 已付款 200.00元" in reply and f"{orders.order_no(mine[0])} 待付款" in reply
    assert orders.order_no(theirs) not in reply


def test_an_agent_sees_the_history_of_its_own_order(client):
    agent, openid = bound_agent()
    order = an_order(agent, "pay")
    assert "状态：已付款" in chat(client, openid, f"订单 {orders.order_no(order)}")


def test_an_agent_asking_for_another_agents_order_learns_nothing(client):
    _, openid = bound_agent()
    order = an_order(None, "pay")
    assert chat(client, openid, f"订单 {orders.order_no(order)}") == "订单不存在"


def test_an_agent_without_orders_is_told_so(client):
    assert chat(client, bound_agent()[1], "订单") == "您还没有订单。"
