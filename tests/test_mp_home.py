"""The mini-program's home page: my level and term, what needs doing, and my progress to the next level."""
from tests.factories import (advanced, agent_headers, buy, make_agent, make_level, orderable, place,
                             settings_changed)


def home(client, headers):
    response = client.get("/api/mp/me/home", headers=headers)
    assert response.status_code == 200
    return response.get_json()


def levels_with_promotion(**rules):
    """A 区域代理-like level promoting on `rules`, and the level just below it."""
    upper = make_level(**rules)
    return upper, make_level()


def test_home_names_my_level_status_and_term(client, fake_wechat):
    _, lower = levels_with_promotion()
    headers, agent = agent_headers(client, fake_wechat, level=lower)
    body = home(client, headers)
    assert body["agent"] == {"id": agent.id, "name": agent.name, "level_name": lower.name, "status": "active",
                             "term_ends_on": None}


def test_progress_says_how_much_more_to_buy_for_the_next_level(client, fake_wechat):
    upper, lower = levels_with_promotion(promote_purchase_fen=500000, review_window_days=30)
    headers, agent = agent_headers(client, fake_wechat, level=lower)
    buy(agent, 1800)
    progress = home(client, headers)["level_progress"]
    assert progress["text"] == f"再进货 ¥3,200.00 可升级为{upper.name}"
    assert progress["amount_needed"] == "3200.00" and progress["next_level_name"] == upper.name


def test_progress_counts_only_purchases_inside_the_review_window(client, fake_wechat):
    upper, lower = levels_with_promotion(promote_purchase_fen=500000, review_window_days=30)
    headers, agent = agent_headers(client, fake_wechat, level=lower)
    buy(agent, 1800, days_ago=45)
    assert home(client, headers)["level_progress"]["amount_needed"] == "5000.00"


def test_progress_offers_recruits_as_the_other_way_up(client, fake_wechat):
    upper, lower = levels_with_promotion(promote_purchase_fen=100000, promote_recruits=3)
    headers, agent = agent_headers(client, fake_wechat, level=lower)
    make_agent(level=lower, upline=agent)
    assert home(client, headers)["level_progress"]["text"] == f"再进货 ¥1,000.00，或再直推 2 人 可升级为{upper.name}"


def test_progress_says_when_the_standard_is_met(client, fake_wechat):
    upper, lower = levels_with_promotion(promote_purchase_fen=100000)
    headers, agent = agent_headers(client, fake_wechat, level=lower)
    buy(agent, 1000)
    assert home(client, headers)["level_progress"]["text"] == f"已达到{upper.name}标准，等待升级审核"


def test_progress_is_empty_at_the_top_or_without_promotion_rules(client, fake_wechat):
    _, lower = levels_with_promotion()
    headers, _ = agent_headers(client, fake_wechat, level=lower)
    assert home(client, headers)["level_progress"] == {"next_level_name": None, "amount_needed": None,
                                                       "recruits_needed": None, "text": None}


def test_todo_counts_my_orders_to_pay_and_my_downlines_orders_to_approve(client, fake_wechat):
    approving = make_level(orders_need_upline_approval=True)
    headers, agent = agent_headers(client, fake_wechat, level=approving)
    product, _ = orderable()
    place(agent, (product, 1))
    downline = make_agent(level=approving, upline=agent)
    place(downline, (product, 1))
    todo = home(client, headers)["todo"]
    assert todo["approvals_waiting"] == 1
    assert todo["orders_to_pay"] == 1  # mine needs no approval: I have no upline


def test_todo_lists_products_i_run_low_on_but_not_those_on_the_way(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    low, _ = orderable(name="面霜")
    coming, _ = orderable(name="精华")
    advanced(place(agent, (low, 2)), "pay", "pick", "ship", "receive")
    advanced(place(agent, (coming, 1)), "pay", "pick", "ship")
    with settings_changed(AGENT_LOW_STOCK_UNITS=2):
        low_stock = home(client, headers)["todo"]["low_stock"]
    assert low_stock == [{"product_id": low.id, "name": "面霜", "on_hand": 2}]


def test_home_is_for_agents_only(client, fake_wechat):
    from tests.factories import wechat_login

    headers, _ = wechat_login(client, fake_wechat)
    assert client.get("/api/mp/me/home", headers=headers).status_code in (403, 404)


def test_a_suspended_agent_still_sees_its_home_with_nothing_to_approve(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat, status="suspended")
    body = home(client, headers)
    assert body["agent"]["status"] == "suspended" and body["todo"]["approvals_waiting"] == 0
