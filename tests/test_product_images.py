"""Product photos: the owner uploads up to six in the console, re-encoded by us; agents see them in the catalogue."""
import io

import pytest
from PIL import Image

from app.catalog import service as catalog
from tests.factories import admin_headers, agent_headers, make_admin, make_level, make_product, stocked


def picture(fmt="PNG", size=(40, 30), color=(200, 30, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


@pytest.fixture
def owner(client):
    return admin_headers(client, make_admin("owner"))


def upload(client, headers, product_id, content, name="p.png"):
    return client.post(f"/admin/api/products/{product_id}/images", headers=headers,
                       data={"image": (io.BytesIO(content), name)})


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_photo_is_stored_as_our_own_jpeg_and_served_for_ever(client, owner, fmt):
    product = make_product()
    response = upload(client, owner, product.id, picture(fmt))
    assert response.status_code == 201
    [image] = response.get_json()["items"]
    served = client.get("/media/" + image["url"].split("/media/", 1)[1])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "immutable" in served.headers["Cache-Control"] and "max-age=31536000" in served.headers["Cache-Control"]
    assert Image.open(io.BytesIO(served.data)).format == "JPEG"


def test_a_large_photo_is_resized(client, owner):
    product = make_product()
    [image] = upload(client, owner, product.id, picture(size=(3000, 1500))).get_json()["items"]
    served = client.get("/media/" + image["url"].split("/media/", 1)[1])
    assert Image.open(io.BytesIO(served.data)).size == (1200, 600)


def test_agents_see_the_photos_in_their_catalogue_cover_first(client, fake_wechat, owner):
    level = make_level()
    product, _ = stocked(5)
    catalog.set_level_price(product_id=product.id, level_id=level.id, price_fen=5000)
    first = upload(client, owner, product.id, picture(color=(1, 2, 3))).get_json()["items"][0]
    second = upload(client, owner, product.id, picture(color=(9, 9, 9))).get_json()["items"][1]
    client.put(f"/admin/api/products/{product.id}/images/order", headers=owner,
               json={"image_ids": [second["id"], first["id"]]})
    headers, _ = agent_headers(client, fake_wechat, level=level)
    [item] = client.get("/api/mp/catalogue", headers=headers).get_json()
    assert item["images"] == [second["url"], first["url"]]
    assert item["images"][0].startswith("http")


def test_a_seventh_photo_is_refused(client, owner):
    product = make_product()
    for shade in range(6):
        assert upload(client, owner, product.id, picture(color=(shade, 0, 0))).status_code == 201
    response = upload(client, owner, product.id, picture(color=(99, 0, 0)))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "too_many_images"


def test_a_photo_is_deleted(client, owner):
    product = make_product()
    [image] = upload(client, owner, product.id, picture()).get_json()["items"]
    response = client.delete(f"/admin/api/products/{product.id}/images/{image['id']}", headers=owner)
    assert response.status_code == 200 and response.get_json()["items"] == []
    assert client.delete(f"/admin/api/products/{product.id}/images/{image['id']}", headers=owner).status_code == 404


@pytest.mark.parametrize("content", [b"%PDF-1.4 <html>", b"GIF89a" + b"\0" * 40, b""])
def test_what_is_not_a_jpeg_png_or_webp_is_422(client, owner, content):
    response = upload(client, owner, make_product().id, content)
    assert response.status_code == 422 and "image" in response.get_json()["error"]["fields"]


def test_a_file_over_2_mb_is_refused(client, owner):
    huge = picture() + b"\0" * (2 * 1024 * 1024)
    assert upload(client, owner, make_product().id, huge).status_code in (413, 422)


def test_a_decompression_bomb_is_refused_before_it_is_expanded(client, owner):
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")  # 400 megapixels in a few kilobytes
    response = upload(client, owner, make_product().id, buffer.getvalue())
    assert response.status_code == 422


def test_a_reorder_must_name_every_photo_once(client, owner):
    product = make_product()
    items = upload(client, owner, product.id, picture()).get_json()["items"]
    response = client.put(f"/admin/api/products/{product.id}/images/order", headers=owner,
                          json={"image_ids": [items[0]["id"], items[0]["id"]]})
    assert response.status_code == 422


def test_only_the_owner_uploads_photos_but_finance_reads_them(client):
    product = make_product()
    finance = admin_headers(client, make_admin("finance"))
    assert upload(client, finance, product.id, picture()).status_code == 403
    assert client.get(f"/admin/api/products/{product.id}/images", headers=finance).get_json() == {"items": []}


def test_media_names_that_are_not_ours_are_404(client):
    assert client.get("/media/../../etc/passwd").status_code == 404
    assert client.get("/media/products/" + "0" * 64 + ".jpg").status_code == 404


def test_the_owner_manages_photos_on_the_console_product_page(client):
    from tests.factories import console_as, console_post

    product = make_product(name="玫瑰面霜")
    console_as(client, "owner")
    path = f"/admin/settings/products/{product.id}"
    for shade in (10, 20):
        console_post(client, f"{path}/images", {"image": (io.BytesIO(picture(color=(shade, 0, 0))), "p.png")},
                     content_type="multipart/form-data")
    first, second = catalog.product_images(product.id)
    console_post(client, f"{path}/images/{second.id}/cover")
    assert [image.id for image in catalog.product_images(product.id)] == [second.id, first.id]
    console_post(client, f"{path}/images/{first.id}/delete")
    html = client.get(path).get_data(as_text=True)
    assert "1/6" in html and "封面" in html and second.name in html


def test_a_bad_file_on_the_console_page_says_why(client):
    from tests.factories import console_as, console_post

    product = make_product()
    console_as(client, "owner")
    response = console_post(client, f"/admin/settings/products/{product.id}/images",
                            {"image": (io.BytesIO(b"not an image"), "x.png")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "无法识别的图片" in response.get_data(as_text=True)
