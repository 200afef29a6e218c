"""Console pages for authenticity codes: batches, a new batch as a background task, labels, look-up, reports,
flagged codes."""
import io
import zipfile

from app.codes import background, batches
from app.codes.models import Code, CodeBatch, CodeFlag, CodeScan
from app.tasks import worker
from tests.factories import codes_of, console_as, console_post, make_agent, make_batch, make_product, picked_up


def test_batches_are_listed_and_filtered_by_product(client):
    mine = make_batch(2, lot="LOT-MINE")
    make_batch(2, lot="LOT-OTHER")
    console_as(client, "finance")
    page = client.get(f"/admin/codes?product_id={mine.product_id}").get_data(as_text=True)
    assert "LOT-MINE" in page and "LOT-OTHER" not in page


def test_the_batch_list_exports_as_xlsx(client):
    make_batch(1)
    console_as(client, "finance")
    response = client.get("/admin/codes/export")
    assert response.status_code == 200 and response.data[:2] == b"PK"


def test_a_new_batch_is_queued_and_its_task_page_follows_it(client):
    product = make_product()
    console_as(client, "warehouse")
    response = console_post(client, "/admin/codes/new", {"product_id": str(product.id), "lot": "2026A", "quantity": "7",
                                                         "box_size": "0", "with_pin": "false"})
    assert response.status_code == 302 and "/admin/tasks/" in response.headers["Location"]
    task = worker.run_next(worker="w1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    batch = CodeBatch.get(CodeBatch.lot == "2026A")
    assert task.status == "done" and f"/admin/codes/{batch.id}" in page and "查看结果" in page


def test_the_batch_form_marks_a_bad_quantity_next_to_its_field(client):
    console_as(client, "staff")
    response = console_post(client, "/admin/codes/new", {"product_id": str(make_product().id), "lot": "2026A",
                                                         "quantity": "0"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and '<em class="error">' in body and "数量" in body
    assert CodeBatch.select().count() == 0


def test_finance_may_read_batches_but_not_make_one(client):
    console_as(client, "finance")
    assert client.get("/admin/codes/new").status_code == 403


def test_the_batch_page_counts_its_codes_and_offers_labels(client):
    batch = make_batch(3)
    console_as(client, "warehouse")
    page = client.get(f"/admin/codes/{batch.id}").get_data(as_text=True)
    assert "已生成" in page and "下载标签" in page


def test_a_batch_still_being_made_says_so_and_offers_no_labels_yet(client):
    batch = batches.start_batch(product_id=make_product().id, lot="HALF", quantity=5)
    console_as(client, "warehouse")
    page = client.get(f"/admin/codes/{batch.id}").get_data(as_text=True)
    assert "生成中" in page and "下载标签" not in page


def test_a_small_range_of_labels_downloads_at_once(client):
    batch = make_batch(3)
    console_as(client, "warehouse")
    response = client.get(f"/admin/codes/{batch.id}/labels?format=svg&boxes=false&first=1")
    assert response.status_code == 200 and len(zipfile.ZipFile(io.BytesIO(response.data)).namelist()) == 3


def test_a_big_range_of_labels_goes_to_a_background_task(client, monkeypatch):
    monkeypatch.setattr(background, "LABELS_IN_REQUEST", 1)
    batch = make_batch(3)
    console_as(client, "warehouse")
    response = client.get(f"/admin/codes/{batch.id}/labels?format=pdf&first=1")
    assert response.status_code == 302 and "/admin/tasks/" in response.headers["Location"]
    worker.run_next(worker="w1")
    download = client.get(response.headers["Location"] + "/download")
    assert download.status_code == 200 and download.data[:4] == b"%PDF"


def test_a_reversed_label_range_is_marked_next_to_the_last_serial(client):
    batch = make_batch(3)
    console_as(client, "warehouse")
    response = client.get(f"/admin/codes/{batch.id}/labels?format=pdf&first=3&last=2")
    assert response.status_code == 422 and "结束序号不能小于起始序号" in response.get_data(as_text=True)


def scanned(code_text, province="浙江省"):
    """A counted scan of a code, from `province`."""
    code = Code.get(Code.code == code_text)
    Code.update(scan_count=Code.scan_count + 1).where(Code.id == code.id).execute()
    return CodeScan.create(code=code, ip="1.2.3.4", province=province, city="杭州市", place_source="network")


def test_looking_up_a_code_shows_its_batch_product_and_scans(client):
    batch = make_batch(1, lot="LOT-LOOK")
    code = codes_of(batch)[0]
    scanned(code)
    console_as(client, "finance")
    page = client.get(f"/admin/codes/lookup?code={code}").get_data(as_text=True)
    assert "LOT-LOOK" in page and batch.product.name in page and "未发货绑定" in page and "浙江省 杭州市 <small>（网络定位）" in page


def test_looking_up_a_code_shipped_by_a_pickup_names_the_pickup_and_its_agent(client):
    agent = make_agent(name="提货代理")
    taken, texts = picked_up(agent, 1)
    console_as(client, "finance")
    page = client.get(f"/admin/codes/lookup?code={texts[0]}").get_data(as_text=True)
    assert f"提货单 #{taken.id}" in page and "提货代理" in page and "未发货绑定" not in page


def test_looking_up_an_unknown_code_says_so(client):
    console_as(client, "staff")
    assert "未查询到该防伪码" in client.get("/admin/codes/lookup?code=NOSUCHCODE").get_data(as_text=True)


def test_the_scan_report_counts_scans_by_province(client):
    batch = make_batch(2)
    for code in codes_of(batch):
        scanned(code, "四川省")
    console_as(client, "staff")
    page = client.get("/admin/codes/reports").get_data(as_text=True)
    assert "四川省" in page and batch.product.name in page


def flagged():
    code = Code.get(Code.code == codes_of(make_batch(1))[0])
    return CodeFlag.create(code=code, reason="many_scans")


def test_flagged_codes_are_listed_by_status(client):
    flag = flagged()
    console_as(client, "finance")
    assert flag.code.code in client.get("/admin/codes/flags?status=open").get_data(as_text=True)
    assert flag.code.code not in client.get("/admin/codes/flags?status=cleared").get_data(as_text=True)


def test_staff_clear_a_flag(client):
    flag = flagged()
    console_as(client, "staff")
    response = console_post(client, f"/admin/codes/flags/{flag.id}/review", {"action": "clear", "note": "同一顾客"})
    assert response.status_code == 302 and CodeFlag.get_by_id(flag.id).status == "cleared"


def test_a_review_without_an_action_is_marked_next_to_it(client):
    flag = flagged()
    console_as(client, "staff")
    response = console_post(client, f"/admin/codes/flags/{flag.id}/review", {})
    assert response.status_code == 422 and '<em class="error">' in response.get_data(as_text=True)


def test_the_warehouse_may_not_review_flags(client):
    flag = flagged()
    console_as(client, "warehouse")
    assert console_post(client, f"/admin/codes/flags/{flag.id}/review", {"action": "clear"}).status_code == 403
