"""Orders hand their money to finance: paying settles, refunds and cancellations reverse, receipt starts the window."""
from datetime import timedelta

import pytest

from app.clock import utcnow
from app.finance import service as finance
from app.finance.models import OrderSettlement
from app.orders import refunds, service
from tests.factories import (advanced, balance_of, earned, make_agent, make_level, make_rules, place,
                             priced_product, stocked)


@pytest.fixture
def chain():
    """A general agent (拿货价 ¥60) who recruited an ordinary agent (¥80); the 级差 rule is in force."""
    general, ordinary = make_level("总代理测试"), make_level("普通代理测试")
    product = priced_product({general: 6000, ordinary: 8000})
    stocked(50, product=product)
    make_rules(level_difference={})
    upline = make_agent(level=general)
    buyer = make_agent(level=ordinary, upline=upline)
    return upline, buyer, product


def test_paying_an_order_settles_it_with_the_uplines_level_difference(chain):
    upline, buyer, product = chain
    order = advanced(place(buyer, (product, 2)), "pay")
    assert OrderSettlement.get_by_id(order.id).subtotal_fen == 16000
    assert earned(upline) == {"level_difference": 4000}
    assert balance_of(upline)[0] == 4000


def test_a_second_payment_confirmation_settles_nothing_more(chain):
    upline, buyer, product = chain
    order = advanced(place(buyer, (product, 2)), "pay")
    service.confirm_payment(order.id, actor="admin:1", method="offline", amount_fen=order.total_fen)
    assert earned(upline) == {"level_difference": 4000}


def test_a_partial_refund_reverses_its_share_of_the_commission(chain):
    upline, buyer, product = chain
    order = advanced(place(buyer, (product, 2)), "pay", "pick", "ship")
    refunds.refund(order.id, actor="admin:1", reason="破损", lines=[{"product_id": product.id, "quantity": 1}])
    assert earned(upline) == {"level_difference": 2000}


def test_cancelling_a_paid_order_reverses_every_commission(chain):
    upline, buyer, product = chain
    order = advanced(place(buyer, (product, 2)), "pay")
    service.cancel(order.id, actor="admin:1", reason="客户取消")
    assert earned(upline) == {"level_difference": 0}
    assert balance_of(upline)[0] == 0


def test_receipt_starts_the_return_window_after_which_commission_is_available(chain):
    upline, buyer, product = chain
    order = advanced(place(buyer, (product, 2)), "pay", "pick", "ship", "receive")
    finance.release_available_commissions()
    assert balance_of(upline)[:2] == (4000, 0)
    finance.release_available_commissions(now=utcnow() + timedelta(days=8))
    assert balance_of(upline)[:2] == (0, 4000)
    assert order.status == "received"


def test_the_books_balance_after_a_whole_order_life(app, chain):
    upline, buyer, product = chain
    order = advanced(place(buyer, (product, 3)), "pay", "pick", "ship")
    refunds.refund(order.id, actor="admin:1", reason="退一件", lines=[{"product_id": product.id, "quantity": 1}])
    advanced(order, "receive")
    result = app.test_cli_runner().invoke(args=["finance", "check"])
    assert result.exit_code == 0, result.output
