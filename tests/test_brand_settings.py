"""The brand's profile: set on the console, shown on the console's top bar, the scan page, the label sheet and
the mini-program's invite; bad input gets a Chinese error on the page and changes nothing."""
import io

from PIL import Image

from app.brand import service as brand
from app.brand.models import BrandProfile
from tests.factories import (agent_headers, console_as, console_csrf, console_post, make_agent, make_batch,
                             scan_client, shipped)
from tests.test_pdf_markup import text_of


def picture(size=(64, 64), mode="RGBA", colour=(200, 30, 30, 0), kind="PNG"):
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, kind)
    return buffer.getvalue()


def upload_logo(client, content, filename="logo.png"):
    return client.post("/admin/settings/brand/logo", content_type="multipart/form-data",
                       data={"logo": (io.BytesIO(content), filename), "csrf_token": console_csrf(client)})


def saved(client, **form):
    return console_post(client, "/admin/settings/brand", {"name": "玫瑰小镇", **form})


def test_before_the_owner_saves_a_profile_the_brand_is_the_setting():
    assert brand.current().name == "本品牌"


def test_the_owner_saves_the_name_and_the_console_top_bar_shows_it(client):
    console_as(client, "owner")
    assert saved(client, service_phone="4001234567", service_wechat="rose_service").status_code == 302
    page = client.get("/admin/settings/brand").get_data(as_text=True)
    assert "玫瑰小镇 · 管理后台" in page and "400-123-4567" in page


def test_the_scan_page_shows_the_brand_and_its_service_contact(app, client):
    console_as(client, "owner")
    saved(client, service_phone="020-12345678", service_wechat="rose_service")
    batch = make_batch(1)
    code = shipped(batch, make_agent())[0]
    page = scan_client(app).get(f"/v/{code}").get_data(as_text=True)
    assert "玫瑰小镇 · 防伪查询" in page and "020-12345678" in page and "rose_service" in page


def test_the_label_sheet_names_the_brand(client, tmp_path):
    console_as(client, "owner")
    saved(client)
    response = client.get(f"/admin/codes/{make_batch(2).id}/labels?format=pdf&first=1&last=2")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "玫瑰小镇防伪标签" in text_of(response.data, tmp_path)


def test_the_mini_program_invite_names_the_brand(client, fake_wechat):
    headers, _ = agent_headers(client, fake_wechat)
    brand.update_brand(name="玫瑰小镇")
    assert client.get("/api/mp/me/invite", headers=headers).get_json()["brand"] == "玫瑰小镇"


def test_a_blank_name_is_marked_and_nothing_is_saved(client):
    console_as(client, "owner")
    response = console_post(client, "/admin/settings/brand", {"name": " "})
    assert response.status_code == 422 and "请填写品牌名称" in response.get_data(as_text=True)
    assert not BrandProfile.select().exists()


def test_a_bad_service_phone_is_refused_in_chinese(client):
    console_as(client, "owner")
    response = saved(client, service_phone="12345")
    assert response.status_code == 422 and "客服电话格式不正确" in response.get_data(as_text=True)


def test_a_logo_with_transparency_is_stored_on_white_and_shown(client):
    console_as(client, "owner")
    assert upload_logo(client, picture()).status_code == 302
    logo = brand.current().logo_path
    stored = Image.open(io.BytesIO(client.get(logo).data))
    assert stored.format == "JPEG" and stored.getpixel((10, 10)) == (255, 255, 255)
    assert logo in client.get("/admin/settings/brand").get_data(as_text=True)


def test_a_file_that_is_not_an_image_is_refused_and_changes_nothing(client):
    console_as(client, "owner")
    response = upload_logo(client, b"%PDF-1.4 not a picture", filename="logo.pdf")
    assert response.status_code == 422 and "无法识别的图片" in response.get_data(as_text=True)
    assert brand.current().logo_path == ""


def test_an_oversized_logo_is_refused_and_changes_nothing(client):
    console_as(client, "owner")
    response = upload_logo(client, b"\x89PNG" + b"0" * (2 * 1024 * 1024 + 1))
    assert response.status_code in (413, 422)
    assert brand.current().logo_path == ""


def test_staff_read_the_brand_but_cannot_change_it(client):
    console_as(client, "staff")
    assert client.get("/admin/settings/brand").status_code == 200
    assert saved(client).status_code == 403


def test_the_scan_page_shows_the_products_first_photo(app, client):
    from app.catalog import service as catalog
    from tests.test_product_images import picture as photo_bytes

    batch = make_batch(1)
    catalog.add_product_image(product_id=batch.product_id, content=photo_bytes())
    code = shipped(batch, make_agent())[0]
    response = scan_client(app).get(f"/v/{code}")
    photo = catalog.image_urls([batch.product_id])[batch.product_id][0]
    assert f'class="product-photo" src="{photo}"' in response.get_data(as_text=True)
    assert "img-src 'self' data: http://127.0.0.1:5000" in response.headers["Content-Security-Policy"]
