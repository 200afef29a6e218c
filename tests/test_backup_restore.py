"""deploy/backup.sh and deploy/restore.sh: a dump of a live database restores into another, the same row for row."""
import os
import subprocess
import time
from urllib.parse import urlparse

import pytest

from app.database import db
from tests.factories import advanced, make_agent, make_level, orderable, place

pytestmark = [pytest.mark.mysql_only, pytest.mark.committed]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def restored_url(database_url):
    """A second database next to the test one, dropped afterwards."""
    parts = urlparse(database_url)
    name = parts.path.lstrip("/") + "_restore"
    db.execute_sql(f"DROP DATABASE IF EXISTS `{name}`")
    yield parts._replace(path=f"/{name}").geturl()
    db.execute_sql(f"DROP DATABASE IF EXISTS `{name}`")


def run(script, *args, **env):
    return subprocess.run([os.path.join(ROOT, "deploy", script), *args], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)


def backup(database_url, backup_dir, **env):
    done = run("backup.sh", DATABASE_URL=database_url, BACKUP_DIR=str(backup_dir), **env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def fingerprint(name):
    """Every table's row count and InnoDB checksum in database `name`."""
    tables = [row[0] for row in db.execute_sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY table_name", (name,))]
    return {table: (db.execute_sql(f"SELECT COUNT(*) FROM `{name}`.`{table}`").fetchone()[0],
                    db.execute_sql(f"CHECKSUM TABLE `{name}`.`{table}`").fetchone()[1]) for table in tables}


@pytest.fixture
def seeded_brand():
    """A brand with agents, a shipped order (stock moves, ledger, outbox) and text beyond Latin-1."""
    level = make_level(name="总代理")
    product, _ = orderable(88, name="玫瑰面霜 🌹")
    agent = make_agent(level=level, name="张三😀")
    advanced(place(agent, (product, 2)), "pay", "pick", "ship")


def test_a_restored_backup_equals_the_database_table_for_table(seeded_brand, database_url, restored_url, tmp_path):
    dump = backup(database_url, tmp_path)
    done = run("restore.sh", dump, DATABASE_URL=restored_url)
    assert done.returncode == 0, done.stderr
    original, restored = fingerprint(urlparse(database_url).path[1:]), fingerprint(urlparse(restored_url).path[1:])
    assert original["sales_order"][0] == 1 and original["stock_move"][0] > 0
    assert restored == original


def test_restore_refuses_a_database_that_has_tables(seeded_brand, database_url, tmp_path):
    done = run("restore.sh", backup(database_url, tmp_path), DATABASE_URL=database_url)
    assert done.returncode == 1
    assert "restore into an empty one" in done.stderr


def test_backups_older_than_the_kept_days_are_removed_and_uploads_kept(database_url, tmp_path):
    old = tmp_path / "weishang-20200101T000000Z.sql.gz"
    old.write_bytes(b"")
    os.utime(old, (time.time() - 20 * 86400,) * 2)
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "proof.jpg").write_bytes(b"\xff\xd8")
    dump = backup(database_url, tmp_path, BACKUP_KEEP_DAYS="14", UPLOAD_DIR=str(uploads))
    assert not old.exists() and os.path.exists(dump)
    assert len(list(tmp_path.glob("uploads-*.tar.gz"))) == 1
