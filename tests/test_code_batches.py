"""Code batches: generation with boxes and PINs, and label downloads through the console."""
import csv
import io
import zipfile

from app.codes.models import Code
from tests.factories import admin_headers, codes_of, make_admin, make_batch, make_product


def _batch_body(product, **fields):
    return {"product_id": product.id, "lot": "20240601A", "quantity": 5, **fields}


def test_a_batch_has_one_unique_valid_code_per_item(client):
    batch = make_batch(50)
    texts = codes_of(batch)
    assert len(set(texts)) == 50
    assert [serial for serial, in Code.select(Code.serial).where(Code.batch == batch.id).tuples()] == list(
        range(1, 51))


def test_box_codes_contain_their_items():
    batch = make_batch(7, box_size=3)
    boxes = list(Code.select().where(Code.batch == batch.id, Code.is_box).order_by(Code.serial))
    assert len(boxes) == 3
    sizes = [Code.select().where(Code.box == box.id).count() for box in boxes]
    assert sizes == [3, 3, 1]


def test_pins_are_stored_hashed():
    from app.codes import codec

    batch = make_batch(2, with_pin=True)
    row = Code.get(Code.batch == batch.id, Code.serial == 1)
    assert row.pin_hash and codec.pin_for(row.code) not in row.pin_hash


def test_the_console_creates_a_batch(client):
    headers = admin_headers(client, make_admin("warehouse"))
    response = client.post("/admin/api/codes/batches", headers=headers,
                           json=_batch_body(make_product(), box_size=2, with_pin=True))
    assert response.status_code == 201
    detail = client.get(f"/admin/api/codes/batches/{response.get_json()['id']}", headers=headers).get_json()
    assert detail["quantity"] == 5 and detail["bound"] == 0 and detail["scanned"] == 0


def test_a_batch_refuses_a_bad_quantity_or_unknown_product(client):
    headers = admin_headers(client, make_admin())
    too_big = client.post("/admin/api/codes/batches", headers=headers,
                          json=_batch_body(make_product(), quantity=2_000_000))
    assert too_big.status_code == 422 and "quantity" in too_big.get_json()["error"]["fields"]
    unknown = client.post("/admin/api/codes/batches", headers=headers, json={**_batch_body(make_product()),
                                                                            "product_id": 10**9})
    assert unknown.status_code == 404


def test_finance_may_not_create_batches(client):
    headers = admin_headers(client, make_admin("finance"))
    assert client.post("/admin/api/codes/batches", headers=headers,
                       json=_batch_body(make_product())).status_code == 403


def test_labels_csv_lists_code_url_box_and_pin(client):
    batch = make_batch(4, box_size=2, with_pin=True)
    response = client.get(f"/admin/api/codes/batches/{batch.id}/labels.csv",
                          headers=admin_headers(client, make_admin()))
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["serial", "code", "url", "box", "pin"]
    assert [row[1] for row in rows[1:]] == codes_of(batch)
    assert rows[1][2].endswith("/v/" + rows[1][1]) and rows[3][3] == "2" and len(rows[1][4]) == 6


def test_labels_zip_holds_one_image_per_code(client):
    batch = make_batch(3)
    headers = admin_headers(client, make_admin())
    for fmt, magic in (("png", b"\x89PNG"), ("svg", b"<svg")):
        response = client.get(f"/admin/api/codes/batches/{batch.id}/labels.zip?format={fmt}", headers=headers)
        archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
        assert len(archive.namelist()) == 3
        assert archive.read(archive.namelist()[0]).startswith(magic)


def test_labels_pdf_is_an_a4_sheet(client):
    batch = make_batch(10, with_pin=True)
    response = client.get(f"/admin/api/codes/batches/{batch.id}/labels.pdf?columns=3&rows=2",
                          headers=admin_headers(client, make_admin()))
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF")
    assert response.get_data().count(b"/Type /Page\n") + response.get_data().count(b"/Type /Page ") >= 1


def test_labels_pdf_refuses_more_than_one_file_holds(client):
    batch = make_batch(2)
    response = client.get(f"/admin/api/codes/batches/{batch.id}/labels.pdf?first=1&last=5000",
                          headers=admin_headers(client, make_admin()))
    assert response.status_code == 422 and "last" in response.get_json()["error"]["fields"]


def test_qr_image_holds_the_modules_of_the_scan_url():
    from PIL import Image

    from app.codes import labels

    url = labels.scan_url(codes_of(make_batch(1))[0])
    matrix = labels.qr_matrix(url)
    image = Image.open(io.BytesIO(labels.qr_png(url, pixels_per_module=1))).convert("L")
    quiet = labels.QUIET_ZONE
    pixels = [[image.getpixel((x + quiet, y + quiet)) == 0 for x in range(len(matrix))] for y in range(len(matrix))]
    assert pixels == [list(row) for row in matrix]
