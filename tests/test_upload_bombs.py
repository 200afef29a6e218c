"""Issue 22, finding 11: an uploaded sheet is bounded (uncompressed size, cells) before it is parsed."""
import io
import os
import subprocess
import sys
import zipfile

import pytest

from app.exports import MAX_UPLOAD_CELLS, MAX_UPLOAD_UNCOMPRESSED_BYTES, read_xlsx, xlsx_bytes
from tests.factories import admin_headers, make_admin, make_warehouse

MEMORY_BOUND_MB = 60


def workbook_with(sheet_xml=None, strings=None):
    """A minimal .xlsx whose sheet XML (and shared strings) are written through `sheet_xml(out)` / `strings(out)`,
    streamed into the zip so a bomb never sits whole in this process."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        parts = zipfile.ZipFile(io.BytesIO(xlsx_bytes(["订单号", "快递公司", "快递单号"], [["1", "顺丰", "SF1"]])))
        for info in parts.infolist():
            if info.filename == "xl/worksheets/sheet1.xml" and sheet_xml:
                with archive.open(info.filename, "w", force_zip64=True) as out:
                    sheet_xml(out)
            else:
                archive.writestr(info.filename, parts.read(info.filename))
        if strings:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
                strings(out)
    return buffer.getvalue()


SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
              b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = b"</sheetData></worksheet>"


def huge_string(out, megabytes=300):
    out.write(SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>')
    chunk = b"A" * (1024 * 1024)
    for _ in range(megabytes):
        out.write(chunk)
    out.write(b"</t></is></c></row>" + SHEET_TAIL)


def many_cells(out):
    out.write(SHEET_HEAD)
    for row in range(1, 3001):
        out.write(f'<row r="{row}">'.encode() + b"<c/>" * 100 + b"</row>")
    out.write(SHEET_TAIL)


def one_long_row(out):
    out.write(SHEET_HEAD + b'<row r="1">' + b"<c/>" * 5000 + b"</row>" + SHEET_TAIL)


def lied_size(content):
    """The workbook with its sheet's declared uncompressed size rewritten to 1 KB (the data still inflates)."""
    data = bytearray(content)
    name = b"xl/worksheets/sheet1.xml"
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            if data[start + name_at:start + name_at + len(name)] == name:
                data[start + size_at:start + size_at + 4] = (1024).to_bytes(4, "little")
            start += 4
    return bytes(data)


def test_a_sheet_inflating_past_the_bound_is_refused_before_parsing():
    bomb = workbook_with(lambda out: huge_string(out, megabytes=MAX_UPLOAD_UNCOMPRESSED_BYTES // 2 ** 20 + 1))
    with pytest.raises(Exception) as refused:
        read_xlsx(bomb, max_rows=10)
    assert refused.value.status == 422 and "过大" in refused.value.message


def test_a_sheet_with_too_many_cells_is_refused():
    with pytest.raises(Exception) as refused:
        read_xlsx(workbook_with(many_cells), max_rows=10)
    assert 3000 * 100 > MAX_UPLOAD_CELLS and refused.value.status == 422


def test_a_row_with_too_many_cells_is_refused():
    with pytest.raises(Exception) as refused:
        read_xlsx(workbook_with(one_long_row), max_rows=10)
    assert refused.value.status == 422


def test_a_sheet_lying_about_its_size_is_no_workbook():
    bomb = lied_size(workbook_with(lambda out: huge_string(out, megabytes=2)))
    with pytest.raises(Exception) as refused:
        read_xlsx(bomb, max_rows=10)
    assert refused.value.status == 422


def test_a_sheet_declaring_a_dtd_is_refused():
    entities = workbook_with(lambda out: out.write(
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + SHEET_HEAD[38:] + SHEET_TAIL))
    with pytest.raises(Exception) as refused:
        read_xlsx(entities, max_rows=10)
    assert refused.value.status == 422


def test_a_normal_sheet_still_reads():
    rows = read_xlsx(xlsx_bytes(["订单号", "快递公司", "快递单号"], [["1", "顺丰", "SF1"]]), max_rows=10)
    assert rows[1][:3] == ("1", "顺丰", "SF1")


@pytest.mark.parametrize("path", ["/admin/api/orders/batch/ship", "/admin/api/stocktakes/{take}/upload"])
def test_uploading_a_bomb_answers_422_in_the_error_shape(client, path):
    headers = admin_headers(client, make_admin("warehouse"))
    take = client.post("/admin/api/stocktakes", headers=headers, json={"warehouse_id": make_warehouse().id})
    bomb = workbook_with(lambda out: huge_string(out, megabytes=40))  # within the tests' 64 KB body limit
    response = client.post(path.format(take=take.get_json().get("id")), headers=headers,
                           data={"file": (io.BytesIO(bomb), "ship.xlsx")})
    assert response.status_code == 422 and response.get_json()["error"]["fields"]["file"]


MEMORY_PROBE = """
import resource, sys
from app.errors import InvalidInput
from app.orders import batch
from app.exports import xlsx_bytes
batch.ship_from_file(xlsx_bytes(["订单号", "快递公司", "快递单号"], []), filename="warm.xlsx", actor="admin:1")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    batch.ship_from_file(open(sys.argv[1], "rb").read(), filename="bomb.xlsx", actor="admin:1")
except InvalidInput:
    pass
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


@pytest.mark.parametrize("bomb", [huge_string, many_cells, one_long_row])
def test_a_bomb_upload_stays_within_a_memory_bound(tmp_path, bomb):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(workbook_with(bomb))
    grown = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(path)], capture_output=True, text=True,
                           check=True, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert int(grown.stdout.strip()) < MEMORY_BOUND_MB, grown.stdout
