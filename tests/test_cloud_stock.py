"""Cloud stock (云仓): buying into it, 转货 from the upline, 提货, and the ledger check."""
import pytest

from app.cloud import service as cloud
from app.cloud.models import CloudMove
from app.errors import Conflict, InvalidInput, NotFound
from app.finance import service as finance
from app.inventory import service as inventory
from tests.factories import (ADDRESS, cloud_units, goods_of, in_cloud, make_agent, make_level, orderable, place,
                             paid, stock_of, unique, with_goods)


def stock_check(app):
    return app.test_cli_runner().invoke(args=["stock", "check"])


def upline_and_downline(money_fen=1_000_000):
    """An upline and its downline (with `money_fen` in its goods balance), at two levels."""
    top, low = make_level(rank=1), make_level(rank=2)
    upline = make_agent(level=top)
    return upline, with_goods(money_fen, agent=make_agent(level=low, upline=upline))


def upline_holding(units, money_fen=1_000_000):
    """An upline holding `units` of a product in cloud stock (its price 60, its downline's 90) and its downline
    (with `money_fen` of goods money): (upline, downline, product, warehouse)."""
    upline, downline = upline_and_downline(money_fen)
    product, warehouse = priced({upline.level: 60, downline.level: 90})
    in_cloud(upline, product, units)
    return upline, downline, product, warehouse


def priced(prices, on_hand=100):
    """A product stocked `on_hand` with a price per level ({level: yuan})."""
    from app.catalog import service as catalog

    product, warehouse = orderable(on_hand=on_hand)
    for level, yuan in prices.items():
        catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=yuan * 100)
    return product, warehouse


def transfer(downline, product, quantity, key=None, **extra):
    return cloud.transfer_from_upline(downline=downline, product_id=product.id, quantity=quantity,
                                      idempotency_key=key or unique("t-"), **extra)


# Buying into cloud stock

def test_a_paid_cloud_order_is_stored_and_its_units_held_for_the_buyer(app):
    agent = make_agent()
    product, warehouse = orderable(on_hand=30)
    order = in_cloud(agent, product, 12)
    assert order.status == "stored" and order.to_cloud and order.shipping_fen == 0
    assert cloud_units(agent, product, warehouse) == 12
    assert stock_of(product, warehouse) == (30, 12)
    assert stock_check(app).exit_code == 0


def test_a_cloud_order_is_settled_like_any_order(app):
    agent = make_agent()
    product, _ = orderable(price_yuan=80)
    order = in_cloud(agent, product, 3)
    settlement = finance.get_settlement(order.id)
    assert settlement.status == "completed" and order.total_fen == 24000


def test_cloud_units_are_not_available_to_other_orders(app):
    buyer, other = make_agent(), make_agent()
    product, warehouse = orderable(on_hand=10)
    in_cloud(buyer, product, 8)
    assert inventory.available_by_product([product.id])[product.id] == 2
    order = paid(place(other, (product, 5)))
    assert order.warehouse_id is None      # stock short: it waits for stock
    assert cloud_units(buyer, product) == 8


def test_a_cloud_order_needs_no_address_and_is_never_picked(app):
    agent = make_agent()
    product, _ = orderable()
    order = in_cloud(agent, product, 1)
    from app.orders import service as orders
    with pytest.raises(Conflict) as caught:
        orders.pick(order.id, actor="admin:1")
    assert caught.value.code == "illegal_transition"


def test_a_cloud_order_paid_while_stock_is_short_is_stored_by_staff_once_stock_came(app):
    from app.orders import service as orders
    agent = make_agent()
    product, warehouse = orderable(on_hand=2)
    order = in_cloud(agent, product, 5)
    assert order.status == "paid" and cloud_units(agent, product) == 0
    with pytest.raises(Conflict):
        orders.store(order.id, actor="admin:1")
    inventory.receive(warehouse_id=warehouse.id, lines=[{"product_id": product.id, "quantity": 10}])
    orders.store(order.id, actor="admin:1")
    assert orders.get_order(order.id).status == "stored" and cloud_units(agent, product) == 5
    assert stock_check(app).exit_code == 0


# 转货

def test_a_downline_buys_from_its_uplines_cloud_stock_at_its_own_price(app):
    upline, downline, product, warehouse = upline_holding(10)
    result = transfer(downline, product, 4)
    assert (result.transfer.unit_price_fen, result.transfer.amount_fen) == (9000, 36000)
    assert cloud_units(upline, product) == 6 and cloud_units(downline, product) == 4
    assert stock_of(product, warehouse) == (100, 10)
    assert stock_check(app).exit_code == 0


def test_a_transfer_pays_the_upline_from_the_downlines_goods_balance(app):
    upline, downline, product, _ = upline_holding(10, money_fen=50_000)
    transfer(downline, product, 4)
    assert goods_of(downline)[0] == 14_000 and goods_of(upline)[0] == 36_000
    assert app.test_cli_runner().invoke(args=["finance", "check"]).exit_code == 0


def test_a_downline_short_of_goods_money_is_409_and_no_unit_moves(app):
    upline, downline, product, _ = upline_holding(10, money_fen=10_000)
    with pytest.raises(Conflict) as caught:
        transfer(downline, product, 2)
    assert caught.value.code == "insufficient_goods_balance"
    assert cloud_units(upline, product) == 10 and cloud_units(downline, product) == 0
    assert goods_of(upline)[0] == 0 and goods_of(downline)[0] == 10_000


def test_an_upline_without_enough_units_is_409_and_nothing_moves(app):
    upline, downline, product, _ = upline_holding(3)
    with pytest.raises(Conflict) as caught:
        transfer(downline, product, 4)
    assert caught.value.code == "insufficient_cloud_stock"
    assert cloud_units(upline, product) == 3 and cloud_units(downline, product) == 0
    assert not CloudMove.select().where(CloudMove.reason == "transfer_in").exists()
    assert goods_of(downline)[0] == 1_000_000 and goods_of(upline)[0] == 0


def test_an_upline_with_no_units_at_all_is_409(app):
    upline, downline = upline_and_downline()
    product, _ = priced({upline.level: 60, downline.level: 90})
    with pytest.raises(Conflict) as caught:
        transfer(downline, product, 1)
    assert caught.value.code == "insufficient_cloud_stock"


def test_a_retried_transfer_moves_units_once(app):
    upline, downline, product, _ = upline_holding(10)
    first = transfer(downline, product, 2, key="same")
    again = transfer(downline, product, 2, key="same")
    assert again.repeated and again.transfer.id == first.transfer.id
    assert cloud_units(downline, product) == 2


def test_a_retried_transfer_is_answered_even_when_the_upline_has_no_units_left(app):
    upline, downline, product, _ = upline_holding(2)
    first = transfer(downline, product, 2, key="same")
    again = transfer(downline, product, 2, key="same")
    assert again.repeated and again.transfer.id == first.transfer.id


def test_the_same_transfer_key_with_another_quantity_is_409(app):
    upline, downline, product, _ = upline_holding(10)
    transfer(downline, product, 2, key="same")
    with pytest.raises(Conflict) as caught:
        transfer(downline, product, 3, key="same")
    assert caught.value.code == "idempotency_key_reused"


def test_an_agent_without_upline_cannot_transfer(app):
    agent = make_agent()
    product, _ = orderable()
    with pytest.raises(Conflict) as caught:
        transfer(agent, product, 1)
    assert caught.value.code == "no_upline"


def test_a_suspended_upline_does_not_sell(app):
    from app.agents.models import Agent
    upline, downline, product, _ = upline_holding(5)
    Agent.update(status="suspended").where(Agent.id == upline.id).execute()
    with pytest.raises(Conflict) as caught:
        transfer(downline, product, 1)
    assert caught.value.code == "upline_unavailable"


def test_an_upline_whose_term_has_passed_does_not_sell_before_the_nightly_job_marks_it(app):
    from datetime import timedelta
    from app.agents.models import Agent
    from app.clock import local_today
    upline, downline, product, _ = upline_holding(5)
    Agent.update(term_end=local_today() - timedelta(days=1)).where(Agent.id == upline.id).execute()
    with pytest.raises(Conflict) as caught:
        transfer(downline, product, 1)
    assert caught.value.code == "upline_unavailable" and cloud_units(upline, product) == 5


def test_an_upline_within_its_term_sells(app):
    from datetime import timedelta
    from app.agents.models import Agent
    from app.clock import local_today
    upline, downline, product, _ = upline_holding(5)
    Agent.update(term_end=local_today() + timedelta(days=1)).where(Agent.id == upline.id).execute()
    transfer(downline, product, 1)
    assert cloud_units(upline, product) == 4


def test_transfers_pay_no_commission(app):
    from tests.factories import earned, make_rules
    make_rules(level_difference={}, same_level={"rates_bp": [300]})
    upline, downline, product, _ = upline_holding(10)
    before = earned(upline)
    transfer(downline, product, 2)
    assert earned(upline) == before


def test_transfers_pay_commission_when_the_rules_say_so(app):
    from app.finance.models import CommissionLine
    from tests.factories import earned, make_rules
    make_rules(level_difference={}, cloud_transfers={})
    top = make_agent(level=make_level(rank=1))
    upline = make_agent(level=make_level(rank=2), upline=top)
    downline = with_goods(1_000_000, agent=make_agent(level=make_level(rank=3), upline=upline))
    product, _ = priced({top.level: 50, upline.level: 60, downline.level: 90})
    in_cloud(upline, product, 10)
    before = earned(top).get("level_difference", 0)
    done = transfer(downline, product, 2)
    lines = CommissionLine.select().where(CommissionLine.key.startswith(f"transfer:{done.transfer.id}:"))
    assert {(line.agent_id, line.amount_fen, line.status) for line in lines} == {(upline.id, 6000, "available"),
                                                                                  (top.id, 2000, "available")}
    assert earned(top)["level_difference"] - before == 2000
    assert app.test_cli_runner().invoke(args=["finance", "check"]).exit_code == 0


@pytest.mark.parametrize("quantity", [0, -1, 10000, True, "2", 1.5])
def test_an_odd_transfer_quantity_is_refused(app, quantity):
    upline, downline = upline_and_downline()
    product, _ = priced({upline.level: 60, downline.level: 90})
    with pytest.raises(InvalidInput):
        transfer(downline, product, quantity)


def test_units_of_the_transfer_keep_moving_down(app):
    top = make_agent(level=make_level(rank=1))
    middle = with_goods(1_000_000, agent=make_agent(level=make_level(rank=2), upline=top))
    bottom = with_goods(1_000_000, agent=make_agent(level=make_level(rank=3), upline=middle))
    product, _ = priced({top.level: 50, middle.level: 70, bottom.level: 90})
    in_cloud(top, product, 10)
    transfer(middle, product, 6)
    transfer(bottom, product, 4)
    assert [cloud_units(a, product) for a in (top, middle, bottom)] == [4, 2, 4]
    assert stock_check(app).exit_code == 0


# Reversing a 转货 (the brand, with a reason)

def reverse(done, reason="下错单"):
    return cloud.reverse_transfer(done.transfer.id, actor="admin:1", reason=reason)


def test_a_reversed_transfer_gives_the_units_back_to_the_upline_and_the_money_to_the_downline(app):
    upline, downline, product, _ = upline_holding(10, money_fen=50_000)
    reversed_ = reverse(transfer(downline, product, 4), reason="下级拍错数量")
    assert reversed_.reversed_at is not None and reversed_.reversal_reason == "下级拍错数量"
    assert cloud_units(upline, product) == 10 and cloud_units(downline, product) == 0
    assert goods_of(downline)[0] == 50_000 and goods_of(upline)[0] == 0
    runner = app.test_cli_runner()
    assert [runner.invoke(args=[group, "check"]).exit_code for group in ("stock", "finance")] == [0, 0]


def test_a_reversal_is_recorded_in_the_moves_and_the_goods_entries_with_its_reason(app):
    from app.finance import service as finance
    upline, downline, product, _ = upline_holding(10)
    done = transfer(downline, product, 4)
    reverse(done, reason="下级拍错数量")
    moves = CloudMove.select().where(CloudMove.reference == f"transfer:{done.transfer.id}", CloudMove.reason == "reversal")
    assert sorted((m.agent_id, m.delta) for m in moves) == sorted([(upline.id, 4), (downline.id, -4)])
    [entry, *_] = finance.goods_ledger(agent_id=downline.id)[0]
    assert (entry.reason, entry.amount_fen, entry.memo) == ("in:reversal", 36_000, "转货撤销：下级拍错数量")


def test_a_transfer_is_reversed_once_only(app):
    upline, downline, product, _ = upline_holding(10)
    done = transfer(downline, product, 4)
    reverse(done)
    with pytest.raises(Conflict) as caught:
        reverse(done)
    assert caught.value.code == "transfer_already_reversed"
    assert cloud_units(upline, product) == 10 and goods_of(downline)[0] == 1_000_000


REVERSED_TEMPLATE = {"cloud_transfer_reversed": {"official": {"template_id": "TPL-REVERSED", "fields": {
    "thing1": "{product}", "thing2": "{other}", "thing3": "{result}"}}}}


def test_a_reversal_tells_the_downline_and_the_upline_once_each_even_when_asked_again(fake_wechat):
    import json
    from datetime import timedelta

    from app.clock import utcnow
    from app.notify import sender
    from tests.factories import make_binding, settings_changed
    upline, downline, product, _ = upline_holding(10)
    openids = {agent.id: make_binding(f"agent:{agent.id}").openid for agent in (upline, downline)}
    done = transfer(downline, product, 4)
    with settings_changed(NOTIFY_TEMPLATES=json.dumps(REVERSED_TEMPLATE)):
        reverse(done)
        with pytest.raises(Conflict):
            reverse(done)
        sender.drain_outbox()
        sender.drain_outbox(now=utcnow() + timedelta(hours=2))
    sent = {body["touser"]: body["data"] for body in fake_wechat.delivered("/cgi-bin/message/template/send")
            if body["template_id"] == "TPL-REVERSED"}
    assert len(fake_wechat.delivered("/cgi-bin/message/template/send")) == 2
    assert sent[openids[downline.id]]["thing2"]["value"] == upline.name
    assert sent[openids[downline.id]]["thing3"]["value"] == "货款已退回您的货款余额"
    assert sent[openids[upline.id]]["thing2"]["value"] == downline.name
    assert sent[openids[upline.id]]["thing1"]["value"] == product.name


def test_a_refused_reversal_tells_nobody(app):
    from app.notify import service as notify
    upline, downline, product, _ = upline_holding(10)
    done = transfer(downline, product, 4)
    pickup(downline, product, 3)
    with pytest.raises(Conflict):
        reverse(done)
    assert notify.queued("cloud_transfer_reversed") == []


def test_a_transfer_whose_units_the_downline_moved_on_cannot_be_reversed(app):
    upline, downline, product, _ = upline_holding(10)
    done = transfer(downline, product, 4)
    pickup(downline, product, 3)
    with pytest.raises(Conflict) as caught:
        reverse(done)
    assert caught.value.code == "transfer_units_moved"
    assert cloud_units(downline, product) == 1 and cloud_units(upline, product) == 6
    assert cloud.list_transfers()[0][0].reversed_at is None


def test_a_transfer_the_uplines_goods_balance_cannot_cover_is_not_reversed(app):
    from app.finance import service as finance
    upline, downline, product, _ = upline_holding(10)
    done = transfer(downline, product, 4)
    finance.debit_goods(agent_id=upline.id, amount_fen=30_000, reason="adjustment", reference="spent")
    with pytest.raises(Conflict) as caught:
        reverse(done)
    assert caught.value.code == "insufficient_goods_balance" and "上级" in caught.value.message
    assert cloud_units(downline, product) == 4 and goods_of(upline)[0] == 6_000


def rows_written(work):
    """[(table, agent id)] of the goods-balance and cloud-stock rows `work()` writes, in the order written (the
    order their locks are taken)."""
    import re
    from app.cloud.models import CloudStock
    from app.database import db
    # Where each statement on those rows carries its agent id (or, by its id, the cloud row) among its values.
    agent_at = ((r"UPDATE\W+goods_balance", "goods_balance", 2), (r"INSERT INTO\W+goods_balance", "goods_balance", 0),
                (r"UPDATE cloud_stock .* WHERE id = ", "cloud_stock row", -1), (r"UPDATE cloud_stock", "cloud_stock", 3),
                (r"INSERT INTO cloud_stock", "cloud_stock", 0))
    written = []

    def hook(event):
        for pattern, table, index in agent_at:
            if re.match(pattern, event.sql):
                written.append((table, event.params[index]))
                return

    db.obj.query_hooks.append(hook)
    try:
        work()
    finally:
        db.obj.query_hooks.remove(hook)
    return [("cloud_stock", CloudStock.get_by_id(value).agent_id) if table == "cloud_stock row" else (table, value)
            for table, value in written]


def test_a_reversal_takes_the_money_rows_in_the_order_a_transfer_takes_them_and_the_cloud_rows_after(app):
    upline, downline, product, _ = upline_holding(10)
    transfer(downline, product, 1)
    taken = rows_written(lambda: transfer(downline, product, 4))
    done = cloud.list_transfers()[0][0]
    undone = rows_written(lambda: cloud.reverse_transfer(done.id, actor="admin:1", reason="下错单"))
    money_first = [("goods_balance", downline.id), ("goods_balance", upline.id)]
    cloud_rows = {("cloud_stock", downline.id), ("cloud_stock", upline.id)}
    assert taken[:2] == undone[:2] == money_first and set(taken[2:]) == set(undone[2:]) == cloud_rows


def test_a_middle_agent_buying_and_selling_takes_its_money_row_before_its_cloud_row_both_ways(app):
    _, middle, product, _ = upline_holding(10)
    below = with_goods(1_000_000, agent=make_agent(level=middle.level, upline=middle))
    transfer(middle, product, 2)
    bought = rows_written(lambda: transfer(middle, product, 1))
    sold = rows_written(lambda: transfer(below, product, 1))
    for written in (bought, sold):
        assert written.index(("goods_balance", middle.id)) < written.index(("cloud_stock", middle.id))


def test_a_reversal_needs_a_reason(app):
    upline, downline, product, _ = upline_holding(10)
    done = transfer(downline, product, 4)
    with pytest.raises(InvalidInput) as caught:
        reverse(done, reason="  ")
    assert caught.value.fields == {"reason": "请填写撤销原因（不超过255个字符）"}


def test_reversing_an_unknown_transfer_is_404(app):
    with pytest.raises(NotFound):
        cloud.reverse_transfer(999_999, actor="admin:1", reason="错")


def test_transfers_are_listed_by_product_and_day(app):
    from datetime import timedelta

    from app.clock import local_today
    upline, downline, product, _ = upline_holding(10)
    other, _ = priced({upline.level: 60, downline.level: 90})
    in_cloud(upline, other, 5)
    done = transfer(downline, product, 1)
    transfer(downline, other, 1)
    today = local_today()
    assert [t.id for t in cloud.list_transfers(product_id=product.id)[0]] == [done.transfer.id]
    assert cloud.list_transfers(date_from=today, date_to=today)[1] == 2
    assert cloud.list_transfers(date_from=today + timedelta(days=1))[1] == 0


# 提货

def pickup(agent, product, quantity, key=None, **extra):
    return cloud.request_pickup(agent=agent, idempotency_key=key or unique("p-"),
                                items=[{"product_id": product.id, "quantity": quantity}],
                                consignee=extra.pop("consignee", ADDRESS), **extra)


def test_a_pickup_takes_cloud_units_into_a_reservation(app):
    agent = make_agent()
    product, warehouse = orderable(on_hand=20)
    in_cloud(agent, product, 10)
    taken, repeated = pickup(agent, product, 4)
    assert not repeated and taken.status == "waiting" and taken.units == 4
    assert cloud_units(agent, product) == 6
    assert stock_of(product, warehouse) == (20, 10)
    assert stock_check(app).exit_code == 0


def test_a_shipped_pickup_leaves_the_warehouse(app):
    agent = make_agent()
    product, warehouse = orderable(on_hand=20)
    in_cloud(agent, product, 10)
    taken, _ = pickup(agent, product, 4)
    cloud.pick_pickup(taken.id, actor="admin:1")
    shipped = cloud.ship_pickup(taken.id, actor="admin:1", carrier="顺丰", tracking_no="SF1")
    assert shipped.status == "shipped"
    assert stock_of(product, warehouse) == (16, 6)
    assert stock_check(app).exit_code == 0


def test_a_pickup_beyond_the_cloud_units_is_409_and_nothing_moves(app):
    agent = make_agent()
    product, warehouse = orderable(on_hand=20)
    in_cloud(agent, product, 3)
    with pytest.raises(Conflict) as caught:
        pickup(agent, product, 4)
    assert caught.value.code == "insufficient_cloud_stock"
    assert cloud_units(agent, product) == 3 and stock_of(product, warehouse) == (20, 3)


def test_a_pickup_short_of_several_products_names_each_and_its_shortfall(app):
    agent = make_agent()
    product, warehouse = orderable(on_hand=20)
    other, _ = orderable(on_hand=20, warehouse=warehouse)
    in_cloud(agent, product, 3)
    in_cloud(agent, other, 1)
    with pytest.raises(Conflict) as caught:
        cloud.request_pickup(agent=agent, idempotency_key=unique("p-"), consignee=ADDRESS,
                             items=[{"product_id": product.id, "quantity": 4}, {"product_id": other.id, "quantity": 5}])
    assert caught.value.code == "insufficient_cloud_stock"
    assert f"「{product.name}」可用 3{product.unit}，需要 4{product.unit}（缺 1{product.unit}）" in caught.value.message
    assert f"「{other.name}」可用 1{other.unit}，需要 5{other.unit}（缺 4{other.unit}）" in caught.value.message
    assert cloud_units(agent, product) == 3 and cloud_units(agent, other) == 1


def test_a_cancelled_pickup_gives_its_units_back_to_cloud_stock(app):
    agent = make_agent()
    product, warehouse = orderable(on_hand=20)
    in_cloud(agent, product, 10)
    taken, _ = pickup(agent, product, 4)
    cloud.cancel_pickup(taken.id, actor=f"agent:{agent.id}", agent=agent)
    assert cloud_units(agent, product) == 10 and stock_of(product, warehouse) == (20, 10)
    assert stock_check(app).exit_code == 0


def test_a_shipped_pickup_cannot_be_cancelled(app):
    agent = make_agent()
    product, _ = orderable(on_hand=20)
    in_cloud(agent, product, 10)
    taken, _ = pickup(agent, product, 4)
    cloud.pick_pickup(taken.id, actor="admin:1")
    cloud.ship_pickup(taken.id, actor="admin:1", carrier="顺丰", tracking_no="SF1")
    with pytest.raises(Conflict):
        cloud.cancel_pickup(taken.id, actor="admin:1")


def test_a_retried_pickup_takes_units_once(app):
    agent = make_agent()
    product, _ = orderable(on_hand=20)
    in_cloud(agent, product, 10)
    first, _ = pickup(agent, product, 4, key="k")
    again, repeated = pickup(agent, product, 4, key="k")
    assert repeated and again.id == first.id and cloud_units(agent, product) == 6


def test_a_pickup_pays_its_shipping_by_the_templates_from_the_goods_balance(app):
    from app.orders import rules
    rules.put_shipping_template(province="", first_unit_fen=1000, additional_unit_fen=200)
    agent = with_goods(5000)
    product, _ = orderable(on_hand=20)
    in_cloud(agent, product, 10)
    taken, _ = pickup(agent, product, 3)
    assert taken.shipping_fen == 1400 and goods_of(agent)[0] == 3600


def test_a_pickup_without_the_money_for_its_shipping_is_409_and_keeps_the_units(app):
    from app.orders import rules
    rules.put_shipping_template(province="", first_unit_fen=1000)
    agent = with_goods(500)
    product, _ = orderable(on_hand=20)
    in_cloud(agent, product, 10)
    with pytest.raises(Conflict) as caught:
        pickup(agent, product, 3)
    assert caught.value.code == "insufficient_goods_balance" and cloud_units(agent, product) == 10


def test_a_pickup_short_of_shipping_money_says_what_a_top_up_must_bring(app):
    from app.orders import rules
    rules.put_shipping_template(province="", first_unit_fen=1000)
    agent = with_goods(300)
    product, _ = orderable(on_hand=20)
    in_cloud(agent, product, 10)
    with pytest.raises(Conflict) as caught:
        pickup(agent, product, 3)
    assert caught.value.fields == {"shortfall": "7.00"}


def test_a_pickup_refused_for_its_shipping_goes_through_with_the_same_key_once_topped_up(app):
    from app.orders import rules
    rules.put_shipping_template(province="", first_unit_fen=1000)
    agent = with_goods(300)
    product, _ = orderable(on_hand=20)
    in_cloud(agent, product, 10)
    with pytest.raises(Conflict):
        pickup(agent, product, 3, key="p-1")
    with_goods(700, agent=agent)     # the shortfall, paid by WeChat Pay from the pickup page
    taken, repeated = pickup(agent, product, 3, key="p-1")
    assert not repeated and taken.shipping_fen == 1000 and goods_of(agent)[0] == 0 and cloud_units(agent, product) == 7


def test_a_cancelled_pickup_returns_its_shipping(app):
    from app.orders import rules
    rules.put_shipping_template(province="", first_unit_fen=1000)
    agent = with_goods(5000)
    product, _ = orderable(on_hand=20)
    in_cloud(agent, product, 10)
    taken, _ = pickup(agent, product, 3)
    cloud.cancel_pickup(taken.id, actor="admin:1")
    assert goods_of(agent)[0] == 5000
    assert app.test_cli_runner().invoke(args=["finance", "check"]).exit_code == 0


def test_another_agents_pickup_is_not_found(app):
    agent, other = make_agent(), make_agent()
    product, _ = orderable(on_hand=20)
    in_cloud(agent, product, 10)
    taken, _ = pickup(agent, product, 1)
    with pytest.raises(NotFound):
        cloud.cancel_pickup(taken.id, actor=f"agent:{other.id}", agent=other)


def test_pickup_codes_are_bound_to_the_agent_at_packing(app):
    from app.codes.models import Code
    from tests.factories import codes_of, make_batch
    agent = make_agent()
    product, _ = orderable(on_hand=20)
    in_cloud(agent, product, 10)
    batch = make_batch(2, product=product)
    taken, _ = pickup(agent, product, 2)
    cloud.pick_pickup(taken.id, actor="admin:1")
    cloud.ship_pickup(taken.id, actor="admin:1", carrier="顺丰", tracking_no="SF1", codes_scanned=codes_of(batch))
    assert {row.agent_id for row in Code.select().where(Code.batch == batch.id)} == {agent.id}


# The check

def test_the_check_finds_a_cloud_row_that_differs_from_its_moves(app):
    from app.cloud.models import CloudStock
    agent = make_agent()
    product, _ = orderable(on_hand=20)
    in_cloud(agent, product, 5)
    CloudStock.update(units=CloudStock.units + 1).where(CloudStock.agent == agent.id).execute()
    result = stock_check(app)
    assert result.exit_code == 1 and "cloud row" in result.output


# Views

def test_the_owner_sees_holdings_by_age(app):
    from datetime import timedelta
    from app.clock import utcnow
    from app.cloud.models import CloudStock
    agent = make_agent()
    product, _ = orderable(on_hand=20)
    in_cloud(agent, product, 5)
    CloudStock.update(held_since=utcnow() - timedelta(days=95)).where(CloudStock.agent == agent.id).execute()
    rows, total = cloud.list_holdings(held_months=3)
    assert total == 1 and rows[0].held_months == 3 and rows[0].units == 5
    assert cloud.list_holdings(held_months=4)[1] == 0


def test_the_downline_sees_what_its_upline_holds_at_its_own_price(app):
    upline, downline, product, _ = upline_holding(7)
    offers = cloud.upline_offers(downline)
    assert [(o.product_id, o.price_fen, o.available) for o in offers] == [(product.id, 9000, 7)]


# Refunds of stored cloud orders

def test_a_stored_cloud_order_refunded_whole_gives_its_units_back_to_free_stock(app):
    from app.orders import refunds, service as orders
    agent = make_agent()
    product, warehouse = orderable(on_hand=30)
    order = in_cloud(agent, product, 5)
    refunds.refund(order.id, actor="admin:1", reason="代理退货")
    assert orders.get_order(order.id).status == "refunded"
    assert cloud_units(agent, product) == 0 and stock_of(product, warehouse) == (30, 0)
    assert stock_check(app).exit_code == 0
    assert app.test_cli_runner().invoke(args=["finance", "check"]).exit_code == 0


def test_a_stored_cloud_order_may_be_refunded_in_part(app):
    from app.orders import refunds, service as orders
    agent = make_agent()
    product, warehouse = orderable(on_hand=30)
    order = in_cloud(agent, product, 5)
    refunds.refund(order.id, actor="admin:1", reason="部分退", lines=[{"product_id": product.id, "quantity": 2}])
    assert orders.get_order(order.id).status == "stored"
    assert cloud_units(agent, product) == 3 and stock_of(product, warehouse) == (30, 3)
    assert stock_check(app).exit_code == 0


def test_units_transferred_away_cannot_be_refunded(app):
    from app.orders import refunds
    upline, downline = upline_and_downline()
    product, _ = priced({upline.level: 60, downline.level: 90})
    order = in_cloud(upline, product, 5)
    transfer(downline, product, 4)
    with pytest.raises(Conflict) as caught:
        refunds.refund(order.id, actor="admin:1", reason="退款")
    assert caught.value.code == "cloud_units_moved"
    assert cloud_units(upline, product) == 1 and stock_check(app).exit_code == 0


def test_an_agent_without_a_region_may_buy_into_cloud_stock(app):
    agent = make_agent(province="", city="")
    product, warehouse = orderable(on_hand=30)
    order = in_cloud(agent, product, 2)
    assert order.status == "stored" and cloud_units(agent, product, warehouse) == 2


def test_units_stored_in_cloud_stock_are_not_in_the_agents_own_stock(app):
    from app.orders import holdings
    agent = make_agent()
    product, _ = orderable(on_hand=30)
    in_cloud(agent, product, 4)
    assert holdings.agent_holdings(agent.id) == []


def test_cloud_units_shipped_to_the_agent_itself_are_in_its_own_stock(app):
    from app.orders import holdings
    agent = make_agent()
    product, _ = orderable(on_hand=30)
    in_cloud(agent, product, 4)
    taken, _ = pickup(agent, product, 3, consignee={"address": "科技园路1号"})
    cloud.pick_pickup(taken.id, actor="admin:1")
    cloud.ship_pickup(taken.id, actor="admin:1", carrier="顺丰", tracking_no="SF1")
    [holding] = holdings.agent_holdings(agent.id)
    assert (holding.product_id, holding.received, holding.on_hand) == (product.id, 3, 3)


def test_cloud_units_shipped_to_a_customer_are_not_in_the_agents_own_stock(app):
    from app.orders import holdings
    agent = make_agent()
    product, _ = orderable(on_hand=30)
    in_cloud(agent, product, 4)
    taken, _ = pickup(agent, product, 3, consignee={"name": "王女士", "phone": "13912345678", "address": "天河路1号",
                                                  "province": "广东省", "city": "广州市"})
    cloud.pick_pickup(taken.id, actor="admin:1")
    cloud.ship_pickup(taken.id, actor="admin:1", carrier="顺丰", tracking_no="SF1")
    assert holdings.agent_holdings(agent.id) == []
