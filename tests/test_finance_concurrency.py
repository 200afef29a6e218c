"""Under real concurrency (threads with their own connections, real HTTP) a balance is never spent twice."""
import threading
import time

import pytest
import requests

from app.database import atomic_with_retry, db
from app.finance import service as finance
from app.finance.models import Withdrawal
from tests.factories import (agent_headers, balance_of, make_agent, make_level, make_rules, outcomes_in_threads,
                             paid_order, priced_product, with_available)

pytestmark = pytest.mark.committed


def test_two_withdrawals_at_once_against_a_balance_that_covers_one(app):
    agent = with_available(30000)
    outcomes = outcomes_in_threads(lambda: finance.request_withdrawal(agent_id=agent.id, amount_fen=20000), 2)
    assert outcomes == ["Conflict", "ok"]
    assert balance_of(agent) == (0, 10000, 20000, 0)
    assert Withdrawal.select().count() == 1
    assert finance.check_ledger() == []


def test_many_withdrawals_at_once_never_overdraw(app):
    agent = with_available(50000)
    outcomes = outcomes_in_threads(lambda: finance.request_withdrawal(agent_id=agent.id, amount_fen=10000), 8)
    assert outcomes.count("ok") == 5
    assert balance_of(agent) == (0, 0, 50000, 0)
    assert finance.check_ledger() == []


def test_the_same_order_settled_at_once_in_two_threads_pays_once(app):
    upper, lower = make_level(), make_level()
    product = priced_product({upper: 8000, lower: 10000})
    make_rules(level_difference={})
    regional = make_agent(level=upper)
    paid = paid_order(make_agent(level=lower, upline=regional), [(product, 1, 10000)])
    assert outcomes_in_threads(lambda: finance.settle_paid_order(paid), 2) == ["ok", "ok"]
    assert balance_of(regional) == (2000, 0, 0, 0)
    assert finance.check_ledger() == []


def test_a_new_agents_two_orders_settling_at_once_pay_the_first_order_referral_once(app):
    upper, lower = make_level(), make_level()
    product = priced_product({upper: 8000, lower: 10000})
    make_rules(referral={"kind": "fixed", "amount_fen": 3000, "scope": "first_order"})
    recruiter = make_agent(level=upper)
    recruit = make_agent(level=lower, upline=recruiter)
    first, second = (paid_order(recruit, [(product, 1, 10000)]) for _ in range(2))
    first_settled, errors = threading.Event(), []

    def in_a_transaction(work):  # as confirming a payment runs it: retried when a cluster's node refuses the commit
        db.connect(reuse_if_open=True)
        try:
            atomic_with_retry(work)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            db.close()

    def settle_first():  # as a payment callback: settled, then the transaction stays open a while
        finance.settle_paid_order(first)
        first_settled.set()
        time.sleep(0.5)

    def settle_second():  # its snapshot is older than the first's commit
        first_settled.wait(10)
        Withdrawal.select().count()
        finance.settle_paid_order(second)
    threads = [threading.Thread(target=in_a_transaction, args=(work,)) for work in (settle_first, settle_second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert balance_of(recruiter) == (3000, 0, 0, 0)
    assert finance.check_ledger() == []


def test_two_withdrawals_over_real_http_at_once_spend_the_balance_once(app, client, fake_wechat, live_server):
    headers, agent = agent_headers(client, fake_wechat, agent=with_available(30000))
    barrier, statuses = threading.Barrier(2), []

    def ask():
        barrier.wait()
        statuses.append(requests.post(f"{live_server}/api/mp/finance/withdrawals", headers=headers,
                                      json={"amount": "200.00"}, timeout=30).status_code)
    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409]
    assert balance_of(agent) == (0, 10000, 20000, 0)
