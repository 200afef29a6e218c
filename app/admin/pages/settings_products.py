"""Console pages: settings — products, their price at each level (拿货价) with its history, and the retail price
range agents of each level may charge (控价). Roles are the JSON API's (`app/admin/catalog.py`)."""
from flask import request, url_for

from app import media
from app.admin import catalog as api
from app.admin.pages import exports
from app.admin.pages.web import act, form_values, load, page, query_args, render, with_checkboxes
from app.agents import service as agents
from app.catalog import service as catalog
from app.http import admin_actor
from app.money import format_yuan

NEW_PRODUCT = {"unit": "件", "active": True}
PRODUCT_HEADERS = ("ID", "商品", "规格", "单位", "条码", "成本价（元）", "零售价（元）", "状态")


def _products_page(status=200, error=None, values=None):
    args, errors = query_args(api.AdminProductListArgs())
    items, total = catalog.list_products(**args)
    return render("settings/products.html", status, items=items, total=total, args=args,
                  photos=catalog.image_urls([p.id for p in items]),
                  filters=form_values(request.args), filter_errors=errors, values=values or NEW_PRODUCT, errors=error.fields if error else {},
                  message=error.message if error else None)


@page("/settings/products", roles=api.READ_ROLES)
def settings_products():
    """Products, newest first, searched by name or barcode; a page at a time, with the form for a new one."""
    return _products_page()


exports.register_list("products", title="商品", headers=PRODUCT_HEADERS, schema=api.AdminProductListArgs,
                      lister=catalog.list_products,
                      shape=lambda items: ((p.id, p.name, p.spec, p.unit, p.gtin, format_yuan(p.cost_fen),
                                            format_yuan(p.retail_fen), "在售" if p.active else "已下架") for p in items))


@page("/settings/products/export", roles=api.READ_ROLES)
def settings_products_export():
    """The filtered products as .xlsx."""
    return exports.send_export("products")


@page("/settings/products", roles=api.WRITE_ROLES, methods=("POST",), endpoint="settings_product_create")
def settings_product_create():
    """Create a product; its level prices are set on its page."""
    values = with_checkboxes(form_values(), ("active",))
    return act(lambda: catalog.create_product(**load(api.AdminProductBody(), values)),
               done=lambda product: url_for("console.settings_product", product_id=product.id),
               message=lambda product: f"已创建商品「{product.name}」，请设置各等级拿货价",
               redisplay=lambda exc: _products_page(exc.status, exc, values))


def _product_page(product_id, status=200, error=None, values=None, acted=None):
    product = catalog.get_product(product_id)
    prices = {row.level_id: row for row in catalog.level_prices(product_id)}
    ranges = {row.level_id: row for row in catalog.price_ranges(product_id)}
    levels = {level.id: level.name for level in agents.list_levels()}
    return render("settings/product.html", status, product=product, prices=prices, ranges=ranges, levels=levels,
                  history=catalog.level_price_history(product_id), acted=acted,
                  images=catalog.product_images(product_id), max_images=catalog.MAX_IMAGES, media_url=media.media_url,
                  values=values if values is not None and acted is None else api.AdminProductOut().dump(product),
                  row_values=values if acted else {}, errors=error.fields if error else {},
                  message=error.message if error else None)


@page("/settings/products/<id:product_id>", roles=api.READ_ROLES)
def settings_product(product_id):
    """A product: its details, its price and price range at each level, and every price change."""
    return _product_page(product_id)


def _change(product_id, call, message, acted=None, checkboxes=()):
    values = with_checkboxes(form_values(), checkboxes)
    return act(lambda: call(values), done=url_for("console.settings_product", product_id=product_id), message=message,
               redisplay=lambda exc: _product_page(product_id, exc.status, exc, values, acted))


@page("/settings/products/<id:product_id>", roles=api.WRITE_ROLES, methods=("POST",),
      endpoint="settings_product_update")
def settings_product_update(product_id):
    """Change a product's details; unticking 在售 takes it off sale."""
    return _change(product_id, lambda values: catalog.update_product(
        product_id, **load(api.AdminProductPatchBody(), values)), "商品已保存", checkboxes=("active",))


@page("/settings/products/<id:product_id>/prices/<id:level_id>", roles=api.WRITE_ROLES, methods=("POST",))
def settings_product_price(product_id, level_id):
    """Set the product's price at one level; the change goes into the history."""
    return _change(product_id, lambda values: catalog.set_level_price(
        product_id=product_id, level_id=level_id, price_fen=load(api.AdminLevelPriceBody(), values)["price"],
        actor=admin_actor()), f"已设置{_level_name(level_id)}的拿货价", acted=("price", level_id))


@page("/settings/products/<id:product_id>/ranges/<id:level_id>", roles=api.WRITE_ROLES, methods=("POST",))
def settings_product_range(product_id, level_id):
    """Set the retail price range agents of one level may charge (控价)."""
    def call(values):
        body = load(api.AdminPriceRangeBody(), values)
        return catalog.set_price_range(product_id=product_id, level_id=level_id, min_fen=body["min_price"],
                                       max_fen=body["max_price"])
    return _change(product_id, call, f"已设置{_level_name(level_id)}的控价范围", acted=("range", level_id))


def _level_name(level_id):
    return agents.get_level(level_id).name


@page("/settings/products/<id:product_id>/images", roles=api.WRITE_ROLES, methods=("POST",))
def settings_product_image_add(product_id):
    """Add a photo (JPEG, PNG or WebP, at most 2 MB; re-encoded and resized)."""
    upload = request.files.get("image")
    content = upload.read() if upload and upload.filename else b""
    return _change(product_id, lambda values: catalog.add_product_image(product_id=product_id, content=content),
                   "图片已上传")


@page("/settings/products/<id:product_id>/images/<id:image_id>/delete", roles=api.WRITE_ROLES, methods=("POST",))
def settings_product_image_delete(product_id, image_id):
    """Remove one photo."""
    return _change(product_id, lambda values: catalog.delete_product_image(product_id=product_id, image_id=image_id),
                   "图片已删除")


@page("/settings/products/<id:product_id>/images/<id:image_id>/cover", roles=api.WRITE_ROLES, methods=("POST",))
def settings_product_image_cover(product_id, image_id):
    """Make one photo the cover (first), keeping the others' order."""
    return _change(product_id, lambda values: catalog.make_cover_image(product_id=product_id, image_id=image_id),
                   "已设为封面")
