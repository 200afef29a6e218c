"""Product photos: up to MAX_IMAGES per product, in the owner's order; the first is the cover everywhere.

The consumer's scan page shows a product's name, spec and cover on every scan, so each process keeps what it
read for CACHE_SECONDS (`app.kept`, as the brand's profile is kept): a change shows at once in the process that
made it and within that time in the others.
"""
from dataclasses import dataclass

from app import media
from app.catalog.models import Product, ProductImage
from app.database import db, for_update
from app.errors import Conflict, InvalidInput, NotFound
from app.kept import Kept

MAX_IMAGES = 6
CACHE_SECONDS = 30

_covers = Kept(CACHE_SECONDS)  # product id: its ProductCover


@dataclass(frozen=True)
class ProductCover:
    """A product as a consumer's scan page shows it: `cover_url` is its first photo's address, or ""."""

    id: int
    name: str
    spec: str
    cover_url: str


def _locked_product(product_id):
    product = for_update(Product.select().where(Product.id == product_id)).first()
    if product is None:
        raise NotFound("商品不存在", code="product_not_found")
    return product


def product_images(product_id):
    """The product's photos, cover first."""
    return list(ProductImage.select().where(ProductImage.product == product_id)
                .order_by(ProductImage.position, ProductImage.id))


def images_of_product(product_id):
    """The photos of an existing product, cover first, or NotFound."""
    if not Product.select().where(Product.id == product_id).exists():
        raise NotFound("商品不存在", code="product_not_found")
    return product_images(product_id)


def add_product_image(*, product_id, content):
    """Store an uploaded photo and add it last (409 past MAX_IMAGES); returns the product's photos."""
    name = media.store_image(content, folder="products")
    with db.atomic():
        _locked_product(product_id)
        existing = product_images(product_id)
        if len(existing) >= MAX_IMAGES:
            raise Conflict(f"每个商品最多 {MAX_IMAGES} 张图片", code="too_many_images")
        ProductImage.create(product=product_id, position=(existing[-1].position + 1) if existing else 0, name=name)
    forget_cover(product_id)
    return product_images(product_id)


def delete_product_image(*, product_id, image_id):
    """Remove one photo of the product (its file stays: another product may show the same picture)."""
    with db.atomic():
        _locked_product(product_id)
        if not ProductImage.delete().where(ProductImage.id == image_id, ProductImage.product == product_id).execute():
            raise NotFound("图片不存在", code="image_not_found")
    forget_cover(product_id)
    return product_images(product_id)


def order_product_images(*, product_id, image_ids):
    """Put the product's photos in this order (every photo named once); the first becomes the cover."""
    with db.atomic():
        _locked_product(product_id)
        current = {image.id for image in product_images(product_id)}
        if sorted(image_ids) != sorted(current):
            raise InvalidInput.on("image_ids", "请按顺序列出该商品的全部图片，每张一次")
        for position, image_id in enumerate(image_ids):
            ProductImage.update(position=position).where(ProductImage.id == image_id).execute()
    forget_cover(product_id)
    return product_images(product_id)


def make_cover_image(*, product_id, image_id):
    """Move one photo first, keeping the others' order."""
    with db.atomic():
        ids = [image.id for image in product_images(product_id)]
        if image_id not in ids:
            raise NotFound("图片不存在", code="image_not_found")
        return order_product_images(product_id=product_id, image_ids=[image_id, *(i for i in ids if i != image_id)])


def product_with_cover(product_id):
    """The product's ProductCover (read in one query, then kept for CACHE_SECONDS), or None."""
    return _covers.get(product_id, lambda: _read_cover(product_id))


def _read_cover(product_id):
    cover = (ProductImage.select(ProductImage.name).where(ProductImage.product == Product.id)
             .order_by(ProductImage.position, ProductImage.id).limit(1))
    row = (Product.select(Product.name, Product.spec, cover.alias("cover_name")).where(Product.id == product_id)
           .tuples().first())
    if row is None:
        return None
    name, spec, cover_name = row
    return ProductCover(product_id, name, spec, media.media_url(cover_name) if cover_name else "")


def forget_cover(product_id=None):
    """Read the product's cover afresh next time (every product's when None: a test's rollback)."""
    _covers.forget(product_id)


def image_urls(product_ids):
    """{product id: [absolute photo URLs, cover first]} for these products, in one query."""
    urls = {product_id: [] for product_id in product_ids}
    rows = (ProductImage.select(ProductImage.product, ProductImage.name)
            .where(ProductImage.product.in_(list(product_ids)))
            .order_by(ProductImage.product, ProductImage.position, ProductImage.id).tuples())
    for product_id, name in rows:
        urls[product_id].append(media.media_url(name))
    return urls
