"""The migrations build exactly the schema the models describe."""
import pytest

from app import migrate
from app.database import db


def test_models_match_the_migrated_schema():
    drift = migrate.schema_drift()
    assert not drift, f"models and migrations disagree:\n{drift}"


def test_every_migration_is_applied():
    assert all(m.applied for m in migrate.status())


def test_db_status_lists_migrations(app):
    result = app.test_cli_runner().invoke(args=["db", "status"])
    assert result.exit_code == 0
    assert "0001_accounts" in result.output and "applied" in result.output


def test_db_upgrade_twice_changes_nothing(app):
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert "up to date" in result.output


@pytest.mark.mysql_only
def test_every_table_has_a_primary_key():
    """Galera replicates a table without one badly (or refuses it, with wsrep_mode=REQUIRED_PRIMARY_KEY)."""
    without = db.execute_sql(
        "SELECT t.table_name FROM information_schema.tables t LEFT JOIN information_schema.table_constraints c"
        " ON c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.constraint_type = 'PRIMARY KEY'"
        " WHERE t.table_schema = DATABASE() AND t.table_type = 'BASE TABLE' AND c.constraint_name IS NULL").fetchall()
    assert list(without) == []


@pytest.mark.mysql_only
def test_every_table_is_innodb():
    """Galera replicates InnoDB tables only."""
    others = db.execute_sql("SELECT table_name, engine FROM information_schema.tables WHERE table_schema = DATABASE()"
                            " AND table_type = 'BASE TABLE' AND engine <> 'InnoDB'").fetchall()
    assert list(others) == []
