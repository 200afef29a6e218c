"""Catalogue use cases: products, level prices with history, price ranges, what an order may cost."""
import functools
from dataclasses import dataclass

from peewee import JOIN, IntegrityError, fn

from app.agents import service as agents
from app.catalog.demo import demo_photo  # noqa: F401
from app.catalog.images import (MAX_IMAGES, ProductCover, add_product_image, delete_product_image,  # noqa: F401
                                forget_cover, image_urls, images_of_product, make_cover_image,
                                order_product_images, product_images, product_with_cover)
from app.catalog.models import LevelPrice, LevelPriceChange, PriceRange, Product
from app.clock import utcnow
from app.database import Prepared, db, for_update, paginate
from app.errors import Conflict, InvalidInput, NotFound
from app.kept import Kept
from app.money import MAX_FEN
from app.reference import CATALOG, Referenced

GTIN_LENGTHS = (8, 12, 13, 14)
PRODUCT_FIELDS = ("name", "spec", "unit", "gtin", "image_url", "cost_fen", "retail_fen",
                  "low_stock_threshold", "active")
MAX_QUANTITY = 10**9


def gtin_is_valid(code):
    """True when `code` is a GTIN-8/12/13/14 whose last digit is the GS1 mod-10 check digit."""
    if not isinstance(code, str) or not code.isdigit() or not code.isascii() or len(code) not in GTIN_LENGTHS:
        return False
    body, check = code[:-1], int(code[-1])
    total = sum(int(digit) * (3 if position % 2 == 0 else 1) for position, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def _clean_product_fields(values):
    values = {key: value for key, value in values.items() if key in PRODUCT_FIELDS}
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"] or len(values["name"]) > 64:
            raise InvalidInput.on("name", "商品名称不能为空且不超过64个字符")
    if "gtin" in values:
        values["gtin"] = (values["gtin"] or "").strip() or None
        if values["gtin"] is not None and not gtin_is_valid(values["gtin"]):
            raise InvalidInput.on("gtin", "条码无效：应为8、12、13或14位数字且校验位正确")
    for field in ("cost_fen", "retail_fen"):
        if field in values and not 0 <= values[field] <= MAX_FEN:
            raise InvalidInput.on(field, "金额不能为负数")
    if "low_stock_threshold" in values and not 0 <= values["low_stock_threshold"] <= MAX_QUANTITY:
        raise InvalidInput.on("low_stock_threshold", "预警数量必须是不小于0的整数")
    return values


def _gtin_taken():
    return Conflict("条码已被其他商品使用", code="gtin_taken", fields={"gtin": "条码已被其他商品使用"})


def create_product(**fields):
    """Create a product (name required; GTIN optional but check-digit valid and unique)."""
    values = _clean_product_fields(fields)
    if "name" not in values:
        raise InvalidInput.on("name", "商品名称不能为空且不超过64个字符")
    try:
        with db.atomic():
            return Product.create(**values)
    except IntegrityError as exc:
        raise _gtin_taken() from exc


def update_product(product_id, **changes):
    """Change some fields of a product; returns the product as it now is."""
    product = get_product(product_id)
    values = _clean_product_fields(changes)
    try:
        with db.atomic():
            if values:
                Product.update(**values).where(Product.id == product.id).execute()
    except IntegrityError as exc:
        raise _gtin_taken() from exc
    forget_cover(product_id)
    _thresholds.forget(product_id)
    return get_product(product_id)


def get_product_with_cover(product_id):
    """The ProductCover of this product (name, spec, its first photo's `cover_url` or ""), or NotFound; each
    process keeps it for images.CACHE_SECONDS."""
    product = product_with_cover(product_id)
    if product is None:
        raise NotFound("商品不存在", code="product_not_found")
    return product


THRESHOLD_SECONDS = 30
_thresholds = Kept(THRESHOLD_SECONDS)  # product id: its low_stock_threshold


def low_stock_threshold(product_id):
    """The product's default low-stock threshold, or NotFound; each process keeps it for THRESHOLD_SECONDS, as the
    covers are kept: every reservation's guarded UPDATE takes it, and inventory's ledger says why one that old is
    safe there. A change shows at once in the process that made it, but for a read of another thread racing the
    change's commit, which keeps the old value as long as another process would."""
    threshold = _thresholds.get(product_id, lambda: Product.select(Product.low_stock_threshold)
                                .where(Product.id == product_id).scalar())
    if threshold is None:
        raise NotFound("商品不存在", code="product_not_found")
    return threshold


def forget_thresholds():
    """Read every product's threshold afresh next time (a test's rollback)."""
    _thresholds.forget()


def get_product(product_id):
    """The product with this id, or NotFound."""
    product = Product.get_or_none(Product.id == product_id)
    if product is None:
        raise NotFound("商品不存在", code="product_not_found")
    return product


def products_by_id(product_ids):
    """{product id: product} for the ids given that exist, in one query."""
    ids = sorted(set(product_ids))
    return {product.id: product for product in Product.select().where(Product.id.in_(ids))} if ids else {}


def product_with_gtin(gtin):
    """The product with this barcode, or None."""
    return Product.get_or_none(Product.gtin == str(gtin).strip())


def list_products(*, active=None, search=None, page=1, per_page=50):
    """Products, newest first, optionally only (in)active ones or matching a name or barcode."""
    query = Product.select().order_by(Product.id.desc())
    if active is not None:
        query = query.where(Product.active == active)
    if search:
        query = query.where(Product.name.contains(search) | (Product.gtin == search))
    return paginate(query, page=page, per_page=per_page)


def set_level_price(*, product_id, level_id, price_fen, actor=""):
    """Set what agents of a level pay for a product; every change is kept in the history."""
    get_product(product_id)
    agents.get_level(level_id)
    if not 0 < price_fen <= MAX_FEN:
        raise InvalidInput.on("price", "拿货价必须大于0")
    try:
        with db.atomic():
            current = for_update(LevelPrice.select()
                                 .where(LevelPrice.product == product_id, LevelPrice.level == level_id)).first()
            if current is not None and current.price_fen == price_fen:
                return current
            if current is None:
                current = LevelPrice.create(product=product_id, level=level_id, price_fen=price_fen)
                old_fen = None
            else:
                old_fen = current.price_fen
                (LevelPrice.update(price_fen=price_fen, updated_at=utcnow())
                 .where(LevelPrice.id == current.id).execute())
            LevelPriceChange.create(product=product_id, level=level_id, old_fen=old_fen, new_fen=price_fen,
                                    changed_by=actor)
    except IntegrityError as exc:
        raise Conflict("拿货价正在被同时修改，请重试", code="concurrent_change") from exc
    return LevelPrice.get_by_id(current.id)


def level_prices(product_id):
    """A product's price at every level that has one, highest level first."""
    get_product(product_id)
    return list(LevelPrice.select().where(LevelPrice.product == product_id).order_by(LevelPrice.level))


def level_price_history(product_id):
    """Every change of a product's level prices, newest first."""
    get_product(product_id)
    return list(LevelPriceChange.select().where(LevelPriceChange.product == product_id)
                .order_by(LevelPriceChange.id.desc()))


def set_price_range(*, product_id, level_id, min_fen, max_fen):
    """Set the retail prices agents of a level may charge for a product (控价)."""
    get_product(product_id)
    agents.get_level(level_id)
    if not 0 <= min_fen <= MAX_FEN:
        raise InvalidInput.on("min_price", "最低价不能为负数")
    if not min_fen <= max_fen <= MAX_FEN:
        raise InvalidInput.on("max_price", "最高价不能低于最低价")
    with db.atomic():
        updated = (PriceRange.update(min_fen=min_fen, max_fen=max_fen, updated_at=utcnow())
                   .where(PriceRange.product == product_id, PriceRange.level == level_id).execute())
        if not updated:
            PriceRange.create(product=product_id, level=level_id, min_fen=min_fen, max_fen=max_fen)
    return price_range_for(product_id=product_id, level_id=level_id)


def price_ranges(product_id):
    """A product's price range at every level that has one."""
    get_product(product_id)
    return list(PriceRange.select().where(PriceRange.product == product_id).order_by(PriceRange.level))


def price_range_for(*, product_id, level_id):
    """The price range of a product at a level, or None when the brand set none."""
    return PriceRange.get_or_none(PriceRange.product == product_id, PriceRange.level == level_id)


def price_for(*, product_id, level_id):
    """What an agent of `level_id` pays for one unit, in fen; Conflict while the product cannot be ordered.

    A product can be ordered only when it is active and every active level has a
    price, so that no agent ever meets a half-priced catalogue.
    """
    product, by_level = _priced([product_id])[product_id]
    if not product.active:
        raise Conflict(f"商品「{product.name}」已下架", code="product_inactive")
    return _level_price(product, by_level, level_id, agents.active_levels())


def _level_price(product, prices, level_id, active_levels):
    missing = [level.name for level in active_levels if level.id not in prices]
    if missing or level_id not in prices:
        names = "、".join(missing) or "该等级"
        raise Conflict(f"商品「{product.name}」尚未设置{names}的拿货价，暂不能下单", code="level_price_missing")
    return prices[level_id]


@functools.lru_cache(maxsize=64)
def _products_with_level_prices(count):
    """The prepared read of `count` products with every level price of each (one row per price)."""
    return Prepared(lambda param: (
        Product.select(Product, LevelPrice.level.alias("priced_level"), LevelPrice.price_fen.alias("level_fen"))
        .join(LevelPrice, JOIN.LEFT_OUTER, on=(LevelPrice.product == Product.id))
        .where(Product.id.in_([param] * count)).objects()))


_priced_products = Referenced(CATALOG)  # product id: (product, {level id: price in fen})


def _read_priced_products(product_ids):
    """{product id: (product, {level id: price in fen})} of those of `product_ids` that exist, in one query."""
    priced = {}
    for row in _products_with_level_prices(len(product_ids)).rows(*product_ids):
        product, by_level = priced.setdefault(row.id, (row, {}))
        if row.priced_level is not None:
            by_level[row.priced_level] = row.level_fen
    return priced


def _priced(product_ids):
    """{product id: (product, {level id: price in fen})} for `product_ids`, kept per process under the catalogue's
    reference version (app/reference.py); NotFound for an unknown id."""
    priced = _priced_products.get_many(product_ids, _read_priced_products)
    for product_id in product_ids:
        if product_id not in priced:
            raise NotFound("商品不存在", code="product_not_found")
    return priced


def order_prices(*, product_ids, level_id, agent_asking=False):
    """{product id: (product, unit price in fen)} for the products of one order: the products with their level
    prices and the active levels, kept per process under their reference versions (app/reference.py).

    With a `level_id` each price is as `price_for` gives it (`agent_price_for` when `agent_asking`); without
    one it is the retail price of an active product. The refusal is the one the products, checked one by one in
    the order given, meet first: an unknown id before anything else.
    """
    product_ids = list(product_ids)
    priced = _priced(product_ids)
    levels = None
    answer = {}
    for product_id in product_ids:
        product, by_level = priced[product_id]
        try:
            if not product.active:
                raise Conflict(f"商品「{product.name}」已下架", code="product_inactive")
            if level_id is None:
                answer[product_id] = (product, product.retail_fen)
                continue
            if levels is None:
                levels = agents.active_levels()
            answer[product_id] = (product, _level_price(product, by_level, level_id, levels))
        except Conflict as exc:
            if agent_asking and level_id is not None:
                raise NotFound("商品不存在", code="product_not_found") from exc
            raise
    return answer


def agent_price_for(*, product_id, level_id):
    """As price_for, for an agent asking itself: a product outside its level's catalogue (unreleased, retired,
    not yet priced) is NotFound exactly as an unknown id, so that an agent learns nothing of it, not its name."""
    try:
        return price_for(product_id=product_id, level_id=level_id)
    except Conflict as exc:
        raise NotFound("商品不存在", code="product_not_found") from exc


@dataclass(frozen=True)
class ProductPrices:
    """A product's name and its price at every level that has one, for settling orders."""

    name: str
    by_level: dict


def price_table(product_ids):
    """{product id: ProductPrices} for the products given, in one query (finance needs every upline's price)."""
    table = {}
    rows = (Product.select(Product.id, Product.name, LevelPrice.level, LevelPrice.price_fen)
            .join(LevelPrice, JOIN.LEFT_OUTER, on=(LevelPrice.product == Product.id))
            .where(Product.id.in_(sorted(set(product_ids)) or [0])).tuples())
    for product_id, name, level_id, price_fen in rows:
        prices = table.setdefault(product_id, ProductPrices(name=name, by_level={}))
        if level_id is not None:
            prices.by_level[level_id] = price_fen
    return table


@dataclass(frozen=True)
class CatalogueItem:
    """A product as an agent of one level sees it: the product, that level's price and its retail range (控价)."""

    product: Product
    price_fen: int
    retail_min_fen: int | None
    retail_max_fen: int | None


def catalogue_for_level(level_id):
    """Active products an agent of `level_id` can order (every active level priced), with its price and the range
    its retail sales must keep to (None when the brand set none)."""
    rows = (Product.select(Product, LevelPrice.price_fen, PriceRange.min_fen, PriceRange.max_fen)
            .join(LevelPrice, on=(LevelPrice.product == Product.id) & (LevelPrice.level == level_id))
            .switch(Product)
            .join(PriceRange, JOIN.LEFT_OUTER, on=(PriceRange.product == Product.id) & (PriceRange.level == level_id))
            .where(Product.active)
            .order_by(Product.id)
            .objects())
    active_level_ids = [level.id for level in agents.active_levels()]
    if active_level_ids:
        fully_priced = (LevelPrice.select(LevelPrice.product)
                        .where(LevelPrice.level.in_(active_level_ids))
                        .group_by(LevelPrice.product)
                        .having(fn.COUNT(LevelPrice.id) == len(active_level_ids)))
        rows = rows.where(Product.id.in_(fully_priced))
    return [CatalogueItem(product=row, price_fen=row.price_fen, retail_min_fen=row.min_fen, retail_max_fen=row.max_fen)
            for row in rows]
