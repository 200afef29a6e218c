"""The MySQL connection pool: what a request finds when it checks a connection out after others gave it back."""
from urllib.parse import urlparse

import pytest

from peewee import OperationalError

from app.database import db, open_database

pytestmark = pytest.mark.mysql_only


@pytest.fixture
def pool(database_url):
    """A pool of one connection of its own, so each check-out gets back the connection last given back."""
    database = open_database(database_url, max_connections=1)
    yield database
    database.close_all()


def _connection_id(pool):
    return pool.execute_sql("SELECT CONNECTION_ID()").fetchone()[0]


def _rollbacks(pool):
    """The ROLLBACK statements the server ran on this connection's session, whoever sent them."""
    return int(pool.execute_sql("SHOW SESSION STATUS LIKE 'Com_rollback'").fetchone()[1])


def _given_back_and_taken_again(pool):
    given_back = _connection_id(pool)
    pool.close()
    pool.connect()
    assert _connection_id(pool) == given_back


def test_a_connection_given_back_with_its_transaction_open_is_rolled_back(pool):
    pool.connect()
    pool.execute_sql("CREATE TEMPORARY TABLE pool_probe (n INT) ENGINE=InnoDB")
    given_back = _connection_id(pool)
    pool.begin()
    pool.execute_sql("INSERT INTO pool_probe VALUES (1)")
    pool.close()
    pool.connect()
    assert _connection_id(pool) == given_back
    assert pool.execute_sql("SELECT COUNT(*) FROM pool_probe").fetchone()[0] == 0
    pool.close()


def test_a_connection_given_back_after_its_commit_keeps_its_session(pool):
    pool.connect()
    pool.execute_sql("CREATE TEMPORARY TABLE pool_probe (n INT) ENGINE=InnoDB")
    given_back = _connection_id(pool)
    pool.begin()
    pool.execute_sql("INSERT INTO pool_probe VALUES (1)")
    pool.commit()
    pool.close()
    pool.connect()
    assert _connection_id(pool) == given_back
    assert pool.execute_sql("SELECT COUNT(*) FROM pool_probe").fetchone()[0] == 1
    pool.close()


def test_a_connection_killed_while_idle_in_the_pool_is_replaced_at_check_out(pool):
    pool.connect()
    killed = _connection_id(pool)
    pool.close()
    db.execute_sql(f"KILL {killed}")
    pool.connect()
    assert _connection_id(pool) != killed
    pool.close()


def test_a_connection_killed_while_checked_out_is_replaced_at_the_next_check_out(pool):
    pool.connect()
    killed = _connection_id(pool)
    db.execute_sql(f"KILL {killed}")
    pool.close()
    pool.connect()
    assert _connection_id(pool) != killed
    pool.close()


def test_a_connection_given_back_outside_a_transaction_is_not_rolled_back(pool):
    pool.connect()
    before = _rollbacks(pool)
    pool.execute_sql("SELECT 1")
    _given_back_and_taken_again(pool)
    assert _rollbacks(pool) == before
    pool.close()


def test_a_connection_given_back_after_its_commit_is_not_rolled_back(pool):
    pool.connect()
    before = _rollbacks(pool)
    with pool.atomic():
        pool.execute_sql("SELECT 1")
    _given_back_and_taken_again(pool)
    assert _rollbacks(pool) == before
    pool.close()


def test_a_connection_given_back_with_its_transaction_open_is_rolled_back_once(pool):
    pool.connect()
    before = _rollbacks(pool)
    pool.begin()
    pool.execute_sql("SELECT 1")
    _given_back_and_taken_again(pool)
    assert _rollbacks(pool) == before + 1
    pool.close()


def test_a_transaction_begun_with_an_isolation_level_and_left_open_is_rolled_back(pool):
    pool.connect()
    pool.execute_sql("CREATE TEMPORARY TABLE pool_probe (n INT) ENGINE=InnoDB")
    before = _rollbacks(pool)
    pool.begin("READ COMMITTED")  # peewee sends this BEGIN as SQL, not as the driver's command
    pool.execute_sql("INSERT INTO pool_probe VALUES (1)")
    _given_back_and_taken_again(pool)
    assert _rollbacks(pool) == before + 1
    assert pool.execute_sql("SELECT COUNT(*) FROM pool_probe").fetchone()[0] == 0
    pool.close()


def test_a_transaction_left_open_by_a_failed_statement_is_rolled_back_when_given_back(pool):
    pool.connect()
    pool.execute_sql("CREATE TEMPORARY TABLE pool_probe (n INT) ENGINE=InnoDB")
    pool.begin()
    pool.execute_sql("INSERT INTO pool_probe VALUES (1)")
    with pytest.raises(OperationalError):  # an error of the server's that leaves the transaction open
        pool.execute_sql("SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213")
    before = _rollbacks(pool)
    _given_back_and_taken_again(pool)
    assert _rollbacks(pool) == before + 1
    assert pool.execute_sql("SELECT COUNT(*) FROM pool_probe").fetchone()[0] == 0
    pool.close()


def test_a_pool_over_several_servers_gives_back_the_connection_given_back(database_url):
    server = urlparse(database_url).netloc.rsplit("@", 1)[-1]
    node = server if ":" in server else f"{server}:3306"
    pool = open_database(database_url.replace(server, f"{node},{node}", 1), max_connections=1)
    try:
        pool.connect()
        _given_back_and_taken_again(pool)
        pool.close()
    finally:
        pool.close_all()
