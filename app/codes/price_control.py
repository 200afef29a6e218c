"""Price control (控价): agents' retail sales and consumers' reported prices checked against the level's range.

This monitors and alerts. Refusing a sale outside the range is possible but off
by default (`PRICE_BLOCK_OUT_OF_RANGE`): resale price maintenance is restricted
under China's Anti-Monopoly Law, so the brand decides, not the software.
"""
from peewee import IntegrityError, fn

from app import phones
from app.agents import service as agents
from app.catalog import service as catalog
from app.clock import utcnow
from app.codes import codec, violations
from app.codes.models import Code, CodeBatch, RetailSale, RetailSaleCode, RetailSaleLine
from app.config import get_settings
from app.database import atomic_with_retry, for_update, paginate
from app.errors import Conflict, InvalidInput
from app.money import MAX_FEN, format_yuan

MAX_LINES = 50
MAX_QUANTITY = 10000
MAX_CODES = 500


def out_of_range(*, product_id, level_id, unit_fen):
    """("price_low" | "price_high", range) when `unit_fen` is outside the level's range, else (None, range)."""
    price_range = catalog.price_range_for(product_id=product_id, level_id=level_id)
    if price_range is None:
        return None, None
    if unit_fen < price_range.min_fen:
        return "price_low", price_range
    if unit_fen > price_range.max_fen:
        return "price_high", price_range
    return None, price_range


def record_price_violation(*, agent, product_id, unit_fen, source, dedupe_key, evidence, code_id=None):
    """A violation when `unit_fen` is outside the agent level's range for the product; returns it or None."""
    kind, price_range = out_of_range(product_id=product_id, level_id=agent.level_id, unit_fen=unit_fen)
    if kind is None:
        return None
    evidence = {**evidence, "price": format_yuan(unit_fen), "min_price": format_yuan(price_range.min_fen),
                "max_price": format_yuan(price_range.max_fen), "level_id": agent.level_id}
    return violations.record_violation(agent_id=agent.id, kind=kind, source=source, dedupe_key=dedupe_key,
                                       evidence=evidence, code_id=code_id, product_id=product_id,
                                       price_fen=unit_fen, min_fen=price_range.min_fen, max_fen=price_range.max_fen)


def _clean_items(items, agent):
    if not items or len(items) > MAX_LINES:
        raise InvalidInput.on("items", f"商品行数必须在 1 到 {MAX_LINES} 之间")
    cleaned = []
    for index, item in enumerate(items):
        product = catalog.get_product(item["product_id"])
        quantity, unit_fen = item["quantity"], item["unit_fen"]
        if not 1 <= quantity <= MAX_QUANTITY:
            raise InvalidInput.on(f"items.{index}.quantity", f"数量必须在 1 到 {MAX_QUANTITY} 之间")
        if not 0 <= unit_fen <= MAX_FEN:
            raise InvalidInput.on(f"items.{index}.unit_price", "单价不能为负数")
        if get_settings().PRICE_BLOCK_OUT_OF_RANGE:
            kind, price_range = out_of_range(product_id=product.id, level_id=agent.level_id, unit_fen=unit_fen)
            if kind:
                raise InvalidInput.on(f"items.{index}.unit_price",
                                      f"「{product.name}」单价须在 {format_yuan(price_range.min_fen)}–"
                                      f"{format_yuan(price_range.max_fen)} 元之间", code="price_out_of_range")
        cleaned.append((product, quantity, unit_fen))
    return cleaned


def _sold_codes(texts, agent, cleaned):
    """The Code rows of the item codes scanned into a sale: each one shipped to this agent, of a product on the
    sale, no more per product than its quantity, and not sold before; InvalidInput or Conflict naming the code."""
    if len(texts) > MAX_CODES:
        raise InvalidInput.on("codes", f"一次最多登记 {MAX_CODES} 个防伪码")
    wanted = {}
    for text in texts:
        shape, code = codec.classify(text)
        if shape != "valid":
            raise InvalidInput.on("codes", f"防伪码 {code or text} 格式不正确", code="code_mistyped")
        wanted.setdefault(code, None)
    rows = {row.code: row for row in Code.select(Code, CodeBatch).join(CodeBatch).where(Code.code.in_(list(wanted)))}
    quantities = {product.id: quantity for product, quantity, _ in cleaned}
    counted = {}
    for code in wanted:
        row = rows.get(code)
        if row is None or row.agent_id != agent.id:
            raise InvalidInput.on("codes", f"防伪码 {code} 不是发给您的货", code="code_not_yours")
        if row.is_box:
            raise InvalidInput.on("codes", f"{code} 是箱码，请扫描单品上的防伪码", code="box_code")
        product_id = row.batch.product_id
        counted[product_id] = counted.get(product_id, 0) + 1
        if counted[product_id] > quantities.get(product_id, 0):
            raise InvalidInput.on("codes", f"防伪码 {code} 的商品不在这笔销售中，或比销售数量多", code="code_not_in_sale")
    sold = (RetailSaleCode.select(Code.code).join(Code)
            .where(RetailSaleCode.code.in_([row.id for row in rows.values()])).tuples().first())
    if sold:
        raise Conflict(f"防伪码 {sold[0]} 已登记在另一笔零售中", code="code_already_sold")
    return [rows[code] for code in wanted]


def _same_sale(sale, customer_name, cleaned):
    lines = sorted((line.product_id, line.quantity, line.unit_fen) for line in sale.lines)
    return sale.customer_name == customer_name and lines == sorted((p.id, q, u) for p, q, u in cleaned)


def record_retail_sale(*, agent_id, client_ref, customer_name, items, customer_phone="", codes=(), at=None):
    """An agent records a sale to a consumer, optionally with the item codes it scanned: each line outside its
    level's price range is a violation (with the sale as evidence); the sale counts in the agent's retail figures.
    A retry with the same `client_ref` and the same facts changes nothing. Returns (sale, new violations, repeated)."""
    agent = agents.get_agent(agent_id)
    customer_name = (customer_name or "").strip()
    if not customer_name or len(customer_name) > 64:
        raise InvalidInput.on("customer_name", "客户姓名不能为空且不超过64个字符")
    client_ref = (client_ref or "").strip()
    if not client_ref or len(client_ref) > 64:
        raise InvalidInput.on("client_ref", "请求编号不能为空且不超过64个字符")
    phone = phones.normalize_mobile(customer_phone, field="customer_phone") if (customer_phone or "").strip() else ""
    cleaned = _clean_items(items, agent)
    total_fen = sum(quantity * unit_fen for _, quantity, unit_fen in cleaned)
    if total_fen > MAX_FEN:
        raise InvalidInput.on("items", "金额过大")
    at = at or utcnow()
    existing = RetailSale.get_or_none(RetailSale.agent == agent.id, RetailSale.client_ref == client_ref)
    if existing is not None:
        return _repeated(existing, customer_name, cleaned)
    sold_codes = _sold_codes(codes, agent, cleaned) if codes else []
    def record():
        sale = RetailSale.create(agent=agent.id, client_ref=client_ref, customer_name=customer_name,
                                 customer_phone=phone, total_fen=total_fen, at=at)
        RetailSaleLine.insert_many([{"sale": sale.id, "product": product.id, "quantity": quantity,
                                     "unit_fen": unit_fen} for product, quantity, unit_fen in cleaned]).execute()
        if sold_codes:
            RetailSaleCode.insert_many([{"sale": sale.id, "code": row.id} for row in sold_codes]).execute()
        found = [record_price_violation(agent=agent, product_id=product.id, unit_fen=unit_fen,
                                        source="retail_sale", dedupe_key=f"retail:{sale.id}:{index}",
                                        evidence={"sale_id": sale.id, "customer_name": customer_name,
                                                  "quantity": quantity, "product_name": product.name})
                 for index, (product, quantity, unit_fen) in enumerate(cleaned)]
        agents.record_retail_sale(sale_id=sale.id, agent_id=agent.id, amount_fen=total_fen, at=at)
        return sale, found
    try:
        sale, found = atomic_with_retry(record)
    except IntegrityError:
        # The same upload sent twice at once (the one that committed is the sale), or a code sold meanwhile.
        existing = for_update(RetailSale.select().where(RetailSale.agent == agent.id,
                                                        RetailSale.client_ref == client_ref), shared=True).first()
        if existing is None:
            raise Conflict("防伪码已登记在另一笔零售中", code="code_already_sold") from None
        return _repeated(existing, customer_name, cleaned)
    return sale, [violation for violation in found if violation], False


def _repeated(existing, customer_name, cleaned):
    if not _same_sale(existing, customer_name, cleaned):
        raise Conflict("该请求编号已用于另一笔销售", code="client_ref_reused")
    return existing, [], True


def retail_units_sold(*, agent_id):
    """{product id: units} the agent recorded selling to its customers, ever."""
    return dict(RetailSaleLine.select(RetailSaleLine.product, fn.SUM(RetailSaleLine.quantity)).join(RetailSale)
                .where(RetailSale.agent == agent_id).group_by(RetailSaleLine.product).tuples())


def list_retail_sales(*, agent_id, page=1, per_page=50):
    """An agent's recorded retail sales, newest first."""
    query = RetailSale.select().where(RetailSale.agent == agent_id).order_by(RetailSale.id.desc())
    return paginate(query, page=page, per_page=per_page)
