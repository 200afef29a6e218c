"""The one database handle, bound late to SQLite or MySQL from a URL."""
import os
import random
import re
import time
from urllib.parse import urlparse

from peewee import EXCLUDED, DatabaseProxy, Model, OperationalError, fn
from peewee import __exception_wrapper__ as exception_wrapper
from playhouse.db_url import connect
from pymysql.constants import CLIENT

db = DatabaseProxy()

SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10000, "synchronous": "normal"}


class BaseModel(Model):
    """Base of every table: bound to the proxy, snake_case table names."""

    class Meta:
        database = db
        legacy_table_names = False


def open_database(url, *, max_connections=20):
    """Build the Database for `url` (sqlite:///path or mysql://user:pass@host/db)."""
    scheme = urlparse(url).scheme
    if scheme.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        # IMMEDIATE: a transaction takes the write lock when it begins, so two writers
        # queue on busy_timeout instead of failing when a reader upgrades to a writer.
        return connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False, lock_type="IMMEDIATE")
    if scheme.startswith("mysql"):
        pooled = url if scheme == "mysql+pool" else "mysql+pool" + url[len(scheme):]
        # FOUND_ROWS: an UPDATE reports the rows it matched, as SQLite does, so a
        # guarded UPDATE's row count means the same thing on both databases.
        return connect(pooled, charset="utf8mb4", max_connections=max_connections,
                       stale_timeout=300, timeout=10, client_flag=CLIENT.FOUND_ROWS)
    raise ValueError(f"unsupported DATABASE_URL scheme: {scheme}")


def init_database(url, *, max_connections=20):
    """Point the proxy at the database for `url` and return it."""
    database = open_database(url, max_connections=max_connections)
    db.initialize(database)
    return database


def is_mysql():
    """True when the bound database is MySQL/MariaDB."""
    return type(db.obj).__name__.endswith("MySQLDatabase")


def close_unless_in_transaction():
    """Return the connection to the pool, except inside a transaction (tests, nested work)."""
    if db.obj is not None and not db.is_closed() and not db.in_transaction():
        db.close()


def upsert(model, values, *, conflict_fields, update_fields):
    """INSERT, or UPDATE `update_fields` when a row with the same `conflict_fields` exists."""
    query = model.insert(**values)
    if is_mysql():
        query = query.on_conflict(preserve=update_fields)
    else:
        query = query.on_conflict(conflict_target=conflict_fields, preserve=update_fields)
    return query.execute()


def for_update(query, *, shared=False):
    """`query` as a locking read on MySQL (FOR UPDATE, or LOCK IN SHARE MODE when `shared`); SQLite
    needs none (its transactions take the write lock at BEGIN).

    A locking read sees the latest committed rows, where a plain read inside a
    transaction sees its snapshot. After a duplicate-key error use `shared`: the
    failed INSERT already holds a shared lock, and asking for an exclusive one
    from several such transactions deadlocks.
    """
    if not is_mysql():
        return query
    return query.for_update("LOCK IN SHARE MODE" if shared else True)


def add_to(model, keys, amounts):
    """Add `amounts` ({column: delta}) to the row of `model` whose key columns equal `keys`, creating it first."""
    update = {getattr(model, name): getattr(model, name) + delta for name, delta in amounts.items()}
    query = model.insert(**keys, **amounts)
    if is_mysql():
        return query.on_conflict(update=update).execute()
    return query.on_conflict(conflict_target=[getattr(model, name) for name in keys], update=update).execute()


def add_to_many(model, key_names, rows):
    """`add_to` for many rows in one statement: each row (a dict of the key columns `key_names` and the amounts
    to add) is created or has its amounts added to the existing row's. Rows are written in the order given
    (sort them by key so that concurrent writers lock in one order)."""
    if not rows:
        return None
    amounts = [name for name in rows[0] if name not in key_names]
    added = {name: (fn.VALUES(getattr(model, name)) if is_mysql() else getattr(EXCLUDED, name)) for name in amounts}
    update = {getattr(model, name): getattr(model, name) + added[name] for name in amounts}
    query = model.insert_many(rows)
    if is_mysql():
        return query.on_conflict(update=update).execute()
    return query.on_conflict(conflict_target=[getattr(model, name) for name in key_names], update=update).execute()


LOCK_CONFLICT_ERRORS = (1213, 1205)  # InnoDB deadlock victim, lock wait timeout


def mysql_error_code(exc):
    """The MySQL error number of a peewee error (peewee passes the driver's args after the original)."""
    return exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None


def atomic_with_retry(work, *, attempts=4):
    """Run `work()` in a transaction, retried when InnoDB picks it as a deadlock victim.

    Inside an enclosing transaction there is nothing to retry (InnoDB rolled the
    whole transaction back), so the error goes to the caller at once.
    """
    if db.in_transaction():
        attempts = 1
    for attempt in range(1, attempts + 1):
        try:
            with db.atomic():
                return work()
        except OperationalError as exc:
            if attempt == attempts or mysql_error_code(exc) not in LOCK_CONFLICT_ERRORS:
                raise
            time.sleep(random.uniform(0, 0.005 * attempt))


def paginate(query, *, page, per_page):
    """One page of `query` and the count of every row it matches."""
    return list(query.paginate(page, per_page)), query.order_by().count()


def bulk_insert(model, rows, *, ignore_duplicates=False, add_on_duplicate=(), chunk=1000):
    """INSERT many rows (dicts keyed by field name, the same keys in each), one statement per chunk.

    For ledgers written thousands of rows at a time: building such statements through
    the query builder costs more than running them. Python-side defaults are filled
    in; values go to the driver as they are. `ignore_duplicates` skips rows whose
    unique key exists; `add_on_duplicate` adds the given columns to an existing row
    with the same primary key instead.
    """
    if not rows:
        return
    meta, database = model._meta, db.obj
    defaults = {name: field.default() if callable(field.default) else field.default
                for name, field in meta.fields.items() if name not in rows[0] and field.default is not None}
    names = list(rows[0]) + list(defaults)
    open_quote, close_quote = database.quote
    columns = [f"{open_quote}{meta.fields[name].column_name}{close_quote}" for name in names]
    verb = ("INSERT IGNORE" if is_mysql() else "INSERT OR IGNORE") if ignore_duplicates else "INSERT"
    head = f"{verb} INTO {open_quote}{meta.table_name}{close_quote} ({', '.join(columns)}) VALUES "
    tail = ""
    if add_on_duplicate:
        added = [f"{open_quote}{meta.fields[name].column_name}{close_quote}" for name in add_on_duplicate]
        if is_mysql():
            tail = " ON DUPLICATE KEY UPDATE " + ", ".join(f"{c} = {c} + VALUES({c})" for c in added)
        else:
            key = f"{open_quote}{meta.primary_key.column_name}{close_quote}"
            tail = f" ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(f"{c} = {c} + excluded.{c}" for c in added)
    if is_mysql():
        literal = _mysql_literal(database.connection())

        def write(values):
            database.cursor().execute(head + ", ".join(f"({', '.join(map(literal, row))})" for row in values) + tail)
    else:
        statement = head + f"({', '.join([database.param] * len(names))})" + tail

        def write(values):
            database.cursor().executemany(statement, values)
    extra = list(defaults.values())
    for start in range(0, len(rows), chunk):
        values = [[row[name] for name in rows[0]] + extra for row in rows[start:start + chunk]]
        with exception_wrapper:  # the driver's errors as peewee's, as every other query raises them
            write(values)


_NEEDS_ESCAPING = re.compile(r"[\x00\n\r\x1a'\"\\]").search


def _mysql_literal(connection):
    """A function giving the SQL literal of a value, as the driver would write it, faster for ints and strings.

    Most strings we store (Chinese explanations, JSON) contain nothing to escape, and
    the driver's per-character escaping of them is most of a bulk insert's Python time.
    """
    escape = connection.escape

    def literal(value):
        kind = type(value)
        if kind is int:
            return str(value)
        if kind is str and not _NEEDS_ESCAPING(value):
            return f"'{value}'"
        return "NULL" if value is None else escape(value)
    return literal
