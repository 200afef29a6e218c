"""The demo seed's stock step works whether or not agent levels exist yet."""
from app.catalog.models import Product
from app.inventory import service as inventory
from app.inventory.demo import seed_demo_stock
from tests.factories import make_level


def test_the_demo_stock_is_seeded_without_any_level():
    list(seed_demo_stock())
    assert Product.select().count() == 5
    assert inventory.check_ledger() == []


def test_the_demo_prices_every_existing_level_so_the_catalogue_is_orderable():
    top, bottom = make_level(), make_level()
    list(seed_demo_stock())
    prices = [entry.price_fen for entry in inventory.catalogue_for_level(bottom.id)]
    assert len(prices) == 5 and all(price > 0 for price in prices)
    assert inventory.catalogue_for_level(top.id)[0].price_fen < inventory.catalogue_for_level(bottom.id)[0].price_fen


def test_every_demo_product_has_photos_drawn_without_downloading():
    from app.catalog import service as catalog

    list(seed_demo_stock())
    assert [len(catalog.product_images(product.id)) for product in Product.select()] == [2, 2, 2, 2, 2]
