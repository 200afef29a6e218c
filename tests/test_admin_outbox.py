"""The console's view of the outbox: list with filters, retry one."""
from app.notify.models import Notification
from tests.factories import admin_headers, make_admin
from tests.factories import queued_message as queue


def test_staff_lists_the_outbox_newest_first(client):
    older, newer = queue(), queue()
    response = client.get("/admin/api/outbox", headers=admin_headers(client, make_admin("staff")))
    body = response.get_json()
    assert [item["id"] for item in body["items"]] == [newer.id, older.id] and body["total"] == 2
    assert body["items"][0]["created_at"].endswith("+00:00")


def test_the_outbox_filters_by_status_kind_and_recipient(client):
    wanted = queue("failed", "upgrade", "admin:1")
    queue("failed", "upgrade", "admin:2")
    queue("failed", "low_stock", "admin:1")
    queue("sent", "upgrade", "admin:1")
    response = client.get("/admin/api/outbox", headers=admin_headers(client, make_admin("owner")),
                          query_string={"status": "failed", "kind": "upgrade", "recipient": "admin:1"})
    assert [item["id"] for item in response.get_json()["items"]] == [wanted.id]


def test_an_unknown_status_filter_is_422(client):
    response = client.get("/admin/api/outbox", headers=admin_headers(client, make_admin("owner")),
                          query_string={"status": "lost"})
    assert response.status_code == 422 and "status" in response.get_json()["error"]["fields"]


def test_retry_puts_an_unknown_message_back_in_the_queue(client):
    message = queue("unknown")
    Notification.update(attempts=3).where(Notification.id == message.id).execute()
    response = client.post(f"/admin/api/outbox/{message.id}/retry", headers=admin_headers(client, make_admin("staff")))
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["attempts"]) == ("pending", 0)


def test_a_sent_message_cannot_be_retried(client):
    message = queue("sent")
    response = client.post(f"/admin/api/outbox/{message.id}/retry", headers=admin_headers(client, make_admin("staff")))
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "notification_not_retryable"


def test_retrying_a_missing_message_is_404(client):
    response = client.post("/admin/api/outbox/999999/retry", headers=admin_headers(client, make_admin("staff")))
    assert response.status_code == 404


def test_warehouse_staff_may_not_see_the_outbox(client):
    response = client.get("/admin/api/outbox", headers=admin_headers(client, make_admin("warehouse")))
    assert response.status_code == 403
