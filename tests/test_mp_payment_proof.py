"""An agent pays by bank transfer: it uploads the proof from the mini-program, finance sees it and confirms."""
import io

import pytest

from app.notify.models import Notification
from tests.factories import admin_headers, advanced, agent_headers, console_login, make_admin, orderable, place

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
WEBP = b"RIFF\x24\0\0\0WEBPVP8 " + b"\0" * 32


@pytest.fixture
def unpaid(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    product, _ = orderable(100)
    return headers, place(agent, (product, 1))


def upload(client, headers, order_id, content=PNG, name="proof.png", **form):
    return client.post(f"/api/mp/orders/{order_id}/payment-proof", headers=headers,
                       data={"image": (io.BytesIO(content), name), **form})


def test_the_order_awaits_confirmation_with_the_proof_once_uploaded(client, unpaid):
    headers, order = unpaid
    response = upload(client, headers, order.id, reference="工行尾号1234")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "pending_payment" and body["awaiting_confirmation"] is True
    assert body["payment_proof"]["reference"] == "工行尾号1234"
    assert body["payment_proof"]["url"] == f"/api/mp/orders/{order.id}/payment-proof"
    assert [event["action"] for event in body["events"]][-1] == "proof_submitted"


def test_the_agent_sees_its_own_proof_image(client, unpaid):
    headers, order = unpaid
    upload(client, headers, order.id, content=WEBP, name="p.webp")
    image = client.get(f"/api/mp/orders/{order.id}/payment-proof", headers=headers)
    assert image.status_code == 200 and image.mimetype == "image/webp" and image.data == WEBP


def test_finance_sees_the_proof_and_its_confirmation_keeps_it(client, unpaid):
    headers, order = unpaid
    upload(client, headers, order.id, reference="转账单号9")
    finance = admin_headers(client, make_admin("finance"))
    detail = client.get(f"/admin/api/orders/{order.id}", headers=finance).get_json()
    assert detail["payment_proof"]["url"] == f"/admin/api/orders/{order.id}/payment-proof"
    assert client.get(detail["payment_proof"]["url"], headers=finance).data == PNG
    client.post(f"/admin/api/orders/{order.id}/pay", headers=finance, data={"amount": "100.00"})
    paid = client.get(f"/admin/api/orders/{order.id}", headers=finance).get_json()
    assert paid["status"] == "paid" and paid["awaiting_confirmation"] is False
    assert paid["payment_proof"]["reference"] == "转账单号9"
    assert client.get(paid["payment_proof"]["url"], headers=finance).data == PNG


def test_the_owners_are_told_a_proof_arrived(client, unpaid):
    headers, order = unpaid
    upload(client, headers, order.id)
    assert Notification.select().where(Notification.kind == "order_proof_submitted").count() == 1


def test_a_second_upload_replaces_the_first(client, unpaid):
    headers, order = unpaid
    upload(client, headers, order.id, reference="第一次")
    upload(client, headers, order.id, content=WEBP, name="p.webp", reference="第二次")
    image = client.get(f"/api/mp/orders/{order.id}/payment-proof", headers=headers)
    assert image.data == WEBP


def test_another_agents_order_is_404(client, fake_wechat, unpaid):
    _, order = unpaid
    other, _ = agent_headers(client, fake_wechat)
    assert upload(client, other, order.id).status_code == 404
    assert client.get(f"/api/mp/orders/{order.id}/payment-proof", headers=other).status_code == 404


def test_a_paid_order_takes_no_proof(client, fake_wechat):
    headers, agent = agent_headers(client, fake_wechat)
    product, _ = orderable(100)
    order = advanced(place(agent, (product, 1)), "pay")
    response = upload(client, headers, order.id)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "not_awaiting_payment"


@pytest.mark.parametrize("content, name", [(b"%PDF-1.4 <html>", "proof.png"), (b"", "empty.png")])
def test_what_is_not_an_image_is_422(client, unpaid, content, name):
    headers, order = unpaid
    response = upload(client, headers, order.id, content=content, name=name)
    assert response.status_code == 422 and "proof" in response.get_json()["error"]["fields"]


def test_no_image_at_all_is_422(client, unpaid):
    headers, order = unpaid
    response = client.post(f"/api/mp/orders/{order.id}/payment-proof", headers=headers, data={"reference": "x"})
    assert response.status_code == 422


def test_an_order_without_proof_has_none_to_show(client, unpaid):
    headers, order = unpaid
    assert client.get(f"/api/mp/orders/{order.id}/payment-proof", headers=headers).status_code == 404
    assert client.get(f"/api/mp/orders/{order.id}", headers=headers).get_json()["payment_proof"] is None


def test_the_console_order_page_shows_finance_the_proof_awaiting_confirmation(app, client, unpaid):
    headers, order = unpaid
    upload(client, headers, order.id, reference="转账单号7")
    with app.test_client() as browser:
        console_login(browser, make_admin("finance"))
        html = browser.get(f"/admin/orders/{order.id}").get_data(as_text=True)
        image = browser.get(f"/admin/orders/{order.id}/payment-proof")
    assert "待确认收款" in html and "转账单号7" in html and f"/admin/orders/{order.id}/payment-proof" in html
    assert image.status_code == 200 and image.data == PNG
