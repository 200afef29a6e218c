"""Code batches and labels as background tasks: progress by chunk, resuming after a lost worker, clean-up on failure."""
import io
import json
import zipfile

import pytest

from app.codes import background, batches
from app.codes import service as codes
from app.codes.models import Code, CodeBatch
from app.errors import InvalidInput
from app.tasks import service as tasks
from app.tasks import worker
from tests.factories import admin_headers, codes_of, make_admin, make_batch, make_product


def batch_task(quantity=12, **fields):
    return codes.submit_batch(admin=make_admin("staff"), product_id=make_product().id, lot="L1", quantity=quantity,
                              **fields)


def test_a_batch_task_makes_every_code_and_points_at_the_batch(monkeypatch):
    monkeypatch.setattr(batches, "INSERT_CHUNK", 5)
    batch_task(12, box_size=5)
    task = worker.run_next(worker="w1")
    batch = CodeBatch.get_by_id(tasks.result_of(task)["batch_id"])
    assert (task.status, task.done, task.total) == ("done", 15, 15)
    assert [serial for serial, _ in codes.iter_codes(batch.id)] == list(range(1, 13))
    assert len(codes_of(batch, boxes=True)) == 3 and batch.created_by.startswith("admin:")


def test_a_batch_task_reports_progress_after_each_chunk(monkeypatch):
    monkeypatch.setattr(batches, "INSERT_CHUNK", 5)
    reports = []
    monkeypatch.setattr(worker.Run, "step", lambda run, done, total=None: reports.append((done, total)))
    batch_task(12)
    worker.run_next(worker="w1")
    assert reports == [(5, 12), (10, 12), (12, 12)]


def test_the_batch_form_errors_come_before_anything_is_queued():
    with pytest.raises(InvalidInput) as refused:
        batch_task(0)
    assert refused.value.fields == {"quantity": "数量必须在 1 到 1000000 之间"}
    assert CodeBatch.select().count() == 0


def test_a_reclaimed_batch_task_resumes_after_the_highest_serial_made(monkeypatch):
    monkeypatch.setattr(batches, "INSERT_CHUNK", 4)
    task = batch_task(10)
    claimed = worker.claim(worker="w1")
    batch = batches.start_batch(**json.loads(claimed.params))
    worker.Run(claimed, "w1").remember(batch_id=batch.id)
    batches._insert_chunk(batch, range(1, 5), is_box=False, box_of=lambda serial: None)
    first_codes = codes_of(batch)
    done = worker.execute(claimed, worker="w1")
    assert done.id == task.id and done.status == "done"
    assert codes_of(batch)[:4] == first_codes and len(codes_of(batch)) == 10
    assert CodeBatch.select().count() == 1


def test_a_batch_whose_making_fails_is_deleted_with_its_codes(monkeypatch):
    monkeypatch.setattr(batches, "INSERT_CHUNK", 4)
    real_insert = batches._insert_chunk

    def insert_then_fail(batch, serials, **kwargs):
        if serials.start > 4:
            raise RuntimeError("connection lost")
        real_insert(batch, serials, **kwargs)
    monkeypatch.setattr(batches, "_insert_chunk", insert_then_fail)
    batch_task(10)
    task = worker.run_next(worker="w1")
    assert (task.status, task.error) == ("failed", worker.FAILED_MESSAGE)
    assert CodeBatch.select().count() == 0 and Code.select().count() == 0


def test_a_small_range_of_labels_is_made_at_once():
    batch = make_batch(3)
    chunks, mimetype, filename = codes.labels_or_task(admin=make_admin(), batch_id=batch.id, format="svg")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert len(archive.namelist()) == 3 and (filename, mimetype) == (f"codes-{batch.id}-svg.zip", "application/zip")


def test_a_big_range_of_labels_becomes_a_task_writing_the_file(monkeypatch):
    monkeypatch.setattr(background, "LABELS_IN_REQUEST", 2)
    batch = make_batch(4)
    owner = make_admin()
    queued = codes.labels_or_task(admin=owner, batch_id=batch.id, format="png", first=2)
    task = worker.run_next(worker="w1")
    path, name, mimetype = tasks.result_file(queued.id, viewer=owner)
    assert (task.done, task.total) == (3, 3)
    assert len(zipfile.ZipFile(path).namelist()) == 3 and name == f"codes-{batch.id}-png.zip"


def test_a_pdf_of_more_labels_than_a_sheet_file_holds_is_refused():
    batch = make_batch(1)
    with pytest.raises(InvalidInput) as refused:
        codes.labels_or_task(admin=make_admin(), batch_id=batch.id, format="pdf", first=1, last=2001)
    assert "last" in refused.value.fields


def test_labels_of_a_batch_still_being_made_are_refused(client, monkeypatch):
    monkeypatch.setattr(batches, "INSERT_CHUNK", 4)
    batch_task(10)
    claimed = worker.claim(worker="w1")
    batch = batches.start_batch(**json.loads(claimed.params))
    batches._insert_chunk(batch, range(1, 5), is_box=False, box_of=lambda serial: None)
    headers = admin_headers(client, make_admin("staff"))
    for path in ("labels.csv", "labels.zip", "labels.pdf"):
        response = client.get(f"/admin/api/codes/batches/{batch.id}/{path}", headers=headers)
        assert response.status_code == 409 and response.get_json()["error"]["code"] == "batch_in_progress"
