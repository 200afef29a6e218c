"""The one database handle, bound late to SQLite or MySQL from a URL; reports may read a replica."""
import functools
import itertools
import logging
import os
import random
import re
import select
import threading
import time
from datetime import datetime
from urllib.parse import urlparse

import MySQLdb
import MySQLdb.connections
import MySQLdb.cursors
from MySQLdb.constants import CLIENT
from peewee import (EXCLUDED, SQL, AutoField, BigAutoField, BigIntegerField, CharField, DatabaseProxy, ForeignKeyField,
                    IntegerField, InterfaceError, Model, ModelTupleCursorWrapper, MySQLDatabase, OperationalError,
                    QueryEvent, TextField, fn)
from peewee import __exception_wrapper__ as exception_wrapper
from playhouse.db_url import connect, parse
from playhouse.pool import MaxConnectionsExceeded, PooledMySQLDatabase

log = logging.getLogger(__name__)


class _Reading(threading.local):
    """This thread's replica while `replica_read` runs: None, found on the class, where getattr with a default
    would first raise (and format) an AttributeError on every statement of a thread that never read a replica."""

    reading = None


class RoutingProxy(DatabaseProxy):
    """The proxy every model is bound to: the primary, or this thread's replica while `replica_read` runs.

    `execute_sql` and `param`, asked for by every hand-written statement, are the proxy's own: through peewee's
    `__getattr__` each was found only after a failed lookup had raised (and formatted) an AttributeError.
    """

    __slots__ = ("_primary", "_local")
    _NAMES = frozenset({"obj", "_callbacks", "_Model", "_primary", "_local"})

    def __init__(self):
        object.__setattr__(self, "_local", _Reading())
        object.__setattr__(self, "_primary", None)
        super().__init__()

    @property
    def obj(self):
        return self._local.reading or self._primary

    @property
    def param(self):
        return self.obj.param

    def execute_sql(self, sql, params=None):
        return self.obj.execute_sql(sql, params)

    @obj.setter
    def obj(self, database):
        object.__setattr__(self, "_primary", database)

    @property
    def primary(self):
        """The primary database, even inside a replica read."""
        return self._primary

    def __setattr__(self, name, value):
        if name not in self._NAMES:
            raise AttributeError("Cannot set attribute on proxy.")
        object.__setattr__(self, name, value)


db = RoutingProxy()

SQLITE_PRAGMAS = {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 10000, "synchronous": "normal"}


class BaseModel(Model):
    """Base of every table: bound to the proxy, snake_case table names."""

    class Meta:
        database = db
        legacy_table_names = False


def open_database(url, *, max_connections=20, connect_timeout=10, read_only=False, tls_ca=""):
    """Build the Database for `url` (sqlite:///path or mysql://user:pass@host/db, or mysql://user@host1:port1,
    host2:port2/db for several equal servers); `read_only` connections refuse every write; with `tls_ca` (a CA
    certificate's PEM file) MySQL connections are encrypted, and refused unless the server's certificate is
    signed by that CA for the host the URL names."""
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
        # guarded UPDATE's row count means the same thing on both databases. `timeout` is the pool's: how long a
        # check-out waits for a free connection when all `max_connections` are out.
        options = dict(charset="utf8mb4", max_connections=max_connections, stale_timeout=300,
                       timeout=connect_timeout, connect_timeout=connect_timeout, client_flag=CLIENT.FOUND_ROWS,
                       **({"init_command": "SET SESSION TRANSACTION READ ONLY"} if read_only else {}),
                       **_tls_options(tls_ca))
        hosts = mysql_hosts(url)
        if len(hosts) > 1:
            first = pooled.replace(urlparse(url).netloc.rsplit("@", 1)[-1], "%s:%d" % hosts[0], 1)
            params = {key: value for key, value in parse(first).items() if key not in ("host", "port")}
            return MultiHostMySQLDatabase(params.pop("database"), hosts=hosts, **params, **options)
        params = parse(pooled)
        return CommandPooledMySQLDatabase(params.pop("database"), **params, **options)
    raise ValueError(f"unsupported DATABASE_URL scheme: {scheme}")


def _tls_options(ca_file):
    """The driver's options for TLS verified against `ca_file`, the server's name included: the CA alone would let
    libmariadb accept any certificate the CA signed, whatever the host. VERIFY_IDENTITY checks the name with either
    client library (Oracle's libmysqlclient would skip it in VERIFY_CA)."""
    if not ca_file:
        return {}
    return {"ssl": {"ca": ca_file}, "ssl_mode": "VERIFY_IDENTITY"}


# The one MySQL driver: mysqlclient (MySQLdb, over the C client library), chosen here and never by peewee (which
# would take PyMySQL when both are installed): PyMySQL's Python per round trip was the largest single cost in every
# profile. mysqlclient allows several statements in one query and libmariadb LOAD DATA LOCAL unless told not to;
# PyMySQL, which we used before, allowed neither, nor do we.
MYSQL_DRIVER_OPTIONS = {"multi_statements": False, "local_infile": False}

# The server errors whose DB-API class mysqlclient and PyMySQL disagree on (every number 1000–1999 and 3000–4199
# raised by SIGNAL against MariaDB 10.11), as PyMySQL raised them: peewee maps a driver's error by its class name,
# and the app by peewee's class (an OperationalError answers 503 "database down", an IntegrityError is read as a
# duplicate). Deadlocks, lock waits, duplicate keys, Galera's refusals and lost connections agree already.
_PYMYSQL_CLASSES = {1166: MySQLdb.ProgrammingError,  # bad column name
                    1169: MySQLdb.OperationalError,  # can't write, because of unique constraint
                    1263: MySQLdb.DataError,         # NULL supplied to a NOT NULL column
                    1364: MySQLdb.OperationalError,  # field has no default value
                    1366: MySQLdb.DataError,         # incorrect value for a column
                    1367: MySQLdb.DataError}         # illegal value found during parsing


# What a string needs escaped in an SQL literal, in any sql_mode: without one, quoting it is all the escaping does.
_NEEDS_ESCAPING = re.compile(r"[\x00\n\r\x1a'\"\\]").search


class _Cursor(MySQLdb.cursors.Cursor):
    """mysqlclient's cursor, raising each server error as the class PyMySQL raised it (see _PYMYSQL_CLASSES)."""

    def execute(self, query, args=None):
        try:
            return super().execute(query, args)
        except MySQLdb.DatabaseError as exc:
            kind = _PYMYSQL_CLASSES.get(exc.args[0] if exc.args else None)
            if kind is None or type(exc) is kind:
                raise
            raise kind(*exc.args) from exc


class _Connection(MySQLdb.connections.Connection):
    """A mysqlclient connection that knows whether a transaction may be open on it, so that the pool rolls back only
    those given back with one (PyMySQL read it in the server's status of each answer; mysqlclient does not say).

    Our connections autocommit outside transactions, and every transaction of ours begins by `db.begin()` (`atomic`):
    a BEGIN opens one from the moment it is sent (an answer lost on the way may still have opened it), a COMMIT or
    ROLLBACK the server accepted closes it, a failed one leaves it open. A transaction begun by SQL of one's own
    (`execute_sql("BEGIN")`) is not seen: begin them through the database."""

    default_cursor = _Cursor
    in_transaction = False

    def literal(self, o):
        # The driver's literal of a parameter, written directly for what most parameters are (ids and amounts,
        # text with nothing to escape, naive UTC times): its general path (type checks, an encoder looked up, a
        # datetime formatted field by field) cost more Python than some statements take to run.
        kind = type(o)
        if kind is int:
            return b"%d" % o
        if kind is str and not _NEEDS_ESCAPING(o):
            return b"'%s'" % o.encode(self.encoding)
        if kind is datetime and o.tzinfo is None:
            return b"'%s'" % o.isoformat(" ").encode()
        return super().literal(o)

    def begin(self):
        self.in_transaction = True
        super().begin()

    def commit(self):
        super().commit()
        self.in_transaction = False

    def rollback(self):
        super().rollback()
        self.in_transaction = False


class _MySQLdbDatabase(MySQLDatabase):
    """peewee's MySQL database, its connections made by mysqlclient. Below the pool: the pool asks it for a new
    connection when it has none to give."""

    def _connect(self):
        return self.new_connection(self.connect_params)

    def new_connection(self, params):
        """A new connection of the driver's with `params` (host, port, user, charset …)."""
        return _Connection(database=self.database, autocommit=True, **MYSQL_DRIVER_OPTIONS, **params)

    def get_binary_type(self):
        return MySQLdb.Binary


class CommandPooledMySQLDatabase(PooledMySQLDatabase, _MySQLdbDatabase):
    """The pool, its BEGIN, COMMIT and ROLLBACK sent as the driver's own commands: the same statements on the
    wire, without a cursor made and read for each. On one hot row the Python run between the guarded UPDATE and
    COMMIT is time the row stays locked (bench/stock.py)."""

    def begin(self, isolation_level=None):
        if isolation_level:
            self.connection().in_transaction = True  # peewee sends this BEGIN as SQL
            return super().begin(isolation_level)
        with exception_wrapper:
            self.connection().begin()

    def commit(self):
        if self.is_closed():
            raise InterfaceError("Cannot commit, database connection not open.")
        with exception_wrapper:
            self._state.conn.commit()

    def rollback(self):
        if self.is_closed():
            raise InterfaceError("Cannot rollback, database connection not open.")
        with exception_wrapper:
            self._state.conn.rollback()

    def _is_closed(self, conn):
        # An idle connection has nothing to read: a readable one was closed by the server (killed, timed out,
        # restarted) or told why before closing. Asking the socket costs no round trip, where a ping cost one on
        # every request (go-sql-driver checks the same way). A server gone silently fails the first statement,
        # as it would have hung the ping.
        try:
            descriptor = conn.fileno()
        except MySQLdb.Error:
            return True
        idle = select.poll()
        idle.register(descriptor, select.POLLIN | select.POLLPRI)
        return bool(idle.poll(0))

    def _can_reuse(self, conn):
        # The pool would roll back every connection given back, a round trip on every request; only one whose
        # transaction may be open is (a failed ROLLBACK closes it). A connection that died meanwhile is still
        # pinged, found closed and replaced at its next check-out.
        return not conn.in_transaction or super()._can_reuse(conn)


def mysql_hosts(url):
    """The (host, port) servers a MySQL URL names: one, or several separated by commas (Galera nodes)."""
    netloc = urlparse(url).netloc.rsplit("@", 1)[-1]
    hosts = []
    for part in netloc.split(","):
        host, _, port = part.partition(":")
        hosts.append((host or "127.0.0.1", int(port) if port else 3306))
    return hosts


class MultiHostMySQLDatabase(CommandPooledMySQLDatabase):
    """A pool over several equal servers (the nodes of a Galera cluster): each new connection goes to the next
    one in turn, skipping a server that refuses it, so connections spread over the nodes and a dead node costs
    only the connections it held."""

    def init(self, database, hosts=(), **kwargs):
        self.hosts = list(hosts)
        self._turn = itertools.count(random.randrange(max(len(self.hosts), 1)))
        super().init(database, **kwargs)

    def new_connection(self, params):
        start, refused = next(self._turn), None
        for offset in range(len(self.hosts)):
            host, port = self.hosts[(start + offset) % len(self.hosts)]
            try:
                return super().new_connection({**params, "host": host, "port": port})
            except MySQLdb.OperationalError as exc:
                refused = exc
        raise refused


def init_database(url, *, max_connections=20, tls_ca=""):
    """Point the proxy at the database for `url` and return it."""
    database = open_database(url, max_connections=max_connections, tls_ca=tls_ca)
    db.initialize(database)
    return database


def init_replica(url, *, max_lag_seconds, max_connections=20, tls_ca=""):
    """Let `replica_read` send reports to the replica at `url` while it lags at most `max_lag_seconds`
    (no `url`: every read goes to the primary)."""
    global _replica
    if _replica is not None:
        _replica.database.close_all()
    _replica = _Replica(open_database(url, max_connections=max_connections, connect_timeout=2,
                                      read_only=True, tls_ca=tls_ca),
                        max_lag_seconds) if url else None
    return _replica


def is_mysql():
    """True when the bound database is MySQL/MariaDB."""
    return type(db.obj).__name__.endswith("MySQLDatabase")


def close_unless_in_transaction():
    """Return the connection to the pool, except inside a transaction (tests, nested work)."""
    if db.obj is not None and not db.is_closed() and not db.in_transaction():
        db.close()


def portable_sql(statement):
    """A statement written with ? placeholders, in the bound database's placeholder style (%s on MySQL)."""
    return statement.replace("?", db.param) if db.param != "?" else statement


# What a peewee cursor wrapper keeps of the one result it reads (CursorWrapper.__init__); the rest of its state is the
# statement's columns resolved (see Prepared.rows).
_WRAPPER_STATE_OF_ONE_RESULT = frozenset({"cursor", "count", "index", "populated", "row_cache"})

# Fields whose conversion of what either driver fetches for them (an int, a str, or None) hands it on unchanged.
_AS_FETCHED = frozenset({AutoField, BigAutoField, IntegerField, BigIntegerField, CharField, TextField})


def _converts_nothing(field):
    if isinstance(field, ForeignKeyField):
        field = field.rel_field
    return type(field) in _AS_FETCHED


class Prepared:
    """A statement the query builder writes once per kind of database, then run as its SQL with new values.

    On the hottest statements (every signed-in request, a placement, a scan) building the query cost more
    Python time than the database took to run it. `build(param)` returns the query with `param` (a
    placeholder) wherever a value goes, and no value of its own; `rows(*values)` answers what iterating that
    query would (models with their joins, tuples), the values in placeholder order; `execute(*values)` runs a
    write and answers the driver's cursor (its rowcount, its lastrowid). Values go to the
    driver as given: pass what the column stores (ids, text, times), not model instances.
    """

    def __init__(self, build):
        self._build = build
        self._compiled = {}
        self._resolved = {}
        self._as_fetched = {}

    def _query(self):
        kind = type(db.obj)
        compiled = self._compiled.get(kind)
        if compiled is None:
            query = self._build(SQL(db.param))
            sql, params = query.sql()
            if params:
                raise ValueError(f"a prepared query takes every value as a parameter: {sql}")
            compiled = self._compiled[kind] = (query, sql)
        return compiled

    def rows(self, *values):
        """Every row, as the built query would answer it.

        The cursor wrapper's resolution of the result's columns (to fields, converters, joined models), which peewee
        works out again from each cursor, is the statement's: it is kept from the first run that had a row, and
        was a scan's largest Python cost after the driver's. Tuples whose every column peewee would hand on as
        the driver fetched it (`_AS_FETCHED`) are the driver's rows, without the wrapper."""
        query, sql = self._query()
        kind = type(db.obj)
        cursor = db.execute_sql(sql, values)
        if self._as_fetched.get(kind):
            rows = list(cursor.fetchall())
            cursor.close()  # as the wrapper closes it after the last row
            return rows
        wrapper = query._get_cursor_wrapper(cursor)
        resolved = self._resolved.get(kind)
        if resolved is not None:
            vars(wrapper).update(resolved)
        rows = list(wrapper)
        if resolved is None and wrapper.initialized:
            self._resolved[kind] = {name: value for name, value in vars(wrapper).items()
                                    if name not in _WRAPPER_STATE_OF_ONE_RESULT}
            self._as_fetched[kind] = type(wrapper) is ModelTupleCursorWrapper and all(
                _converts_nothing(wrapper.fields[index]) for index in wrapper.convert)
        return rows

    def first(self, *values):
        """The first row, or None."""
        rows = self.rows(*values)
        return rows[0] if rows else None

    def execute(self, *values):
        """Run the statement (an UPDATE, a DELETE); the driver's cursor."""
        return db.execute_sql(self._query()[1], values)


_INSERTS = {}  # (model, column names, or_ignore, kind of database): the INSERT statement


def create_row(model, *, or_ignore=False, **values):
    """`model.create(**values)` (defaults filled in, values converted as the fields convert them) with its
    INSERT written once per model, set of columns and kind of database: on the hottest inserts (an order, its
    event, a scan) building the statement cost more Python time than running it. `or_ignore`: a row whose
    unique key exists is left alone (INSERT IGNORE) and the answer is None."""
    instance = model(**values)
    data, fields, key_name = instance.__data__, model._meta.fields, model._meta.primary_key.name
    names = tuple(field.name for field in model._meta.sorted_fields
                  if field.name in data and (field.name != key_name or data[field.name] is not None))
    kind = (model, names, or_ignore, type(db.obj))
    statement = _INSERTS.get(kind)
    if statement is None:
        param, (left, right) = SQL(db.param), db.obj.quote
        query = model.insert({fields[name]: param for name in names})
        statement, params = (query.on_conflict_ignore() if or_ignore else query).sql()
        columns = ", ".join(f"{left}{fields[name].column_name}{right}" for name in names)
        if params or f"({columns})" not in statement:  # the values below go in this order, and only they
            raise ValueError(f"an INSERT not of the columns {columns} alone: {statement}")
        _INSERTS[kind] = statement
    cursor = db.execute_sql(statement, [fields[name].db_value(data[name]) for name in names])
    if or_ignore and not cursor.rowcount:
        return None
    if data.get(key_name) is None:
        instance._pk = cursor.lastrowid
    instance._dirty.clear()
    return instance


_UPDATES = {}  # (model, column names, kind of database): the UPDATE statement by primary key


def update_row(model, row_id, **values):
    """`model.update(**values).where(primary key == row_id).execute()` (values converted as the fields convert
    them) with its UPDATE written once per model, set of columns and kind of database, as `create_row` writes its
    INSERT: on the hot paths building the statement cost more Python time than running it. Answers the rows
    matched."""
    meta = model._meta
    fields = meta.fields
    names = tuple(field.name for field in meta.sorted_fields if field.name in values)  # SET's order, the builder's
    if len(names) != len(values):
        raise ValueError(f"not fields of {model.__name__}: {sorted(set(values) - set(names))}")
    kind = (model, names, type(db.obj))
    statement = _UPDATES.get(kind)
    if statement is None:
        param, (left, right) = SQL(db.param), db.obj.quote
        query = model.update({fields[name]: param for name in names}).where(meta.primary_key == param)
        statement, params = query.sql()
        assigned = ", ".join(f"{left}{fields[name].column_name}{right} = {db.param}" for name in names)
        if params or f"SET {assigned} WHERE" not in statement:  # the values below go in this order, and only they
            raise ValueError(f"an UPDATE not of the columns {names} alone: {statement}")
        _UPDATES[kind] = statement
    row_values = [fields[name].db_value(values[name]) for name in names]
    return db.execute_sql(statement, [*row_values, model._meta.primary_key.db_value(row_id)]).rowcount


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
    names = tuple(rows[0])
    kind = (model, tuple(key_names), names, len(rows), type(db.obj))
    statement = _ADDS.get(kind)
    if statement is None:  # written once per shape: the daily figures are added to on every payment
        statement = _ADDS[kind] = _add_to_many_sql(model, key_names, names, len(rows))
    fields = model._meta.fields
    return db.execute_sql(statement, [fields[name].db_value(row[name]) for row in rows for name in names]).rowcount


_ADDS = {}  # (model, key names, column names, rows, kind of database): the INSERT … ON DUPLICATE/CONFLICT


def _add_to_many_sql(model, key_names, names, count):
    amounts = [name for name in names if name not in key_names]
    added = {name: (fn.VALUES(getattr(model, name)) if is_mysql() else getattr(EXCLUDED, name)) for name in amounts}
    update = {getattr(model, name): getattr(model, name) + added[name] for name in amounts}
    param = SQL(db.param)
    query = model.insert_many([{getattr(model, name): param for name in names}] * count)
    if is_mysql():
        query = query.on_conflict(update=update)
    else:
        query = query.on_conflict(conflict_target=[getattr(model, name) for name in key_names], update=update)
    statement, params = query.sql()
    (left, right), fields = db.obj.quote, model._meta.fields
    columns = ", ".join(f"{left}{fields[name].column_name}{right}" for name in names)
    if params or f"({columns})" not in statement:  # the values go in this order, and only they
        raise ValueError(f"an INSERT not of the columns {columns} alone: {statement}")
    return statement


LOCK_CONFLICT_ERRORS = (1213, 1205)  # InnoDB deadlock victim, lock wait timeout
RETRY_PAUSE_BASE, RETRY_PAUSE_CAP = 0.01, 1.0  # seconds (atomic_with_retry)


def mysql_error_code(exc):
    """The MySQL error number of a peewee error: peewee passes the driver's args after the original error, or
    (an error raised at COMMIT or through the pool) the driver's args alone."""
    for value in exc.args[:2]:
        if isinstance(value, int):
            return value
    return None


def atomic_with_retry(work, *, attempts=10):
    """Run `work()` in a transaction, retried when InnoDB picks it as a deadlock victim, or when a Galera
    cluster refuses it at commit because a transaction on another node wrote the same rows first (certification
    failure, which arrives as the same deadlock error 1213).

    Inside an enclosing transaction there is nothing to retry (InnoDB rolled the
    whole transaction back), so the error goes to the caller at once. The pause before
    each retry is random up to 10 ms · 2^attempt, at most 1 s: sized for a cluster, where rows that
    every node writes (a product's stock) conflict for as long as the burst of writes lasts — seconds —
    and a losing attempt already took a replication round trip (20 ms typical, 0.5 s at worst on the
    test machine); pauses that stopped at 0.3 s spent 8 attempts inside one burst (docs/scale-out.md).
    """
    database = db.obj  # the bound database itself: each of the transaction's own steps asked the proxy for it
    # A transaction of its own, or a savepoint inside the caller's: what `atomic` would choose, chosen once.
    begin = database.transaction
    if database.in_transaction():
        attempts, begin = 1, database.atomic
    for attempt in range(1, attempts + 1):
        try:
            with begin():
                return work()
        except OperationalError as exc:
            if attempt == attempts or not _lock_conflict(exc):
                raise
            time.sleep(random.uniform(0, min(RETRY_PAUSE_CAP, RETRY_PAUSE_BASE * 2 ** attempt)))


def _lock_conflict(exc):
    """True when `exc`, or the error it was raised while handling, is a deadlock or lock wait timeout.

    A deadlock (or a cluster's abort) inside a savepoint rolls the whole transaction back, so rolling
    back to the savepoint then fails with "SAVEPOINT does not exist" (1305), raised while handling the
    deadlock: that is a lock conflict too.
    """
    for _ in range(5):
        if exc is None:
            return False
        if isinstance(exc, OperationalError) and mysql_error_code(exc) in LOCK_CONFLICT_ERRORS:
            return True
        exc = exc.__context__
    return False


def paginate(query, *, page, per_page):
    """One page of `query` and the count of every row it matches."""
    return list(query.paginate(page, per_page)), query.order_by().count()


def bulk_insert(model, rows, *, ignore_duplicates=False, add_on_duplicate=(), chunk=1000):
    """INSERT many rows (dicts keyed by field name, the same keys in each), one statement per chunk; answers the
    rows the database counts as written (with `ignore_duplicates`: those inserted).

    For ledgers written thousands of rows at a time: building such statements through
    the query builder costs more than running them. Python-side defaults are filled
    in; values go to the driver as they are. `ignore_duplicates` skips rows whose
    unique key exists; `add_on_duplicate` adds the given columns to an existing row
    with the same primary key instead.
    """
    if not rows:
        return 0
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
            # Literals, no parameters: the driver would read a "%" in the text (平级奖 3%) as a placeholder.
            statement = head + ", ".join(f"({', '.join(map(literal, row))})" for row in values) + tail
            cursor = database.cursor()
            cursor.execute(statement)
            _seen_by_hooks(database, statement)
            return cursor.rowcount
    else:
        statement = head + f"({', '.join([database.param] * len(names))})" + tail

        def write(values):
            cursor = database.cursor()
            cursor.executemany(statement, values)
            _seen_by_hooks(database, statement)
            return cursor.rowcount
    extra = list(defaults.values())
    written = 0
    for start in range(0, len(rows), chunk):
        values = [[row[name] for name in rows[0]] + extra for row in rows[start:start + chunk]]
        with exception_wrapper:  # the driver's errors as peewee's, as every other query raises them
            written += write(values)
    return written


def _seen_by_hooks(database, statement):
    """A statement written past peewee's execute_sql, told to its query hooks (the statement budgets count it)."""
    for hook in database.query_hooks:
        hook(QueryEvent(statement, None, 0.0, None))


def _mysql_literal(connection):
    """A function giving the SQL literal of a value as text, as the connection writes a parameter (its `literal`),
    but bytes in hex, which any bytes survive in a statement of text."""
    encoding, connection_literal = connection.encoding, connection.literal

    def literal(value):
        if type(value) is bytes or type(value) is bytearray:
            return f"X'{value.hex()}'"
        return connection_literal(value).decode(encoding)
    return literal


# Reading a replica ------------------------------------------------------------------------------------------

REPLICA_CHECK_SECONDS = 1.0   # how long one process trusts a lag measurement
REPLICA_RETRY_SECONDS = 5.0   # how long a replica that failed a read is left alone
GTID_WAIT_SECONDS = 0.05      # a replica this close behind counts as caught up
_replica = None
_reading = threading.local()  # .age: the oldest replica data this thread served since reset_data_age()
READ_FAILURES = (OperationalError, InterfaceError, MaxConnectionsExceeded)


class _Replica:
    """A replica and this process's last word on it: how far behind it is, or that it is down."""

    def __init__(self, database, max_lag_seconds):
        self.database, self.max_lag = database, float(max_lag_seconds)
        self._lock = threading.Lock()
        self._checked_at, self._age, self._down_until = -1e9, None, 0.0

    def usable_age(self):
        """How old the replica's data is (seconds), or None when reads must go to the primary."""
        now = time.monotonic()
        if now < self._down_until:
            return None
        # One thread measures; the others meanwhile take the last measurement (none yet: the primary).
        if now - self._checked_at >= REPLICA_CHECK_SECONDS and self._lock.acquire(blocking=False):
            try:
                self._age = self._measure()
            except READ_FAILURES as exc:
                log.warning("replica unreachable, reading the primary: %s", exc)
                self._down_until, self._age = now + REPLICA_RETRY_SECONDS, None
            finally:
                _close(self.database)
                self._checked_at = now
                self._lock.release()
        age = self._age
        return age if age is not None and age <= self.max_lag else None

    def _measure(self):
        """Seconds the replica is behind: 0 when it has applied what the primary had committed, else the age of
        the newest heartbeat it applied (the primary's clock). Beats the primary's heartbeat on the way."""
        position, now = db.primary.execute_sql("SELECT @@gtid_binlog_pos, UTC_TIMESTAMP()").fetchone()
        beat_heartbeat()
        caught_up, = self.database.execute_sql("SELECT MASTER_GTID_WAIT(%s, %s)",
                                                (position, GTID_WAIT_SECONDS)).fetchone()
        if caught_up == 0:
            return 0.0
        row = self.database.execute_sql("SELECT beat_at FROM replica_heartbeat WHERE id = 1").fetchone()
        return max((now - row[0]).total_seconds(), 0.0) if row else None

    def failed(self, exc):
        log.warning("replica read failed, reading the primary: %s", exc)
        with self._lock:
            self._down_until, self._age = time.monotonic() + REPLICA_RETRY_SECONDS, None


def _close(database):
    """Return this thread's replica connection to the pool (a dead one is dropped at its next checkout)."""
    try:
        if not database.is_closed():
            database.close()
    except READ_FAILURES:
        pass


def beat_heartbeat():
    """Stamp the primary's heartbeat row (replicas age their data by it); nothing without a replica or on SQLite."""
    if _replica is None or not is_mysql():
        return
    db.primary.execute_sql("INSERT INTO replica_heartbeat (id, beat_at) VALUES (1, UTC_TIMESTAMP()) "
                           "ON DUPLICATE KEY UPDATE beat_at = VALUES(beat_at)")


def replica_read(work):
    """`work()` (reads only) on the replica when one is set, reachable and lags at most REPLICA_MAX_LAG_SECONDS;
    on the primary otherwise, inside a transaction (a read before a write), or when the replica fails midway.

    Nested calls run where the outermost one does.
    """
    replica = _replica
    if replica is None or db._local.reading is not None or db.in_transaction():
        return work()
    age = replica.usable_age()
    if age is None:
        return work()
    db._local.reading = replica.database
    try:
        result = work()
    except READ_FAILURES as exc:
        replica.failed(exc)
    else:
        _reading.age = max(getattr(_reading, "age", None) or 0.0, age)
        return result
    finally:
        db._local.reading = None
        _close(replica.database)
    return work()


def reads_replica(function):
    """Decorator: `function` (a report: reads only) runs through `replica_read`."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return replica_read(lambda: function(*args, **kwargs))
    return wrapper


def reset_data_age():
    """Forget the replica data this thread served (a request's start)."""
    _reading.age = None


def data_age():
    """Seconds behind the primary of the oldest replica data this thread served since reset_data_age(); None when
    it read only the primary."""
    return getattr(_reading, "age", None)


def forget_replica_state():
    """Measure the replica afresh at the next read (tests, and after replication is repaired)."""
    if _replica is not None:
        with _replica._lock:
            _replica._checked_at, _replica._age, _replica._down_until = -1e9, None, 0.0
