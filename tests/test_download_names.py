"""Issue 22, finding 14: stored files are served under our name and their verified type; every answer is nosniff."""
import io

import pytest

from tests.factories import admin_headers, make_admin, settings_changed


@pytest.fixture
def finance_headers(client):
    return admin_headers(client, make_admin("finance"))


@pytest.fixture(autouse=True)
def uploads(tmp_path):
    with settings_changed(UPLOAD_DIR=str(tmp_path)):
        yield tmp_path


def test_a_receipt_named_html_downloads_as_a_pdf_under_our_name(client, finance_headers):
    expense = client.post("/admin/api/finance/expenses", headers=finance_headers,
                          json={"category": "other", "spent_on": "2026-01-05", "amount": "12.00"}).get_json()
    polyglot = b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>"
    uploaded = client.post(f"/admin/api/finance/expenses/{expense['id']}/attachment", headers=finance_headers,
                           data={"file": (io.BytesIO(polyglot), "receipt.html")})
    assert uploaded.status_code == 200
    response = client.get(f"/admin/api/finance/expenses/{expense['id']}/attachment", headers=finance_headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f"attachment; filename=expense-{expense['id']}.pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/admin/api/auth/login", "/api/mp/catalogue", "/healthz", "/admin/api/nothing",
                                  "/admin/login"])
def test_every_answer_forbids_sniffing(client, path):
    assert client.get(path).headers["X-Content-Type-Options"] == "nosniff"
