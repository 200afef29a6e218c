"""Code work too long for a request, run as background tasks: a big batch, a big range of labels.

A batch is made chunk by chunk, each chunk committed, so its progress shows; the batch
is resumable rather than all-or-nothing: a worker that died is replaced by one that
continues after the highest serial made, and a batch whose making fails is deleted
with its codes (none of them was printed yet).
"""
from app.codes import batches, labels
from app.database import db
from app.tasks import service as tasks

BATCH_TASK = "code_batch"
LABELS_TASK = "code_labels"
LABELS_IN_REQUEST = 500


def submit_batch(*, admin, product_id, lot, quantity, box_size=0, with_pin=False, note=""):
    """Check a batch's fields now (so the form shows their errors) and queue its making; returns the task."""
    batches.check_batch_fields(product_id=product_id, lot=lot, quantity=quantity, box_size=box_size)
    params = {"product_id": product_id, "lot": lot, "quantity": quantity, "box_size": box_size,
              "with_pin": with_pin, "note": note, "actor": f"admin:{admin.id}"}
    return tasks.submit(kind=BATCH_TASK, params=params, actor=admin)


def labels_or_task(*, admin, batch_id, format, boxes=False, first=1, last=None, **options):
    """Labels of a range of a batch: up to LABELS_IN_REQUEST made now, as `labels.label_file` gives them; more are
    queued as a task, which is returned instead."""
    batch = batches.complete_batch(batch_id)
    first, last = labels.label_range(first=first, last=last, pdf=format == "pdf")
    if labels.label_count(batch, boxes=boxes, first=first, last=last) > LABELS_IN_REQUEST:
        params = {"batch_id": batch.id, "format": format, "boxes": boxes, "first": first, "last": last, **options}
        return tasks.submit(kind=LABELS_TASK, params=params, actor=admin)
    rows = batches.iter_codes(batch.id, boxes=boxes, first=first, last=last)
    return labels.label_file(batch, rows, fmt=format, first=first, boxes=boxes, **options)


def make_batch(run):
    """Task handler: create the batch described by the params (the API's batch fields) and fill it with codes."""
    batch_id = run.remembered.get("batch_id")
    if batch_id is None:
        with db.atomic():
            batch = batches.start_batch(**run.params)
            run.remember(batch_id=batch.id)
    else:
        batch = batches.get_batch(batch_id)
    try:
        batches.fill_batch(batch, progress=run.step)
    except tasks.LostClaim:
        raise
    except Exception:
        run.check()  # LostClaim if another worker took over: then the batch is theirs to finish
        batches.delete_batch(batch.id)
        raise


def write_labels(run):
    """Task handler: a label file (PDF sheet or image zip) for a range of a batch, written to the task's file."""
    params = dict(run.params)
    batch = batches.get_batch(params.pop("batch_id"))
    fmt, boxes = params.pop("format"), params.pop("boxes")
    first, last = labels.label_range(first=params.pop("first"), last=params.pop("last"), pdf=fmt == "pdf")
    total = labels.label_count(batch, boxes=boxes, first=first, last=last)
    rows = run.counted(batches.iter_codes(batch.id, boxes=boxes, first=first, last=last), total)
    content, mimetype, filename = labels.label_file(batch, rows, fmt=fmt, first=first, boxes=boxes, **params)
    with open(run.path, "wb") as out:
        if isinstance(content, bytes):
            out.write(content)
        else:
            out.writelines(content)
    return filename, mimetype


tasks.register(BATCH_TASK, make_batch)
tasks.register(LABELS_TASK, write_labels)
