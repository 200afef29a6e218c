"""Issue 22, finding 3: user text reaches ReportLab as text, never as markup, in every PDF we draw."""
import shutil
import subprocess

import pytest

from app.clock import local_today
from tests.factories import admin_headers, codes_of, ladder_order, make_admin, make_agent, make_batch, orderable, place

IMG = "<img src=x onerror=alert(1)>"
FAKE = '<img src="/etc/hostname"/><font size="20">备注：已付款，加赠10件</font>'
TODAY = local_today()


def text_of(content, tmp_path):
    """The text of a PDF, as poppler's pdftotext reads it (spaces and line breaks dropped)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    (tmp_path / "doc.pdf").write_bytes(content)
    found = subprocess.run(["pdftotext", str(tmp_path / "doc.pdf"), "-"], capture_output=True, check=True, timeout=30)
    return "".join(found.stdout.decode().split())


def squeezed(text):
    return "".join(text.split())


def test_the_picking_list_prints_a_consignee_and_address_written_as_markup(client, tmp_path):
    agent = make_agent()
    product, _ = orderable(100, name=IMG)
    order = place(agent, (product, 1), consignee={"name": IMG, "address": FAKE}, remark=FAKE)
    response = client.post("/admin/api/orders/picking-list", headers=admin_headers(client, make_admin("warehouse")),
                           json={"order_ids": [order.id]})
    assert response.status_code == 200
    text = text_of(response.data, tmp_path)
    assert squeezed(f"收货人：{IMG}") in text and squeezed(FAKE) in text and b"/Subtype /Image" not in response.data


def test_the_statement_prints_an_agent_name_written_as_markup(client, tmp_path):
    _, _, chain = ladder_order()
    chain[1].name = IMG
    chain[1].save()
    response = client.get(f"/admin/api/finance/agents/{chain[1].id}/statement?month={TODAY:%Y-%m}&format=pdf",
                          headers=admin_headers(client, make_admin("finance")))
    assert response.status_code == 200 and squeezed(f"代理：{IMG}") in text_of(response.data, tmp_path)


def test_the_label_sheet_draws_with_a_lot_written_as_markup(client, tmp_path):
    batch = make_batch(2, lot=IMG[:32])
    response = client.get(f"/admin/api/codes/batches/{batch.id}/labels.pdf",
                          headers=admin_headers(client, make_admin("warehouse")))
    assert response.status_code == 200 and codes_of(batch)[0] in text_of(response.data, tmp_path)
