"""The MySQL connection pool: what a request finds when it checks a connection out after others gave it back."""
import pytest

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
