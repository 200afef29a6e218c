"""The demo seed leaves orders in every stage, with a consistent stock ledger."""
from app.inventory import service as inventory
from app.orders.models import Order
from app.seed import seed_demo


def test_the_demo_seed_places_orders_in_every_stage():
    list(seed_demo(password="demo-password-1"))
    statuses = {order.status for order in Order.select()}
    assert statuses >= {"pending_payment", "paid", "picking", "shipped", "received", "completed", "cancelled", "refunded"}
    assert inventory.check_ledger() == []
