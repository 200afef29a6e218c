"""An agent's own stock (囤货): what its own orders brought it, less what it recorded selling to its customers.

Orders shipped straight to a customer (dropship) never pass through the agent's
hands, so they do not count, nor do orders stored in its cloud stock (云仓) until the agent has them shipped to
itself (提货); refunded units come off what was received.
"""
from dataclasses import dataclass

from peewee import Case, fn

from app.cloud import service as cloud
from app.codes import service as codes
from app.orders.models import Order, OrderLine


@dataclass(frozen=True)
class Holding:
    """One product an agent holds or has held."""

    product_id: int
    product_name: str
    on_the_way: int
    received: int
    sold: int

    @property
    def on_hand(self):
        """Received less sold; never below zero (sales may have been recorded for goods sent straight to customers)."""
        return max(self.received - self.sold, 0)


def agent_holdings(agent_id):
    """Per product, by name: units on the way (shipped), received (signed for), sold (recorded retail sales), on hand."""
    units = OrderLine.quantity - OrderLine.refunded_quantity
    rows = (OrderLine.select(OrderLine.product, fn.MAX(OrderLine.product_name),
                             fn.SUM(Case(None, [(Order.status == "shipped", units)], 0)),
                             fn.SUM(Case(None, [(Order.received_at.is_null(False), units)], 0)))
            .join(Order)
            .where(Order.buyer_agent == agent_id, Order.dropship == False,  # noqa: E712  (SQL, not Python)
                   Order.to_cloud == False,  # noqa: E712  (units stored in cloud stock are not in the agent's hands)
                   (Order.status == "shipped") | Order.received_at.is_null(False))
            .group_by(OrderLine.product).tuples())
    sold = codes.retail_units_sold(agent_id=agent_id)
    counted = {product_id: [name, int(on_the_way or 0), int(received or 0)]
               for product_id, name, on_the_way, received in rows}
    for product_id, (name, units) in cloud.picked_up_to_self(agent_id).items():
        counted.setdefault(product_id, [name, 0, 0])[2] += units
    return sorted((Holding(product_id, name, on_the_way, received, sold.get(product_id, 0))
                   for product_id, (name, on_the_way, received) in counted.items()),
                  key=lambda holding: holding.product_name)
