"""Allocation: demand by served provinces, days of cover, suggested transfers; choosing an order's warehouse."""
from app.inventory import allocation, transfers
from app.inventory import service as inventory
from tests.factories import line, make_product, make_warehouse, stocked


def ship(product, warehouse, quantity, province, reference):
    inventory.reserve(reference=reference, warehouse_id=warehouse.id, lines=[line(product, quantity)])
    inventory.ship(reference=reference, province=province)


def two_regions():
    """华南 sells 30 a month but holds little; 华东 sells nothing and holds plenty."""
    product = make_product()
    south = make_warehouse(provinces=["广东省"])
    east = make_warehouse(provinces=["上海市"])
    stocked(40, product=product, warehouse=south)
    stocked(100, product=product, warehouse=east)
    ship(product, south, 30, "广东省", "order:1")
    return product, south, east


def row_for(rows, warehouse):
    return next(row for row in rows if row.warehouse_id == warehouse.id)


def test_demand_counts_shipments_to_the_provinces_a_warehouse_serves():
    product, south, east = two_regions()
    rows, _ = allocation.allocation_report(product_id=product.id)
    assert (row_for(rows, south).shipped_7d, row_for(rows, south).shipped_30d) == (30, 30)
    assert row_for(rows, east).shipped_30d == 0


def test_days_of_cover_divide_stock_by_the_daily_rate():
    product, south, east = two_regions()
    rows, _ = allocation.allocation_report(product_id=product.id)
    assert row_for(rows, south).days_of_cover == 10.0
    assert row_for(rows, east).days_of_cover is None


def test_stock_is_suggested_from_the_most_covered_to_the_least():
    product, south, east = two_regions()
    _, [suggestion] = allocation.allocation_report(product_id=product.id, target_days=30)
    assert (suggestion.from_warehouse_id, suggestion.to_warehouse_id) == (east.id, south.id)
    assert suggestion.lines == [{"product_id": product.id, "quantity": 20}]


def test_a_donor_keeps_its_threshold():
    product, south, east = two_regions()
    inventory.set_threshold(warehouse_id=east.id, product_id=product.id, threshold=95)
    _, [suggestion] = allocation.allocation_report(product_id=product.id)
    assert suggestion.lines[0]["quantity"] == 5


def test_a_suggestion_becomes_a_transfer_in_one_call_and_then_counts_as_in_transit():
    product, south, east = two_regions()
    _, [suggestion] = allocation.allocation_report(product_id=product.id)
    transfers.dispatch_transfer(from_warehouse_id=suggestion.from_warehouse_id,
                                to_warehouse_id=suggestion.to_warehouse_id, lines=suggestion.lines)
    rows, suggestions = allocation.allocation_report(product_id=product.id)
    assert row_for(rows, south).in_transit == 20 and suggestions == []


def near_and_far(near_units):
    """A warehouse serving 浙江省 holding `near_units`, and one serving 四川省 holding 50."""
    product = make_product()
    near = stocked(near_units, product=product, warehouse=make_warehouse(provinces=["浙江省"]))[1]
    far = stocked(50, product=product, warehouse=make_warehouse(provinces=["四川省"]))[1]
    return product, near, far


def test_an_order_ships_from_a_warehouse_serving_the_buyer_with_enough_stock():
    product, near, _ = near_and_far(5)
    assert inventory.choose_warehouse(province="浙江省", lines=[line(product, 3)]).id == near.id


def test_without_a_serving_warehouse_with_enough_the_one_with_most_available_ships():
    product, _, far = near_and_far(2)
    assert inventory.choose_warehouse(province="浙江省", lines=[line(product, 3)]).id == far.id


def test_the_agent_catalogue_shows_available_stock_over_active_warehouses():
    from app.catalog import service as catalog
    from tests.factories import make_level

    level = make_level()
    product, _ = stocked(7)
    _, closed = stocked(100, product=product)
    inventory.update_warehouse(closed.id, active=False)
    catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=4000)
    [entry] = inventory.catalogue_for_level(level.id)
    assert (entry.product.id, entry.price_fen, entry.available) == (product.id, 4000, 7)
