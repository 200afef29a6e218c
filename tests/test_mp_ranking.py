"""An agent sees how its team ranks by own purchases this month, and where it stands itself."""
from tests.factories import agent_headers, buy, make_agent


def ranking(client, headers, **query):
    response = client.get("/api/mp/me/ranking", headers=headers, query_string=query)
    assert response.status_code == 200
    return response.get_json()


def test_my_team_ranks_by_own_purchases_and_i_see_my_place(client, fake_wechat):
    headers, me = agent_headers(client, fake_wechat)
    first = make_agent(upline=me, level=me.level)
    deeper = make_agent(upline=first, level=me.level)
    outsider = make_agent(level=me.level)
    buy(first, 500)
    buy(deeper, 800)
    buy(me, 300)
    buy(outsider, 9000)
    body = ranking(client, headers, period="month")
    assert [(row["rank"], row["agent_id"], row["amount"]) for row in body["items"]] == [
        (1, deeper.id, "800.00"), (2, first.id, "500.00"), (3, me.id, "300.00")]
    assert body["mine"] == {"rank": 3, "amount": "300.00"}


def test_without_purchases_i_rank_after_everyone_who_bought(client, fake_wechat):
    headers, me = agent_headers(client, fake_wechat)
    buy(make_agent(upline=me, level=me.level), 100)
    assert ranking(client, headers)["mine"] == {"rank": 2, "amount": "0.00"}


def test_purchases_before_the_period_do_not_count(client, fake_wechat):
    headers, me = agent_headers(client, fake_wechat)
    buy(me, 100, days_ago=40)
    assert ranking(client, headers)["items"] == []


def test_an_unknown_period_is_422(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    assert client.get("/api/mp/me/ranking?period=year", headers=headers).status_code == 422
