"""A level's promotions go with it (`promotion.level` ON DELETE CASCADE), and MySQL/MariaDB fire no trigger for a
row a foreign key's cascade deletes: deleting a level also gives the promotions a new version, so no process keeps
serving a promotion that is gone (SQLite fires the promotion's own trigger as well; a second new version is
harmless)."""

TRIGGER = "agent_level_delete_promotions_reference_version"


def up(migrator, db):
    mysql = type(db).__name__.endswith("MySQLDatabase")
    bump = ("UPDATE reference_version SET version = "
            + ("UUID()" if mysql else "lower(hex(randomblob(16)))") + " WHERE kind = 'promotions'")
    when = "AFTER DELETE ON agent_level FOR EACH ROW"
    db.execute_sql(f"CREATE TRIGGER {TRIGGER} {when} {bump}" if mysql
                   else f"CREATE TRIGGER {TRIGGER} {when} BEGIN {bump}; END")


def down(migrator, db):
    db.execute_sql(f"DROP TRIGGER IF EXISTS {TRIGGER}")
