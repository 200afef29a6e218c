"""`bulk_insert` writes every value as the driver would, whatever the string holds."""
from datetime import datetime

import pytest
from peewee import IntegrityError

from app.database import bulk_insert
from app.finance.models import JournalEntry

AWKWARD_MEMOS = ["plain", "it's", 'say "hi"', "back\\slash", "line\nbreak\r\n", "nul\x00byte", "ctrl-z\x1a",
                 "中文说明：¥12.34 × 3件", "emoji 🧧", "percent %s %(x)s", "", "' OR 1=1 --"]


def test_bulk_insert_round_trips_strings_that_need_escaping():
    at = datetime(2026, 11, 27, 8, 30, 15)
    bulk_insert(JournalEntry, [{"key": f"bulk:{index}", "kind": "test", "memo": memo, "order_id": None,
                                "created_at": at} for index, memo in enumerate(AWKWARD_MEMOS)])

    stored = {entry.key: entry for entry in JournalEntry.select().where(JournalEntry.kind == "test")}
    assert [stored[f"bulk:{index}"].memo for index in range(len(AWKWARD_MEMOS))] == AWKWARD_MEMOS
    assert {entry.created_at for entry in stored.values()} == {at}
    assert {entry.order_id for entry in stored.values()} == {None}


def test_bulk_insert_fills_python_side_defaults():
    bulk_insert(JournalEntry, [{"key": "bulk:defaults", "kind": "test"}])

    entry = JournalEntry.get(JournalEntry.key == "bulk:defaults")
    assert entry.memo == "" and entry.created_at is not None


def test_bulk_insert_writes_more_rows_than_one_statement_holds():
    bulk_insert(JournalEntry, [{"key": f"bulk:{index}", "kind": "test"} for index in range(2500)], chunk=1000)

    assert JournalEntry.select().where(JournalEntry.kind == "test").count() == 2500


def test_bulk_insert_refuses_a_duplicate_key():
    bulk_insert(JournalEntry, [{"key": "bulk:once", "kind": "test"}])

    with pytest.raises(IntegrityError):
        bulk_insert(JournalEntry, [{"key": "bulk:once", "kind": "test"}])


def test_bulk_insert_can_skip_duplicates():
    bulk_insert(JournalEntry, [{"key": "bulk:once", "kind": "test", "memo": "first"}])

    bulk_insert(JournalEntry, [{"key": "bulk:once", "kind": "test", "memo": "second"}], ignore_duplicates=True)

    assert JournalEntry.get(JournalEntry.key == "bulk:once").memo == "first"
