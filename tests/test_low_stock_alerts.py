"""Low-stock alerts: one per product, warehouse and day, after moves and from the scheduled scan."""
import json

from app.catalog import service as catalog
from app.catalog.models import Product
from app.clock import to_local, utcnow
from app.inventory import jobs
from app.inventory import service as inventory
from app.notify import service as notify
from tests.factories import line, make_product, stocked


def alerts():
    return [json.loads(message.data) for message in notify.queued("low_stock")]


def test_falling_under_the_threshold_queues_an_alert_to_the_owners():
    product, warehouse = stocked(10, product=make_product(low_stock_threshold=5))
    inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 6)])
    [alert] = alerts()
    assert (alert["product_id"], alert["warehouse_id"], alert["available"], alert["threshold"]) == \
        (product.id, warehouse.id, 4, 5)
    assert notify.queued("low_stock")[0].recipient == "owners"


def test_many_orders_under_the_threshold_on_one_day_make_one_alert():
    product, warehouse = stocked(10, product=make_product(low_stock_threshold=5))
    for n in range(4):
        inventory.reserve(reference=f"order:{n}", warehouse_id=warehouse.id, lines=[line(product, 2)])
    jobs.scan_low_stock()
    assert len(alerts()) == 1


def test_stock_above_the_threshold_queues_nothing():
    product, warehouse = stocked(10, product=make_product(low_stock_threshold=5))
    inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 5)])
    assert alerts() == []


def test_a_threshold_raised_counts_at_the_next_reservation():
    product, warehouse = stocked(10, product=make_product(low_stock_threshold=2))
    inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 1)])
    catalog.update_product(product.id, low_stock_threshold=9)
    inventory.reserve(reference="order:2", warehouse_id=warehouse.id, lines=[line(product, 1)])
    assert [(a["available"], a["threshold"]) for a in alerts()] == [(8, 9)]


def changed_by_another_process(product, threshold):
    """The product's threshold as another process would change it: this one keeps the threshold it read."""
    Product.update(low_stock_threshold=threshold).where(Product.id == product.id).execute()


def test_a_threshold_lowered_in_another_process_queues_no_alert_above_it():
    product, warehouse = stocked(20, product=make_product(low_stock_threshold=9))
    inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 1)])
    changed_by_another_process(product, 2)
    inventory.reserve(reference="order:2", warehouse_id=warehouse.id, lines=[line(product, 12)])
    assert alerts() == []


def test_a_threshold_raised_in_another_process_is_alerted_by_the_scan():
    product, warehouse = stocked(10, product=make_product(low_stock_threshold=2))
    inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 1)])
    changed_by_another_process(product, 9)
    inventory.reserve(reference="order:2", warehouse_id=warehouse.id, lines=[line(product, 1)])
    jobs.scan_low_stock()
    assert [(a["available"], a["threshold"]) for a in alerts()] == [(8, 9)]


def test_a_warehouse_threshold_overrides_the_products():
    product, warehouse = stocked(10, product=make_product(low_stock_threshold=5))
    inventory.set_threshold(warehouse_id=warehouse.id, product_id=product.id, threshold=9)
    inventory.reserve(reference="order:1", warehouse_id=warehouse.id, lines=[line(product, 2)])
    assert [a["threshold"] for a in alerts()] == [9]


def test_receiving_stock_that_stays_under_the_threshold_leaves_it_to_the_scan():
    stocked(3, product=make_product(low_stock_threshold=5))
    assert alerts() == []
    assert jobs.scan_low_stock() == 1


def test_the_scan_finds_rows_already_under_the_threshold():
    product, warehouse = stocked(3)
    inventory.set_threshold(warehouse_id=warehouse.id, product_id=product.id, threshold=5)
    assert jobs.scan_low_stock() == 1
    assert jobs.scan_low_stock() == 0


def test_the_alert_is_keyed_to_the_local_day():
    product, warehouse = stocked(10, product=make_product(low_stock_threshold=5))
    inventory.adjust(warehouse_id=warehouse.id, product_id=product.id, delta=-7, reason="破损")
    today = to_local(utcnow()).date().isoformat()
    assert notify.queued("low_stock")[0].dedupe_key == f"low_stock:{warehouse.id}:{product.id}:{today}"
