"""Reference data kept per process under the version the database gives it: products with their level prices,
levels, promotions, shipping templates and commission rule versions change a few times a day and are read by
every order, and money depends on them, so a change committed before a request starts is seen by that request in
every process (gunicorn workers, the scheduler), not some seconds later as with `app.kept`.

Triggers (migration 0260) set a kind's row of `reference_version` to a new random value on every INSERT, UPDATE
and DELETE of its tables, inside the writing transaction; a value never comes back, so what was read under a
version that was replaced or rolled back is never served again. A request (a job, a background task) reads the
versions once, in one statement, at its first look-up (`open_scope`), or with its first statement where a hot path
joins them to what it reads anyway (`remember_versions`: a WeChat Pay notification's payment lookup) — unless that
look-up comes inside a transaction the scope opened, whose own uncommitted writes the versions may then be: a
rollback would leave the scope serving what was rolled back, so they are read again at each look-up until one
comes outside it. Outside a
scope (a `flask` command, a test calling a use case) each look-up reads them. A level deleted takes its promotions
with it through a foreign key's cascade, which fires no trigger on MySQL: migration 0261 bumps the promotions'
version on a level's delete. So within one scope a look-up after the scope's own write of
reference data answers what was kept before that write: a use case that writes them reads back uncached (the
faces' writers do).

A value read on a miss is kept only under the version read again just after it on the same connection, and only
when that is the version the request works under: inside one transaction both come from one snapshot (REPEATABLE
READ), outside one the same version on both sides of the read means no change committed between, and a change of
the transaction's own (not yet committed) makes the two differ. The answer to the request is the value read.
"""
import contextlib
import contextvars

from app.database import db

CATALOG = "catalog"                   # product, level_price
LEVELS = "levels"                     # agent_level
PROMOTIONS = "promotions"             # promotion
SHIPPING = "shipping"                 # shipping_template
COMMISSION_RULES = "commission_rules"  # commission_rule_version


class _Scope:
    """The versions one request works under, read at its first look-up, and the transaction depth it began at."""

    __slots__ = ("versions", "depth")

    def __init__(self, depth):
        self.versions, self.depth = None, depth


_scope = contextvars.ContextVar("reference_scope", default=None)


def open_scope():
    """From now on (a request, a job, a task) the versions are read once, at the first look-up; the token for
    `close_scope`."""
    return _scope.set(_Scope(db.transaction_depth()))


def close_scope(token):
    """Back to what was before `open_scope` (outside any scope: the versions are read at every look-up)."""
    _scope.reset(token)


@contextlib.contextmanager
def scope():
    """The block works under one reading of the versions, as one request does."""
    token = open_scope()
    try:
        yield
    finally:
        close_scope(token)


VERSIONS_TABLE = "reference_version"  # (kind, version): one row per kind, never none


def _read_versions():
    return dict(db.execute_sql(f"SELECT kind, version FROM {VERSIONS_TABLE}").fetchall())


def remember_versions(rows):
    """The (kind, version) rows of VERSIONS_TABLE that the caller read in a statement of its own (a hot path's
    first, joining them to what it reads: a round trip less), kept as the scope's versions as its first look-up
    would have read them: only when the scope has read none yet and no transaction it opened is under way (else
    they are left unused)."""
    scope = _scope.get()
    if scope is not None and scope.versions is None and db.transaction_depth() <= scope.depth and rows:
        scope.versions = dict(rows)


def _current_versions():
    scope = _scope.get()
    if scope is None:
        return _read_versions()
    if scope.versions is None:
        if db.transaction_depth() > scope.depth:
            # Read inside a transaction the scope opened, they may be its own uncommitted writes': kept for the
            # scope, a rollback would leave it serving what was rolled back. Read again at each look-up until one
            # comes outside it.
            return _read_versions()
        scope.versions = _read_versions()
    return scope.versions


class Referenced:
    """Values read from the tables of one kind of reference data, by key, each kept with the version it was read
    under; past `size` keys every one is forgotten. A key the read does not answer is not kept (it may appear)."""

    def __init__(self, kind, *, size=4096):
        self.kind, self._size, self._values = kind, size, {}

    def get(self, key, read):
        """The value of `key` under the current version: kept, or `read()`'s."""
        return self.get_many([key], lambda missing: {key: read()}).get(key)

    def get_many(self, keys, read):
        """{key: value} for those of `keys` that have one: the kept ones of the current version, the others from
        `read(missing keys)` (answering {key: value}, leaving out keys that have none)."""
        if db.obj is not db.primary:  # a report on a replica: it may lag the versions the request works under
            return _present(read(list(keys)))
        version = _current_versions().get(self.kind)
        found, missing = {}, []
        for key in keys:
            entry = self._values.get(key)
            if version is not None and entry is not None and entry[0] == version:
                found[key] = entry[1]
            else:
                missing.append(key)
        if not missing:
            return found
        fresh = _present(read(missing))
        if version is not None and _read_versions().get(self.kind) == version:
            if len(self._values) + len(fresh) > self._size:
                self._values.clear()
            for key, value in fresh.items():
                self._values[key] = (version, value)
        found.update(fresh)
        return found


def _present(values):
    return {key: value for key, value in values.items() if value is not None}
