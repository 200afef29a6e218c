"""Console pages: the notification outbox and binding one's WeChat."""
from app.notify.models import Notification
from tests.factories import console_login, console_post, make_admin, queued_message, settings_changed


def signed_in(client, role):
    console_login(client, make_admin(role))
    return client


def test_the_outbox_names_a_failed_message_and_offers_a_retry(client):
    queued_message("failed", kind="low_stock")
    page = signed_in(client, "staff").get("/admin/outbox").get_data(as_text=True)
    assert "low_stock" in page and "发送失败" in page and "重试" in page


def test_retrying_puts_the_message_back_in_the_queue(client):
    message = queued_message("failed")
    assert console_post(signed_in(client, "staff"), f"/admin/outbox/{message.id}/retry").status_code == 302
    assert Notification.get_by_id(message.id).status == "pending"


def test_retrying_a_sent_message_is_refused_on_the_page(client):
    message = queued_message("sent")
    response = console_post(signed_in(client, "staff"), f"/admin/outbox/{message.id}/retry")
    assert response.status_code == 409 and "只有发送失败" in response.get_data(as_text=True)


def test_an_unknown_status_filter_is_marked_next_to_its_field(client):
    page = signed_in(client, "staff").get("/admin/outbox?status=lost").get_data(as_text=True)
    assert '<em class="error">' in page


def test_the_warehouse_may_not_read_the_outbox(client):
    assert signed_in(client, "warehouse").get("/admin/outbox").status_code == 403


def test_an_unbound_user_is_told_so(client):
    assert "尚未绑定微信" in signed_in(client, "warehouse").get("/admin/wechat").get_data(as_text=True)


def test_the_bind_qr_is_drawn_on_the_page(client, fake_wechat):
    response = console_post(signed_in(client, "finance"), "/admin/wechat")
    assert response.status_code == 200 and "<svg" in response.get_data(as_text=True)
    assert fake_wechat.delivered("/cgi-bin/qrcode/create")


def test_without_an_official_account_the_bind_page_says_so(client):
    signed_in(client, "finance")
    with settings_changed(WECHAT_OA_APPID=""):
        response = console_post(client, "/admin/wechat")
    assert response.status_code == 503 and "公众号尚未配置" in response.get_data(as_text=True)
