"""Under real concurrency (threads, each with its own connection) cloud units never go below zero."""
import pytest

from app.cloud import service as cloud
from app.errors import Conflict
from tests.factories import (ADDRESS, cloud_units, goods_of, in_cloud, make_agent, make_level, orderable,
                             stock_of, unique, with_goods)
from tests.test_stock_concurrency import in_threads

pytestmark = [pytest.mark.committed, pytest.mark.mysql_only]


def checks_clean(app):
    runner = app.test_cli_runner()
    return [runner.invoke(args=[group, "check"]).exit_code for group in ("stock", "finance")] == [0, 0]


def outcome(call):
    try:
        call()
        return "ok"
    except Conflict as exc:
        return exc.code


def test_forty_downlines_buying_from_one_upline_at_once_take_exactly_its_units(app):
    from app.catalog import service as catalog
    top, low = make_level(rank=1), make_level(rank=2)
    upline = make_agent(level=top)
    downlines = [with_goods(100_000, agent=make_agent(level=low, upline=upline)) for _ in range(40)]
    product, _ = orderable(on_hand=100)
    for level, fen in ((top, 6000), (low, 9000)):
        catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=fen)
    in_cloud(upline, product, 25)
    outcomes = in_threads(40, lambda i: outcome(lambda: cloud.transfer_from_upline(
        downline=downlines[i], product_id=product.id, quantity=1, idempotency_key=unique("t-"))))
    assert outcomes.count("ok") == 25 and outcomes.count("insufficient_cloud_stock") == 15
    assert cloud_units(upline, product) == 0
    assert sum(cloud_units(d, product) for d in downlines) == 25
    assert goods_of(upline)[0] == 25 * 9000
    assert checks_clean(app)


def test_pickups_at_once_never_take_more_than_the_cloud_units(app):
    agent = with_goods(1_000_000)
    product, warehouse = orderable(on_hand=50)
    in_cloud(agent, product, 12)
    outcomes = in_threads(30, lambda i: outcome(lambda: cloud.request_pickup(
        agent=agent, idempotency_key=unique("p-"), items=[{"product_id": product.id, "quantity": 1}],
        consignee=ADDRESS)))
    assert outcomes.count("ok") == 12 and outcomes.count("insufficient_cloud_stock") == 18
    assert cloud_units(agent, product) == 0 and stock_of(product, warehouse) == (50, 12)
    assert checks_clean(app)


def test_a_pickup_and_transfers_racing_for_the_same_units_never_overdraw(app):
    from app.catalog import service as catalog
    top, low = make_level(rank=1), make_level(rank=2)
    upline = with_goods(1_000_000, agent=make_agent(level=top))
    downlines = [with_goods(100_000, agent=make_agent(level=low, upline=upline)) for _ in range(20)]
    product, _ = orderable(on_hand=100)
    for level, fen in ((top, 6000), (low, 9000)):
        catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=fen)
    in_cloud(upline, product, 10)

    def work(i):
        if i % 2:
            return outcome(lambda: cloud.request_pickup(agent=upline, idempotency_key=unique("p-"),
                                                        items=[{"product_id": product.id, "quantity": 1}],
                                                        consignee=ADDRESS))
        return outcome(lambda: cloud.transfer_from_upline(downline=downlines[i], product_id=product.id, quantity=1,
                                                          idempotency_key=unique("t-")))
    outcomes = in_threads(20, work)
    assert outcomes.count("ok") == 10 and cloud_units(upline, product) == 0
    assert checks_clean(app)


def test_the_same_transfer_sent_at_once_moves_once(app):
    from app.catalog import service as catalog
    top, low = make_level(rank=1), make_level(rank=2)
    upline = make_agent(level=top)
    downline = with_goods(100_000, agent=make_agent(level=low, upline=upline))
    product, _ = orderable(on_hand=100)
    for level, fen in ((top, 6000), (low, 9000)):
        catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=fen)
    in_cloud(upline, product, 10)
    outcomes = in_threads(8, lambda i: outcome(lambda: cloud.transfer_from_upline(
        downline=downline, product_id=product.id, quantity=1, idempotency_key="same")))
    assert outcomes == ["ok"] * 8
    assert cloud_units(downline, product) == 1 and goods_of(downline)[0] == 91_000
    assert checks_clean(app)
