"""One version per kind of reference data (products and their level prices, levels, promotions, shipping templates,
commission rule versions), set to a new random value by a trigger on every INSERT, UPDATE and DELETE of their
tables, inside the writing transaction: what app/reference.py keeps per process is dropped in every process by the
next request after the change commits, whatever wrote it (the console, the CLI, the seed, raw SQL, a migration).
A rolled-back change leaves the version as it was, and a value never comes back (not a counter), so nothing read
under a version that was rolled back or replaced can be served again.

The table is the triggers', not a model's: no code writes it, and a test that empties every model's table leaves
its rows."""

# This migration's own copy: kind -> the tables whose triggers change it.
TABLES = {
    "catalog": ("product", "level_price"),
    "levels": ("agent_level",),
    "promotions": ("promotion",),
    "shipping": ("shipping_template",),
    "commission_rules": ("commission_rule_version",),
}
EVENTS = ("insert", "update", "delete")


def _is_mysql(db):
    return type(db).__name__.endswith("MySQLDatabase")


def _trigger_name(table, event):
    return f"{table}_{event}_reference_version"


def up(migrator, db):
    mysql = _is_mysql(db)
    db.execute_sql("CREATE TABLE reference_version (kind VARCHAR(32) NOT NULL PRIMARY KEY, version CHAR(36) NOT NULL)"
                   + (" ENGINE=InnoDB" if mysql else ""))
    new_version = "UUID()" if mysql else "lower(hex(randomblob(16)))"
    for kind, tables in TABLES.items():
        db.execute_sql(f"INSERT INTO reference_version (kind, version) VALUES ('{kind}', {new_version})")
        bump = f"UPDATE reference_version SET version = {new_version} WHERE kind = '{kind}'"
        for table in tables:
            for event in EVENTS:
                name, when = _trigger_name(table, event), f"AFTER {event.upper()} ON {table} FOR EACH ROW"
                db.execute_sql(f"CREATE TRIGGER {name} {when} {bump}" if mysql
                               else f"CREATE TRIGGER {name} {when} BEGIN {bump}; END")


def down(migrator, db):
    for tables in TABLES.values():
        for table in tables:
            for event in EVENTS:
                db.execute_sql(f"DROP TRIGGER IF EXISTS {_trigger_name(table, event)}")
    db.execute_sql("DROP TABLE reference_version")
