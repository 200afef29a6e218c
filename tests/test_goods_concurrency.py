"""Under real concurrency (threads with their own connections) a goods balance is never spent twice."""
from itertools import repeat

import pytest

from app.database import atomic_with_retry
from app.finance import service as finance
from app.finance.models import GoodsEntry
from tests.factories import goods_of, make_agent, outcomes_in_threads, with_goods

pytestmark = [pytest.mark.committed, pytest.mark.mysql_only]


def in_transaction(work, inputs):
    """Each thread takes its input once, then runs `work(input)` as a use case runs it: one transaction, retried
    when it loses a deadlock (or, on Galera, a certification) — the face's functions run inside the caller's
    transaction and leave the retry to it. The input is taken outside the retried work, so a retry repeats the
    same posting."""
    def run():
        item = next(inputs)
        atomic_with_retry(lambda: work(item))
    return run


def test_many_debits_at_once_never_take_the_balance_below_zero(app):
    agent = with_goods(50000)
    outcomes = outcomes_in_threads(in_transaction(lambda n: finance.debit_goods(
        agent_id=agent.id, amount_fen=10000, reason="order", reference=f"order:{n}"), iter(range(10))), 10)
    assert outcomes.count("ok") == 5 and outcomes.count("Conflict") == 5
    assert goods_of(agent) == (0, 0)
    assert finance.check_ledger() == []


def test_the_same_debit_at_once_in_many_threads_debits_once(app):
    agent = with_goods(50000)
    outcomes = outcomes_in_threads(in_transaction(lambda reference: finance.debit_goods(
        agent_id=agent.id, amount_fen=10000, reason="transfer", reference=reference), repeat("transfer:1")), 6)
    assert outcomes == ["ok"] * 6
    assert goods_of(agent) == (40000, 0)
    assert GoodsEntry.select().where(GoodsEntry.reference == "transfer:1").count() == 1
    assert finance.check_ledger() == []


def test_many_downlines_paying_one_upline_at_once_credit_it_fully(app):
    upline, buyers = make_agent(), [with_goods(3000) for _ in range(8)]

    def transfer(buyer):
        finance.debit_goods(agent_id=buyer.id, amount_fen=3000, reason="transfer", reference=f"t:{buyer.id}")
        finance.credit_goods(agent_id=upline.id, amount_fen=3000, reason="transfer", reference=f"t:{buyer.id}")
    assert outcomes_in_threads(in_transaction(transfer, iter(buyers)), 8) == ["ok"] * 8
    assert goods_of(upline) == (24000, 0)
    assert finance.check_ledger() == []


def test_many_orders_paid_at_once_from_one_balance_never_overdraw_it(app):
    from app.orders import payments
    from app.orders import service as orders
    from tests.factories import orderable, place

    agent = with_goods(50000)
    product, _ = orderable(100, on_hand=100)
    placed = iter([place(agent, (product, 1)) for _ in range(8)])
    outcomes = outcomes_in_threads(lambda: payments.pay_with_goods_balance(next(placed).id, agent=agent), 8)
    assert outcomes.count("ok") == 5 and outcomes.count("Conflict") == 3
    assert goods_of(agent) == (0, 0)
    paid = [o for o in orders.list_orders(buyer_agent_id=agent.id, per_page=20)[0] if o.status == "paid"]
    assert len(paid) == 5
    assert finance.check_ledger() == []


def test_a_goods_withdrawal_and_order_payments_at_once_never_overdraw(app):
    from app.orders import payments
    from tests.factories import orderable, place

    agent = with_goods(30000)
    product, _ = orderable(100, on_hand=100)
    placed = iter([place(agent, (product, 1)) for _ in range(4)])
    calls = iter([lambda: finance.request_withdrawal(agent_id=agent.id, amount_fen=10000, source="goods")]
                 + [lambda: payments.pay_with_goods_balance(next(placed).id, agent=agent)] * 4)
    outcomes = outcomes_in_threads(lambda: next(calls)(), 5)
    assert outcomes.count("ok") == 3
    balance, held = goods_of(agent)
    assert balance == 0 and held in (0, 10000)
    assert finance.check_ledger() == []
