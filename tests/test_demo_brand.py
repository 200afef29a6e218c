"""The demo brand (`flask seed`) shows every feature: 90 days of history, work waiting for the owner, money in
every state, and ledgers that hold."""
from datetime import timedelta

import pytest

from app.agents.models import Agent, AgentApplication, LevelProposal
from app.catalog import service as catalog
from app.catalog.models import Product
from app.clock import utcnow
from app.codes.models import CodeBatch, CodeFlag, CodeScan, Violation
from app.finance import service as finance
from app.finance.models import Expense, Withdrawal
from app.inventory import service as inventory
from app.orders.models import Order, OrderLine, OrderRefund
from app.seed import seed_demo


@pytest.fixture
def demo():
    list(seed_demo(password="demo-brand-password"))


# Seeding takes seconds: each test looks at one side of the brand as a whole.

def test_the_demo_history_spans_ninety_days_of_agents_orders_and_refunds(demo):
    placed = [order.created_at for order in Order.select(Order.created_at)]
    assert min(placed) <= utcnow() - timedelta(days=85) and len(placed) > 100
    assert Order.select(Order.province).distinct().count() >= 8
    assert OrderLine.select(OrderLine.product).distinct().count() == Product.select().count() == 5
    assert {refund.whole_order for refund in OrderRefund.select()} == {True, False}
    joined = sorted(agent.joined_at for agent in Agent.select())
    assert joined[0] <= utcnow() - timedelta(days=85) and joined[-1] >= utcnow() - timedelta(days=7)
    assert all(catalog.product_images(product.id) for product in Product.select())


def test_the_demo_leaves_work_for_the_owner_in_every_section(demo):
    assert AgentApplication.select().where(AgentApplication.status == "pending").count() >= 2
    assert LevelProposal.select().where(LevelProposal.status == "pending").exists()
    assert CodeBatch.select().count() >= 5 and CodeScan.select().count() > 20
    assert CodeFlag.select().where(CodeFlag.status == "open").exists()
    assert {violation.kind for violation in Violation.select()} == {"price_low", "price_high", "cross_region"}
    assert {withdrawal.status for withdrawal in Withdrawal.select()} == {"pending", "approved", "rejected", "paid"}
    assert Expense.select().count() >= 5


def test_the_demo_stock_and_commission_ledgers_hold(demo):
    assert inventory.check_ledger() == []
    assert finance.check_ledger() == []
