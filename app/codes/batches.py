"""Code batches: generated with multi-row INSERTs, read back in serial order for labels."""
import math

from peewee import IntegrityError, fn

from app.catalog import service as catalog
from app.codes import codec
from app.codes.models import Code, CodeBatch
from app.database import db, paginate
from app.errors import Conflict, InvalidInput, NotFound

MAX_BATCH = 1_000_000
MAX_BOX_SIZE = 1000
INSERT_CHUNK = 5000
READ_CHUNK = 2000
_COLUMNS = "code, serial, box_id, pin_hash, batch_id, is_box, pin_failures, province, bound_by, scan_count"


def _literal(value):
    return "NULL" if value is None else f"'{value}'" if isinstance(value, str) else str(int(value))


def _insert_chunk(batch, serials, *, is_box, box_of):
    """Insert codes for `serials` in one multi-row INSERT; a duplicate (odds 2^-80 a pair) draws the chunk again.

    The values are written into the statement as literals rather than bound one by
    one: every one is ours — codes of the code alphabet, hex hashes and integers — so
    none needs escaping, and escaping four million values is most of the driver's work.
    """
    constants = f"{int(batch.id)}, {int(is_box)}, 0, '', '', 0"
    for _ in range(3):
        rows = []
        for code, serial in zip(codec.new_codes(len(serials)), serials):
            pin = codec.pin_hash(code, codec.pin_for(code)) if batch.with_pin else None
            rows.append(f"('{code}', {int(serial)}, {_literal(box_of(serial))}, {_literal(pin)}, {constants})")
        try:
            with db.atomic():
                db.execute_sql(f"INSERT INTO code ({_COLUMNS}) VALUES " + ", ".join(rows))
            return
        except IntegrityError:
            continue
    raise RuntimeError("could not draw unique codes")


def _insert_codes(batch, count, *, is_box, box_of, made=0, progress=None):
    """Insert codes for serials after `made` up to `count`, chunk by chunk; `progress(chunk size)` after each."""
    for start in range(made + 1, count + 1, INSERT_CHUNK):
        serials = range(start, min(start + INSERT_CHUNK, count + 1))
        _insert_chunk(batch, serials, is_box=is_box, box_of=box_of)
        if progress:
            progress(len(serials))


def check_batch_fields(*, product_id, lot, quantity, box_size=0):
    """A batch's fields checked (InvalidInput naming the field); the lot as stored."""
    catalog.get_product(product_id)
    lot = (lot or "").strip()
    if not lot or len(lot) > 32:
        raise InvalidInput.on("lot", "批号不能为空且不超过32个字符")
    if not 1 <= quantity <= MAX_BATCH:
        raise InvalidInput.on("quantity", f"数量必须在 1 到 {MAX_BATCH} 之间")
    if not 0 <= box_size <= MAX_BOX_SIZE:
        raise InvalidInput.on("box_size", f"每箱数量必须在 0 到 {MAX_BOX_SIZE} 之间")
    return lot


def start_batch(*, product_id, lot, quantity, box_size=0, with_pin=False, note="", actor=""):
    """Check a batch's fields and record the batch, still without codes (`fill_batch` makes them)."""
    lot = check_batch_fields(product_id=product_id, lot=lot, quantity=quantity, box_size=box_size)
    return CodeBatch.create(product=product_id, lot=lot, quantity=quantity, box_size=box_size,
                            with_pin=with_pin, note=(note or "")[:255], created_by=actor)


def _highest_serial(batch_id, *, boxes):
    return Code.select(fn.MAX(Code.serial)).where(Code.batch == batch_id, Code.is_box == boxes).scalar() or 0


def fill_batch(batch, *, progress=None):
    """Insert the codes a batch still lacks (box codes first, then items, in serial order), each chunk in its own
    transaction unless the caller holds one; resumes after the highest serial present.

    `progress(made, total)` is called after each chunk.
    """
    box_count = math.ceil(batch.quantity / batch.box_size) if batch.box_size else 0
    made_boxes, made_items = _highest_serial(batch.id, boxes=True), _highest_serial(batch.id, boxes=False)
    made, total = made_boxes + made_items, box_count + batch.quantity

    def step(count):
        nonlocal made
        made += count
        if progress:
            progress(made, total)
    _insert_codes(batch, box_count, is_box=True, box_of=lambda serial: None, made=made_boxes, progress=step)
    box_ids = {}
    if box_count:
        box_ids = dict(Code.select(Code.serial, Code.id).where(Code.batch == batch.id, Code.is_box).tuples())
    _insert_codes(batch, batch.quantity, is_box=False, made=made_items, progress=step,
                  box_of=lambda serial: box_ids[(serial - 1) // batch.box_size + 1] if box_count else None)


def create_batch(*, product_id, lot, quantity, box_size=0, with_pin=False, note="", actor=""):
    """Generate `quantity` item codes for a product's lot (and a box code per `box_size` items), in one transaction."""
    with db.atomic():
        batch = start_batch(product_id=product_id, lot=lot, quantity=quantity, box_size=box_size,
                            with_pin=with_pin, note=note, actor=actor)
        fill_batch(batch)
    return batch


def delete_batch(batch_id):
    """Remove a batch that failed to generate, with its codes (none is printed yet, so none is bound or scanned)."""
    with db.atomic():
        Code.delete().where(Code.batch == batch_id, ~Code.is_box).execute()
        Code.delete().where(Code.batch == batch_id).execute()
        CodeBatch.delete().where(CodeBatch.id == batch_id).execute()


def get_batch(batch_id):
    """One batch, or NotFound."""
    batch = CodeBatch.get_or_none(CodeBatch.id == batch_id)
    if batch is None:
        raise NotFound("批次不存在", code="batch_not_found")
    return batch


def complete_batch(batch_id):
    """One batch whose codes are all made (labels of a batch still in the making would miss codes), or
    NotFound / Conflict."""
    batch = get_batch(batch_id)
    if _highest_serial(batch.id, boxes=False) < batch.quantity:
        raise Conflict("该批次的防伪码仍在生成中，完成后再下载标签", code="batch_in_progress")
    return batch


def list_batches(*, product_id=None, page=1, per_page=50):
    """Batches, newest first, optionally of one product."""
    query = CodeBatch.select().order_by(CodeBatch.id.desc())
    if product_id:
        query = query.where(CodeBatch.product == product_id)
    return paginate(query, page=page, per_page=per_page)


def batch_counts(batch_id):
    """How many of a batch's item codes are bound, were ever scanned, and are made yet (a batch in the making)."""
    query = Code.select().where(Code.batch == batch_id, ~Code.is_box)
    return {"bound": query.where(Code.order_id.is_null(False) | Code.pickup_id.is_null(False)).count(),
            "scanned": query.where(Code.scan_count > 0).count(),
            "made": _highest_serial(batch_id, boxes=False)}


def iter_codes(batch_id, *, boxes=False, first=1, last=None):
    """(serial, code) of a batch's item (or box) codes from serial `first` to `last`, read in chunks."""
    after = first - 1
    while True:
        query = (Code.select(Code.serial, Code.code)
                 .where(Code.batch == batch_id, Code.is_box == boxes, Code.serial > after)
                 .order_by(Code.serial).limit(READ_CHUNK))
        if last is not None:
            query = query.where(Code.serial <= last)
        rows = list(query.tuples())
        yield from rows
        if len(rows) < READ_CHUNK:
            return
        after = rows[-1][0]
