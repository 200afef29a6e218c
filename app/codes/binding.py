"""Binding at shipment: the codes scanned or pasted for an order or a 提货 pickup become that shipment's, its agent's
and its region's."""
from collections import Counter

from peewee import fn

from app.agents import service as agents
from app.catalog import service as catalog
from app.clock import utcnow
from app.codes import codec
from app.codes.models import Code, CodeBatch
from app.database import atomic_with_retry
from app.errors import Conflict, InvalidInput

RANGE_SEPARATOR = "~"
MAX_ENTRIES = 10000
MAX_CODES = 100000
CHUNK = 1000


def _chunks(values):
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _valid(text):
    shape, code = codec.classify(text)
    if shape != "valid":
        raise InvalidInput.on("codes", f"防伪码 {code or text} 格式不正确，请检查输入", code="code_mistyped")
    return code


def _resolve(entries):
    """The Code rows named by codes and ranges ("first~last" of one batch), boxes not yet expanded."""
    singles, ranges = [], []
    for entry in entries:
        if not isinstance(entry, str) or not entry.strip():
            raise InvalidInput.on("codes", "防伪码不能为空")
        if RANGE_SEPARATOR in entry:
            first, _, last = entry.partition(RANGE_SEPARATOR)
            ranges.append((_valid(first), _valid(last)))
        else:
            singles.append(_valid(entry))
    rows = []
    for chunk in _chunks(set(singles) | {end for pair in ranges for end in pair}):
        rows.extend(Code.select().where(Code.code.in_(chunk)))
    by_text = {row.code: row for row in rows}
    for text in [*singles, *(end for pair in ranges for end in pair)]:
        if text not in by_text:
            raise InvalidInput.on("codes", f"防伪码 {text} 不存在", code="code_unknown")
    found = [by_text[text] for text in singles]
    for first, last in ranges:
        start, end = by_text[first], by_text[last]
        if start.batch_id != end.batch_id or start.is_box != end.is_box or start.serial > end.serial:
            raise InvalidInput.on("codes", f"号段 {first}~{last} 须是同一批次中从小到大的一段",
                                  code="code_range_invalid")
        if end.serial - start.serial >= MAX_CODES:
            raise InvalidInput.on("codes", f"号段 {first}~{last} 过长", code="too_many_codes")
        found.extend(Code.select().where(Code.batch == start.batch_id, Code.is_box == start.is_box,
                                         Code.serial.between(start.serial, end.serial)).order_by(Code.serial))
    return found


def _with_box_items(rows):
    """The item codes (each once, in the order given) and the box codes among `rows`."""
    boxes = [row for row in rows if row.is_box]
    items = [row for row in rows if not row.is_box]
    for chunk in _chunks(box.id for box in boxes):
        items.extend(Code.select().where(Code.box.in_(chunk)).order_by(Code.box, Code.serial))
    seen = set()
    for item in items:
        if item.id in seen:
            raise InvalidInput.on("codes", f"防伪码 {item.code} 重复（单独扫描或已在所扫箱码内）",
                                  code="code_repeated")
        seen.add(item.id)
    if len(items) > MAX_CODES:
        raise InvalidInput.on("codes", f"一次最多绑定 {MAX_CODES} 个防伪码", code="too_many_codes")
    return items, boxes


DOCUMENT_NAMES = {"order_id": "订单", "pickup_id": "提货单"}  # what a packer's errors call each shipment


class _Shipment:
    """The order or the pickup codes are bound to: its column on Code, its id and what users call it."""

    def __init__(self, order_id, pickup_id):
        if (order_id is None) == (pickup_id is None):
            raise ValueError("codes are bound to exactly one order or one pickup")
        self.name, self.id = ("order_id", order_id) if order_id is not None else ("pickup_id", pickup_id)
        self.column = getattr(Code, self.name)
        self.document = DOCUMENT_NAMES[self.name]

    def holds(self, row):
        return getattr(row, self.name) == self.id


def _unbound():
    return Code.order_id.is_null() & Code.pickup_id.is_null()


def _already_bound(row, shipment):
    """409 naming the code and the kind of shipment (an order, a pickup) it is bound to; `row` None when a
    concurrent packing bound a code and it is no longer to be found bound (the kind of `shipment` is named)."""
    if row is None:
        return Conflict(f"防伪码  已绑定其他{shipment.document}", code="code_already_bound", fields={"codes": ""})
    document = DOCUMENT_NAMES["order_id" if row.order_id is not None else "pickup_id"]
    return Conflict(f"防伪码 {row.code} 已绑定其他{document}", code="code_already_bound", fields={"codes": row.code})


def _check_products(items, expected, shipment):
    products = dict(CodeBatch.select(CodeBatch.id, CodeBatch.product).where(
        CodeBatch.id.in_({item.batch_id for item in items} or {0})).tuples())
    counts = Counter()
    for chunk in _chunks({item.batch_id for item in items}):
        # Codes of this shipment bound earlier count towards the line's quantity too.
        for batch_id, count in (Code.select(Code.batch, fn.COUNT(Code.id)).where(
                shipment.column == shipment.id, ~Code.is_box, Code.batch.in_(chunk)).group_by(Code.batch).tuples()):
            counts[products[batch_id]] += count
    for item in items:
        product_id = products[item.batch_id]
        if product_id not in expected:
            name = catalog.get_product(product_id).name
            raise InvalidInput.on("codes", f"防伪码 {item.code} 属于商品「{name}」，不在本{shipment.document}中",
                                  code="code_wrong_product")
        if shipment.holds(item):
            continue
        counts[product_id] += 1
        if counts[product_id] > expected[product_id]:
            name = catalog.get_product(product_id).name
            raise InvalidInput.on("codes", f"防伪码 {item.code} 超出「{name}」的发货数量 {expected[product_id]}",
                                  code="too_many_codes")
    return Counter(products[item.batch_id] for item in items)


def _refuse_bound_elsewhere(rows, shipment):
    for row in rows:
        if row.shipped and not shipment.holds(row):
            raise _already_bound(row, shipment)


def bind_codes_for_shipment(*, order_id=None, pickup_id=None, agent_id, province, dropship, expected, codes, actor):
    """Bind item codes, box codes (with their items) or ranges of a batch to a shipped order or 提货 pickup (exactly
    one of `order_id`, `pickup_id`), its agent and region.

    `agent_id` is None for an order to a direct customer: the codes then carry only the region. A pickup's codes
    carry the pickup's agent, also when it ships them to a customer of its own.

    `expected` is {product_id: quantity} of the order's (or pickup's) lines. All or nothing: a code
    that is unknown, bound to another order or pickup (the error names which), of another product, repeated or beyond a
    line's quantity is refused, naming it. A repeat of the same binding changes nothing.
    The region is where the goods belong: the consignee's `province` when the order is
    shipped straight to a customer (`dropship`), else the agent's province (the shipment's
    when the agent has none). Returns {"order_id" or "pickup_id", "bound", "boxes", "repeated", "per_product"}.
    """
    shipment = _Shipment(order_id, pickup_id)
    if not codes:
        raise InvalidInput.on("codes", "请扫描或粘贴防伪码")
    if len(codes) > MAX_ENTRIES:
        raise InvalidInput.on("codes", f"一次最多提交 {MAX_ENTRIES} 条", code="too_many_codes")
    agent = agents.get_agent(agent_id) if agent_id else None
    # A dropshipped customer scans where the agent sent the goods: that is no 窜货.
    region = (province if dropship else "") or (agent.province if agent else "") or province or ""

    def bind():
        items, boxes = _with_box_items(_resolve(codes))
        _refuse_bound_elsewhere(items + boxes, shipment)
        per_product = _check_products(items, expected, shipment)
        new = [row for row in items + boxes if not row.shipped]
        now = utcnow()
        for chunk in _chunks(row.id for row in new):
            updated = (Code.update({shipment.column: shipment.id, Code.agent: agent.id if agent else None,
                                    Code.province: region, Code.bound_at: now, Code.bound_by: actor})
                       .where(Code.id.in_(chunk), _unbound()).execute())
            if updated != len(chunk):
                raise _already_bound(Code.select().where(Code.id.in_(chunk), ~_unbound()).first(), shipment)
        return {shipment.name: shipment.id, "bound": sum(1 for row in new if not row.is_box),
                "boxes": len(boxes), "repeated": not new, "per_product": dict(per_product)}

    return atomic_with_retry(bind)


def codes_of_shipment(*, order_id=None, pickup_id=None, limit=500):
    """The item codes bound at packing to an order or a 提货 pickup (exactly one of `order_id`, `pickup_id`), by
    product and serial: [(product id, code)], at most `limit`, and how many there are in all."""
    shipment = _Shipment(order_id, pickup_id)
    query = (Code.select(CodeBatch.product, Code.code).join(CodeBatch)
             .where(shipment.column == shipment.id, Code.is_box == False)  # noqa: E712 (peewee builds SQL from it)
             .order_by(CodeBatch.product, Code.batch, Code.serial))
    return list(query.limit(limit).tuples()), query.count()


def shipment_of(text, *, agent_id):
    """The order id a code (or its box) was shipped in to `agent_id` at packing, or None (not a code, not bound,
    or bound to another agent: nobody learns where someone else's goods went)."""
    shape, code = codec.classify(text)
    if shape != "valid":
        return None
    row = Code.select(Code.order_id, Code.agent).where(Code.code == code, Code.agent == agent_id).first()
    return row.order_id if row is not None else None
