"""The owner's code journey in real headless Chromium: make a batch in the background and watch its progress reach
done, download its labels, look a code up. Screenshots: test-output/screenshots/console-codes-*.png."""
import threading

import pytest

from app.codes import batches
from app.codes.models import CodeBatch
from app.tasks import worker
from tests.browser import browser, screenshot  # noqa: F401  (browser is a fixture)
from tests.factories import codes_of, make_product
from tests.test_console_browser import sign_in  # noqa: F401  (a fixture)

pytestmark = pytest.mark.committed
QUANTITY = 30_000


@pytest.fixture
def task_worker():
    """A background worker in this process while the test runs, as `make run` has one."""
    stop = threading.Event()
    thread = worker.start_worker_thread(stop)
    yield
    stop.set()
    thread.join(timeout=30)


@pytest.fixture
def held_partway(monkeypatch):
    """The worker pauses once, part-way, after writing its progress, until the test lets it carry on: on a quiet
    machine 30,000 codes are made between two polls, and the bar would never be seen part-way."""
    partway, carry_on = threading.Event(), threading.Event()
    report = worker.Run.step

    def report_then_hold(run, done, total=None):
        report(run, done, total)
        if total and 0 < done < total and not partway.is_set():
            partway.set()
            carry_on.wait(30)
    monkeypatch.setattr(worker, "PROGRESS_EVERY_SECONDS", 0)
    monkeypatch.setattr(worker.Run, "step", report_then_hold)
    yield carry_on
    carry_on.set()


def test_the_owner_makes_a_batch_watches_it_finish_downloads_labels_and_looks_a_code_up(
        sign_in, live_server, held_partway, task_worker, monkeypatch, tmp_path):  # noqa: F811  (sign_in is a fixture)
    monkeypatch.setattr(batches, "INSERT_CHUNK", 1000)
    product = make_product(name="玫瑰精华")
    page = sign_in("owner")
    page.click("nav.mainnav >> text=防伪码")
    page.click("nav.subnav >> text=新建批次")
    page.select_option("select[name=product_id]", str(product.id))
    page.fill("input[name=lot]", "2026R01")
    page.fill("input[name=quantity]", str(QUANTITY))
    screenshot(page, "console-codes-new-batch")
    page.click("button:has-text('生成')")
    page.wait_for_selector("text=已开始生成防伪码")
    page.wait_for_function("() => { const bar = document.querySelector('[data-bar]'); "
                           "return bar && bar.value > 0 && bar.value < 100; }", timeout=60_000)
    screenshot(page, "console-codes-task-progress")
    held_partway.set()
    page.wait_for_selector("text=已完成", timeout=60_000)
    assert page.inner_text("[data-percent]") == "100%"
    screenshot(page, "console-codes-task-done")

    page.click("text=查看结果")
    batch = CodeBatch.get(CodeBatch.lot == "2026R01")
    page.wait_for_selector(f"h1:has-text('批次 #{batch.id}')")
    page.fill("input[name=last]", "40")
    screenshot(page, "console-codes-batch")
    with page.expect_download() as download:
        page.click("button:has-text('下载')")
    saved = tmp_path / "labels.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes()[:4] == b"%PDF" and download.value.suggested_filename == f"codes-{batch.id}-1.pdf"

    code = codes_of(batch)[0]
    page.click("nav.subnav >> text=查码")
    page.fill("input[name=code]", code)
    page.click("button:has-text('查询')")
    page.wait_for_selector(f"h2:has-text('{code}')")
    screenshot(page, "console-codes-lookup")
    assert "玫瑰精华" in page.inner_text("main") and "2026R01" in page.inner_text("main")

    page.click("nav.subnav >> text=批次")
    screenshot(page, "console-codes-batches")
    page.click("header >> text=我的任务")
    screenshot(page, "console-codes-my-tasks")
    assert "已完成" in page.inner_text("main")
