"""Reference data kept per process (app/reference.py): a change is seen by the next request whoever made it, and a
change rolled back is never served."""
import pytest

from app import reference
from app.agents import service as agents
from app.catalog import service as catalog
from app.clock import local_today
from app.database import db, open_database
from app.finance import service as finance
from app.orders import service as orders
from tests.factories import agent_headers, make_level, make_product, orderable

# table: (its kind, what an INSERT needs made first, the INSERT (answering the row's id), an UPDATE of that row)
TABLES = {
    "product": ("catalog", lambda: None, lambda _: make_product().id, "UPDATE product SET name = 'x' WHERE id = {}"),
    "level_price": ("catalog", lambda: (make_product().id, make_level().id),
                    lambda made: catalog.set_level_price(product_id=made[0], level_id=made[1], price_fen=100).id,
                    "UPDATE level_price SET price_fen = price_fen + 1 WHERE id = {}"),
    "agent_level": ("levels", lambda: None, lambda _: make_level().id, "UPDATE agent_level SET name = 'x' WHERE id = {}"),
    "promotion": ("promotions", lambda: None,
                  lambda _: orders.create_promotion(name="满100减10", kind="amount_off", threshold_fen=10000,
                                                    off_fen=1000).id,
                  "UPDATE promotion SET name = 'x' WHERE id = {}"),
    "shipping_template": ("shipping", lambda: None,
                          lambda _: orders.put_shipping_template(province="广东省", first_unit_fen=800).id,
                          "UPDATE shipping_template SET first_unit_fen = first_unit_fen + 1 WHERE id = {}"),
    "commission_rule_version": ("commission_rules", lambda: None,
                                lambda _: finance.create_version(rules={}, effective_from=local_today())[0].id,
                                "UPDATE commission_rule_version SET note = 'x' WHERE id = {}"),
}


def _version(kind):
    return db.execute_sql(f"SELECT version FROM reference_version WHERE kind = {db.param}", (kind,)).fetchone()[0]


@pytest.mark.parametrize("table", sorted(TABLES))
@pytest.mark.parametrize("event", ["insert", "update", "delete"])
def test_every_write_to_a_reference_table_gives_its_kind_a_new_version(table, event):
    kind, needed, insert, update = TABLES[table]
    made = needed()
    before = _version(kind)
    row_id = insert(made)
    if event != "insert":
        before = _version(kind)
        db.execute_sql(update.format(row_id) if event == "update" else f"DELETE FROM {table} WHERE id = {row_id}")
    assert _version(kind) != before


def test_deleting_a_level_gives_the_promotions_a_new_version_as_its_promotions_go_with_it():
    level = make_level()
    before = _version("promotions")
    agents.delete_level(level.id)  # MySQL fires no trigger for the promotions its foreign key's cascade deletes
    assert _version("promotions") != before


def _price_in_quote(client, headers, product):
    response = client.post("/api/mp/orders/quote", headers=headers, json={"items": [
        {"product_id": product.id, "quantity": 1}], "province": "广东省"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["lines"][0]["unit_price"]


@pytest.mark.committed
def test_a_price_changed_through_another_connection_is_seen_by_the_next_request(client, fake_wechat, database_url):
    headers, _ = agent_headers(client, fake_wechat, level=make_level())
    product, _ = orderable(100)
    assert _price_in_quote(client, headers, product) == "100.00"
    other = open_database(database_url)  # as another process would: its own connection, its own commit
    other.execute_sql(f"UPDATE level_price SET price_fen = 25000 WHERE product_id = {other.param}", (product.id,))
    other.close()
    assert _price_in_quote(client, headers, product) == "250.00"


def _level_price(product, level):
    return catalog.order_prices(product_ids=[product.id], level_id=level.id)[product.id][1]


def _set_price(product, price_fen):
    db.execute_sql(f"UPDATE level_price SET price_fen = {db.param} WHERE product_id = {db.param}",
                   (price_fen, product.id))


def test_a_price_change_rolled_back_is_never_served():
    level = make_level()
    product, _ = orderable(100)
    assert _level_price(product, level) == 10000
    with db.atomic() as savepoint:
        _set_price(product, 25000)
        assert _level_price(product, level) == 25000
        savepoint.rollback()
    assert _level_price(product, level) == 10000


def test_what_a_request_reads_with_its_own_change_not_yet_committed_is_not_kept():
    """The request's versions were read before its change: the price it then reads is not kept under them."""
    level = make_level()
    first, _ = orderable(100)
    second, _ = orderable(100)
    with reference.scope():
        assert _level_price(first, level) == 10000
        with db.atomic() as savepoint:
            _set_price(second, 25000)
            assert _level_price(second, level) == 25000
            savepoint.rollback()
    with reference.scope():
        assert _level_price(second, level) == 10000


@pytest.mark.committed  # a transaction of the request's own, as in production, not a savepoint in the test's
def test_a_request_whose_first_look_up_follows_its_own_change_is_not_served_it_after_a_rollback():
    """The versions first read inside the transaction that changed the price are its own: not kept for the scope."""
    level = make_level()
    product, _ = orderable(100)
    with reference.scope():
        with db.atomic() as transaction:
            _set_price(product, 25000)
            assert _level_price(product, level) == 25000
            transaction.rollback()
        assert _level_price(product, level) == 10000


def _versions_read_by_a_look_up(level, product):
    from tests.statements import counted

    with counted() as seen:
        _level_price(product, level)
    return sum("reference_version" in statement for statement in seen)


def test_versions_a_request_read_with_its_first_statement_are_the_ones_it_works_under():
    level = make_level()
    product, _ = orderable(100)
    _level_price(product, level)  # kept
    with reference.scope():
        reference.remember_versions(db.execute_sql("SELECT kind, version FROM reference_version").fetchall())
        assert _versions_read_by_a_look_up(level, product) == 0
    with reference.scope():
        assert _versions_read_by_a_look_up(level, product) == 1  # not remembered: read at the first look-up


@pytest.mark.committed  # a transaction of the request's own, as in production, not a savepoint in the test's
def test_versions_read_inside_a_transaction_the_request_opened_are_not_remembered():
    level = make_level()
    product, _ = orderable(100)
    _level_price(product, level)
    with reference.scope():
        with db.atomic():
            reference.remember_versions(db.execute_sql("SELECT kind, version FROM reference_version").fetchall())
        with db.atomic():
            assert _versions_read_by_a_look_up(level, product) > 0  # read again, as at each look-up in there
