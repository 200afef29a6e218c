"""Products with valid barcodes; level prices with history; a product is orderable only when fully priced."""
import pytest

from app.catalog import service as catalog
from app.errors import Conflict, InvalidInput, NotFound
from tests.factories import make_level, make_product


@pytest.mark.parametrize("code", ["6901234567892", "96385074", "036000291452", "10012345678902"])
def test_valid_gtins_pass_the_check_digit(code):
    assert catalog.gtin_is_valid(code)


@pytest.mark.parametrize("code", ["6901234567891", "690123456789", "abcdefghijklm", "６９０１２３４５６７８９２", ""])
def test_invalid_gtins_are_refused(code):
    assert not catalog.gtin_is_valid(code)


def test_a_product_with_a_bad_check_digit_is_refused():
    with pytest.raises(InvalidInput) as error:
        make_product(gtin="6901234567891")
    assert "gtin" in error.value.fields


def test_two_products_cannot_share_a_barcode():
    make_product(gtin="6901234567892")
    with pytest.raises(Conflict) as error:
        make_product(gtin="6901234567892")
    assert error.value.code == "gtin_taken"


def test_a_product_keeps_money_in_fen():
    product = make_product(cost_fen=1234, retail_fen=19900)
    assert (catalog.get_product(product.id).cost_fen, product.retail_fen) == (1234, 19900)


def test_updating_a_product_changes_only_the_fields_given():
    product = make_product(name="精华液", spec="30ml")
    updated = catalog.update_product(product.id, spec="50ml")
    assert (updated.name, updated.spec) == ("精华液", "50ml")


def test_an_unknown_product_is_404():
    with pytest.raises(NotFound):
        catalog.get_product(999999)


def test_a_level_price_change_is_kept_in_the_history():
    product, level = make_product(), make_level()
    catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=5000, actor="admin:1")
    catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=4500, actor="admin:2")
    history = catalog.level_price_history(product.id)
    assert [(h.old_fen, h.new_fen, h.changed_by) for h in history] == [(5000, 4500, "admin:2"),
                                                                         (None, 5000, "admin:1")]


def test_setting_the_same_price_again_writes_no_history():
    product, level = make_product(), make_level()
    for _ in range(2):
        catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=5000)
    assert len(catalog.level_price_history(product.id)) == 1


def test_a_level_price_must_be_positive():
    with pytest.raises(InvalidInput):
        catalog.set_level_price(product_id=make_product().id, level_id=make_level().id, price_fen=0)


def test_a_price_for_an_unknown_level_is_404():
    with pytest.raises(NotFound):
        catalog.set_level_price(product_id=make_product().id, level_id=999999, price_fen=100)


def test_price_for_gives_the_levels_price():
    product, level = make_product(), make_level()
    catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=5000)
    assert catalog.price_for(product_id=product.id, level_id=level.id) == 5000


def test_a_product_missing_an_active_levels_price_cannot_be_ordered():
    product, priced, _unpriced = make_product(name="玫瑰面霜"), make_level(), make_level(name="普通代理")
    catalog.set_level_price(product_id=product.id, level_id=priced.id, price_fen=5000)
    with pytest.raises(Conflict) as error:
        catalog.price_for(product_id=product.id, level_id=priced.id)
    assert error.value.code == "level_price_missing"
    assert "玫瑰面霜" in error.value.message and "普通代理" in error.value.message


def test_an_inactive_levels_missing_price_does_not_block_orders():
    product, level = make_product(), make_level()
    make_level(active=False)
    catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=5000)
    assert catalog.price_for(product_id=product.id, level_id=level.id) == 5000


def test_an_inactive_product_cannot_be_ordered():
    product, level = make_product(active=False), make_level()
    catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=5000)
    with pytest.raises(Conflict) as error:
        catalog.price_for(product_id=product.id, level_id=level.id)
    assert error.value.code == "product_inactive"


def test_the_catalogue_lists_only_fully_priced_active_products_at_the_levels_price():
    general, ordinary = make_level(), make_level()
    full, half, off = make_product(), make_product(), make_product(active=False)
    for product in (full, off):
        catalog.set_level_price(product_id=product.id, level_id=general.id, price_fen=4000)
        catalog.set_level_price(product_id=product.id, level_id=ordinary.id, price_fen=6000)
    catalog.set_level_price(product_id=half.id, level_id=general.id, price_fen=4000)
    items = catalog.catalogue_for_level(ordinary.id)
    assert [(item.product.id, item.price_fen) for item in items] == [(full.id, 6000)]


def test_a_price_range_is_set_and_read_per_level():
    product, level = make_product(), make_level()
    catalog.set_price_range(product_id=product.id, level_id=level.id, min_fen=9900, max_fen=12900)
    catalog.set_price_range(product_id=product.id, level_id=level.id, min_fen=9900, max_fen=13900)
    price_range = catalog.price_range_for(product_id=product.id, level_id=level.id)
    assert (price_range.min_fen, price_range.max_fen) == (9900, 13900)


def test_a_price_range_with_max_below_min_is_refused():
    with pytest.raises(InvalidInput) as error:
        catalog.set_price_range(product_id=make_product().id, level_id=make_level().id, min_fen=500, max_fen=400)
    assert "max_price" in error.value.fields
