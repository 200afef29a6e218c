"""Console pages for background tasks: a task's progress and download, 我的任务, big exports sent to the background."""
import pytest

from app.admin.pages import exports
from app.tasks import service as tasks
from app.tasks import worker
from app.tasks.models import BackgroundTask
from tests.factories import console_as, make_admin, make_agent


@pytest.fixture
def big_exports(monkeypatch):
    """Every export counts as big: it goes to a background task."""
    monkeypatch.setattr(exports, "BACKGROUND_ROWS", -1)


def running_task(user, *, done=0, total=0):
    task = tasks.submit(kind="export", params={"export": "agents", "query": {}}, actor=user)
    BackgroundTask.update(status="running", done=done, total=total).where(BackgroundTask.id == task.id).execute()
    return task


def test_the_progress_endpoint_reports_how_far_a_task_is(client):
    task = running_task(console_as(client, "staff"), done=250, total=1000)
    assert client.get(f"/admin/tasks/{task.id}/progress").get_json() == {
        "status": "running", "status_name": "进行中", "done": 250, "total": 1000, "percent": 25,
        "finished": False, "error": ""}


def test_a_running_task_page_has_a_progress_bar_the_script_watches(client):
    task = running_task(console_as(client, "staff"), done=1, total=4)
    page = client.get(f"/admin/tasks/{task.id}").get_data(as_text=True)
    assert '<progress max="100" value="25"' in page and "data-watch" in page


def test_a_user_may_not_open_another_users_task(client):
    task = running_task(make_admin("staff"))
    console_as(client, "warehouse")
    assert client.get(f"/admin/tasks/{task.id}").status_code == 404
    assert client.get(f"/admin/tasks/{task.id}/progress").status_code == 404


def test_my_tasks_lists_only_the_users_own(client):
    others = running_task(make_admin("staff"))
    mine = running_task(console_as(client, "finance"))
    page = client.get("/admin/tasks").get_data(as_text=True)
    assert f"/admin/tasks/{mine.id}\"" in page and f"/admin/tasks/{others.id}\"" not in page


def test_the_owner_sees_everyones_tasks_with_who_asked(client):
    staff = make_admin("staff")
    task = running_task(staff)
    console_as(client, "owner")
    page = client.get("/admin/tasks").get_data(as_text=True)
    assert f"/admin/tasks/{task.id}\"" in page and staff.username in page


def test_an_unfinished_task_has_no_file_to_download(client):
    task = running_task(console_as(client, "staff"))
    assert client.get(f"/admin/tasks/{task.id}/download").status_code == 404


def test_a_big_export_goes_to_a_background_task_and_downloads_when_done(client, big_exports):
    make_agent(name="导出代理")
    console_as(client, "staff")
    response = client.get("/admin/agents/export")
    assert response.status_code == 302 and "/admin/tasks/" in response.headers["Location"]
    task = worker.run_next(worker="w1")
    assert (task.status, task.done) == ("done", task.total)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    download = client.get(response.headers["Location"] + "/download")
    assert "下载文件" in page and download.status_code == 200 and download.data[:2] == b"PK"
    assert "agents.xlsx" in download.headers["Content-Disposition"]


@pytest.mark.parametrize("path,role", [("/admin/orders/export", "finance"), ("/admin/stock/export", "warehouse"),
                                       ("/admin/stock/moves/export", "warehouse"), ("/admin/codes/export", "staff")])
def test_every_list_export_runs_in_the_background_when_big(client, big_exports, path, role):
    console_as(client, role)
    assert client.get(path).status_code == 302
    assert worker.run_next(worker="w1").status == "done"
