"""The migrations build exactly the schema the models describe."""
from app import migrate


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
