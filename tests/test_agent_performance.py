"""The purchase and retail ledgers other domains feed, and the figures and rankings built on them."""
from datetime import timedelta

import pytest

from app.agents import service as agents
from app.clock import local_today, utcnow
from app.database import db
from app.errors import Conflict, InvalidInput
from tests.factories import (admin_headers, agent_headers, buy, make_admin, make_agent, make_chain, make_level,
                             outcomes_in_threads)


def test_recording_the_same_order_twice_counts_it_once():
    agent = make_agent()
    assert agents.record_purchase(order_id=501, agent_id=agent.id, amount_fen=10000, at=utcnow())
    assert not agents.record_purchase(order_id=501, agent_id=agent.id, amount_fen=10000, at=utcnow())
    assert agents.performance(agent.id)["own_purchase"] == 10000


def test_the_same_order_with_other_facts_is_a_conflict():
    agent = make_agent()
    agents.record_purchase(order_id=502, agent_id=agent.id, amount_fen=10000, at=utcnow())
    with pytest.raises(Conflict):
        agents.record_purchase(order_id=502, agent_id=agent.id, amount_fen=20000, at=utcnow())


@pytest.mark.parametrize("amount", [0, -5, 1.5, True])
def test_an_amount_must_be_a_positive_whole_number_of_fen(amount):
    with pytest.raises(InvalidInput):
        agents.record_purchase(order_id=503, agent_id=make_agent().id, amount_fen=amount, at=utcnow())


def test_a_refund_is_taken_off_the_purchase_once():
    agent = make_agent()
    order_id = buy(agent, 300)
    assert agents.reverse_purchase(order_id=order_id, amount_fen=10000)
    assert not agents.reverse_purchase(order_id=order_id, amount_fen=10000)
    assert agents.performance(agent.id)["own_purchase"] == 20000


def test_later_partial_refunds_add_up_to_their_running_total():
    agent = make_agent()
    order_id = buy(agent, 300)
    agents.reverse_purchase(order_id=order_id, amount_fen=10000)
    assert agents.reverse_purchase(order_id=order_id, amount_fen=25000)
    assert agents.performance(agent.id)["own_purchase"] == 5000
    assert agents.reverse_purchase(order_id=order_id)
    assert agents.performance(agent.id)["own_purchase"] == 0


def test_a_refund_cannot_exceed_the_purchase():
    order_id = buy(make_agent(), 100)
    with pytest.raises(InvalidInput):
        agents.reverse_purchase(order_id=order_id, amount_fen=10001)


def test_retail_sales_are_counted_once_per_sale():
    agent = make_agent()
    for _ in range(2):
        agents.record_retail_sale(sale_id=77, agent_id=agent.id, amount_fen=5000, at=utcnow())
    assert agents.performance(agent.id)["retail"] == 5000


def test_performance_counts_own_and_team_purchases_and_new_recruits():
    top, child, grandchild = make_chain(3)
    buy(top, 100), buy(child, 200), buy(grandchild, 300)
    figures = agents.performance(top.id)
    assert (figures["own_purchase"], figures["team_purchase"], figures["recruits"]) == (10000, 60000, 1)


def test_performance_covers_only_the_period_asked_for():
    agent = make_agent()
    buy(agent, 100, days_ago=40)
    today = local_today()
    assert agents.performance(agent.id, start=today - timedelta(days=7), end=today)["own_purchase"] == 0
    assert agents.performance(agent.id, start=today - timedelta(days=60), end=today)["own_purchase"] == 10000


def test_a_period_ending_before_it_starts_is_refused():
    today = local_today()
    with pytest.raises(InvalidInput):
        agents.performance(make_agent().id, start=today, end=today - timedelta(days=1))


def test_the_owner_ranks_agents_by_team_purchases(client):
    top, child = make_chain(2)
    loner = make_agent()
    buy(child, 500), buy(loner, 600)
    response = client.get("/admin/api/agents/ranking?metric=team_purchase",
                          headers=admin_headers(client, make_admin("finance")))
    rows = response.get_json()
    assert [(row["agent"]["id"], row["amount"]) for row in rows] == [
        (loner.id, "600.00"), (top.id, "500.00"), (child.id, "500.00")]


def test_ranking_by_recruits_gives_counts(client):
    top = make_agent()
    make_agent(upline=top), make_agent(upline=top)
    headers = admin_headers(client, make_admin())
    rows = client.get("/admin/api/agents/ranking?metric=recruits", headers=headers).get_json()
    assert rows[0]["agent"]["id"] == top.id and rows[0]["count"] == 2


def test_an_unknown_ranking_metric_is_a_422(client):
    response = client.get("/admin/api/agents/ranking?metric=beauty", headers=admin_headers(client, make_admin()))
    assert response.status_code == 422


def test_an_agent_sees_its_own_performance_in_yuan(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    buy(agent, 12.5)
    body = client.get("/api/mp/me/performance", headers=headers).get_json()
    assert (body["own_purchase"], body["team_purchase"]) == ("12.50", "12.50")


def test_a_level_that_may_not_see_team_figures_gets_no_team_purchases(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat, level=make_level(may_see_team=False))
    assert client.get("/api/mp/me/performance", headers=headers).get_json()["team_purchase"] is None


@pytest.mark.committed
def test_the_same_order_recorded_concurrently_is_counted_once(app):
    db.connect(reuse_if_open=True)
    agent = make_agent()
    db.close()
    assert outcomes_in_threads(lambda: agents.record_purchase(order_id=9001, agent_id=agent.id, amount_fen=100,
                                                              at=utcnow()), 6) == ["ok"] * 6
    db.connect(reuse_if_open=True)
    assert agents.performance(agent.id)["own_purchase"] == 100
    db.close()
