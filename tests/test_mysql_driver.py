"""What the MySQL driver (mysqlclient) answers: the error classes the app tells apart, values read back as the
columns store them, one statement per execute."""
from datetime import date, datetime
from decimal import Decimal

import MySQLdb.connections
import pytest
from peewee import DataError, IntegrityError, OperationalError, ProgrammingError

from app.database import _mysql_literal, db, mysql_error_code, open_database

pytestmark = pytest.mark.mysql_only


def _raised(number):
    with pytest.raises(Exception) as raised:
        db.execute_sql(f"SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = {number}")
    return type(raised.value), mysql_error_code(raised.value)


@pytest.mark.parametrize("number, kind", [
    (1213, OperationalError),  # deadlock victim, and Galera's certification failure: retried
    (1205, OperationalError),  # lock wait timeout: retried
    (1047, OperationalError),  # a Galera node not ready for queries: 503
    (1062, IntegrityError),    # duplicate key: read as "exists already"
    (1366, DataError),         # an incorrect value: a bug (500), not the database down (503)
    (1364, OperationalError),  # a column with no default left out: not read as a duplicate
    (1146, ProgrammingError),
])
def test_a_server_error_arrives_as_the_class_the_app_tells_apart_with_its_number(number, kind):
    assert _raised(number) == (kind, number)


def test_a_lost_connection_is_an_operational_error(database_url):
    pool = open_database(database_url, max_connections=1)
    try:
        pool.connect()
        db.execute_sql(f"KILL {pool.connection().thread_id()}")
        with pytest.raises(OperationalError) as raised:
            pool.execute_sql("SELECT 1")
        assert mysql_error_code(raised.value) in (2006, 2013)
        pool.close()
    finally:
        pool.close_all()


@pytest.fixture
def probe():
    """A temporary table of the given columns for the test (a session's, outlasting the test's rollback)."""
    def create(columns):
        db.execute_sql(f"CREATE TEMPORARY TABLE driver_probe ({columns})")
    yield create
    db.execute_sql("DROP TEMPORARY TABLE IF EXISTS driver_probe")


def test_values_read_back_as_the_columns_store_them(probe):
    probe("t TEXT, b MEDIUMBLOB, j JSON, d DECIMAL(12, 2), at DATETIME, day DATE, flag TINYINT(1), n BIGINT")
    stored = ("中文 🧧 it's", b"\x00\xff\x89PNG", '{"a": "中"}', Decimal("12.34"), datetime(2026, 12, 6, 1, 2, 3),
              date(2026, 1, 2), 1, 2 ** 62)
    db.execute_sql("INSERT INTO driver_probe VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", stored)
    read = db.execute_sql("SELECT * FROM driver_probe").fetchone()
    assert [(type(value), value) for value in read] == [(type(value), value) for value in stored]


def test_an_update_counts_the_rows_it_matched_even_when_it_changes_none(probe):
    probe("n INT")
    db.execute_sql("INSERT INTO driver_probe VALUES (1), (1)")
    assert db.execute_sql("UPDATE driver_probe SET n = 1").rowcount == 2


def test_one_execute_runs_one_statement():
    with pytest.raises(ProgrammingError):
        db.execute_sql("SELECT 1; SELECT 2")


@pytest.mark.parametrize("value, read_back", [
    (0, 0), (-7, -7), ("plain", "plain"), ("it's \\ \"q\"\n\x00\x1a", "it's \\ \"q\"\n\x00\x1a"),
    ("中文 🧧", "中文 🧧"), (None, None), (b"\x00\xff'\\", b"\x00\xff'\\"), (Decimal("12.30"), Decimal("12.30")),
    (datetime(2026, 12, 6, 1, 2, 3, 456), "2026-12-06 01:02:03.000456"), (date(2026, 1, 2), "2026-01-02"), (True, 1)])
def test_a_bulk_insert_literal_is_text_that_reads_back_as_the_value(value, read_back):
    literal = _mysql_literal(db.connection())(value)
    assert isinstance(literal, str)
    assert db.execute_sql(f"SELECT {literal}").fetchone() == (read_back,)


PARAMETERS = [0, -7, 2 ** 63 - 1, True, None, "plain", "中文 🧧", "", "100%", "it's", 'a "q"', "back\\slash", "new\nline",
              "nul\x00", "\x1a", b"\x00\xff'\\", Decimal("12.30"), 1.5, date(2026, 1, 2), datetime(2026, 12, 6, 1, 2, 3),
              datetime(2026, 12, 6, 1, 2, 3, 456), datetime(999, 1, 2, 3, 4, 5)]


# Text whose multi-byte characters end in 0x5C ("\\") in GBK, Big5 or Shift-JIS: escaped wrongly, such a character
# would swallow a quote.
MULTI_BYTE = ["縗", "ソ", "功", "許", "表'", "中文"]


@pytest.mark.parametrize("value", PARAMETERS)
def test_a_parameter_is_written_as_the_driver_writes_it(value):
    connection = db.connection()
    assert connection.literal(value) == MySQLdb.connections.Connection.literal(connection, value)


@pytest.fixture
def no_backslash_escapes():
    connection = db.connection()
    db.execute_sql("SET @kept_sql_mode = @@SESSION.sql_mode")
    db.execute_sql("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_BACKSLASH_ESCAPES')")
    yield connection
    db.execute_sql("SET SESSION sql_mode = @kept_sql_mode")


@pytest.mark.parametrize("value", PARAMETERS + MULTI_BYTE)
def test_a_parameter_is_written_as_the_driver_writes_it_without_backslash_escapes(no_backslash_escapes, value):
    assert no_backslash_escapes.literal(value) == MySQLdb.connections.Connection.literal(no_backslash_escapes, value)


@pytest.mark.parametrize("charset", ["gbk", "big5", "sjis", "latin1"])
def test_a_parameter_is_written_as_the_driver_writes_it_in_another_charset(database_url, charset):
    pool = open_database(database_url, max_connections=1)
    try:
        connection = pool.new_connection({**pool.connect_params, "charset": charset})
        for value in [value for value in PARAMETERS + MULTI_BYTE
                      if not isinstance(value, str) or _encodable(value, connection.encoding)]:
            assert connection.literal(value) == MySQLdb.connections.Connection.literal(connection, value), value
        connection.close()
    finally:
        pool.close_all()


def _encodable(text, encoding):
    try:
        text.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


@pytest.mark.parametrize("value", [value for value in PARAMETERS if value is None or type(value) in (int, str)])
def test_an_id_or_a_text_parameter_reads_back_as_itself(value):
    assert db.execute_sql("SELECT %s", (value,)).fetchone() == (value,)
