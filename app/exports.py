"""Tables as downloadable files: .xlsx (openpyxl) and .csv (UTF-8 with BOM, so Excel reads Chinese); and uploaded
tables read back within bounds.

Text in a cell may come from agents, consumers or staff. A spreadsheet program takes text starting with `=`, `+`,
`-`, `@`, a tab or a carriage return as a formula (`=HYPERLINK(...)` sends the next cell away when clicked), so every
such string is written as text: in .xlsx a string cell with Excel's quote prefix (the text is kept exactly and stays
text when the cell is edited), in .csv behind a leading `'`. A string that is a plain decimal number ("-12.00") is
no formula and stays as it is; numbers are never touched.
"""
import csv
import re
import zipfile
from io import BytesIO, StringIO
from itertools import islice
from xml.parsers import expat

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import InvalidFileException

from app.errors import InvalidInput

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
MAX_UPLOAD_UNCOMPRESSED_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_MEMBERS = 200
MAX_UPLOAD_CELLS = 200_000
MAX_UPLOAD_ROW_CELLS = 1_000
MAX_UPLOAD_COLUMNS = 64


def formula_like(value):
    """Whether `value` is text a spreadsheet program would take as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value)


def _xlsx_cell(sheet, value):
    if not isinstance(value, str):
        return value
    # openpyxl refuses control characters XML cannot hold; a stray one in a name must not stop the export
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    if not formula_like(value):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _csv_cell(value):
    return "'" + value if formula_like(value) else value


def xlsx_bytes(headers, rows, *, title="Sheet1"):
    """An .xlsx workbook of one sheet: a header row, then `rows`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append([_xlsx_cell(sheet, value) for value in headers])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers, rows):
    """A CSV file: a header row, then `rows`, encoded UTF-8 with a BOM."""
    text = StringIO()
    writer = csv.writer(text)
    writer.writerow([_csv_cell(value) for value in headers])
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def table_file(fmt, headers, rows, *, title="Sheet1"):
    """(bytes, mimetype, extension) of the table as "xlsx" or "csv"."""
    if fmt == "xlsx":
        return xlsx_bytes(headers, rows, title=title), XLSX_MIMETYPE, "xlsx"
    return csv_bytes(headers, rows), CSV_MIMETYPE, "csv"


def _too_big():
    return InvalidInput.on("file", "表格过大，请拆分后再上传")


def _count_cells(archive):
    """Refuse a workbook holding more cells (or longer rows) than an upload may, before openpyxl builds any.

    Every member is scanned, not only the usual sheet paths: the workbook's relationships may point a sheet
    anywhere. A member that is not XML (an image) holds no cells; one that declares a DTD is refused."""
    cells = 0
    for info in archive.infolist():
        state = {"row": 0, "broken": False}

        def start(name, _attributes):
            nonlocal cells
            local = name.rsplit(" ", 1)[-1].rsplit(":", 1)[-1]
            if local == "row":
                state["row"] = 0
            elif local in ("c", "si"):
                cells += 1
                state["row"] += 1
                if cells > MAX_UPLOAD_CELLS or state["row"] > MAX_UPLOAD_ROW_CELLS:
                    raise _too_big()

        def refuse(*_args):
            raise InvalidInput.on("file", "文件不是有效的表格")

        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = start
        parser.StartDoctypeDeclHandler = refuse
        with archive.open(info) as member:
            try:
                while chunk := member.read(65536):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
            except expat.ExpatError:
                continue


def read_xlsx(content, *, max_rows):
    """The cell values of the first `max_rows` + 1 rows (at most MAX_UPLOAD_COLUMNS each) of an uploaded .xlsx's
    active sheet. Its uncompressed size and its cells are bounded before it is parsed: a few hundred KB may
    inflate to gigabytes. InvalidInput (422) for what is no workbook or is too big."""
    try:
        with zipfile.ZipFile(BytesIO(content)) as archive:
            members = archive.infolist()
            # zipfile never inflates a member beyond the size it declares (more fails its CRC), so the sum bounds it
            if (len(members) > MAX_UPLOAD_MEMBERS
                    or sum(info.file_size for info in members) > MAX_UPLOAD_UNCOMPRESSED_BYTES):
                raise _too_big()
            _count_cells(archive)
        sheet = load_workbook(BytesIO(content), read_only=True, data_only=True).active
        return list(sheet.iter_rows(max_row=max_rows + 1, max_col=MAX_UPLOAD_COLUMNS, values_only=True))
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, SyntaxError, EOFError,
            NotImplementedError) as exc:
        raise InvalidInput.on("file", "文件不是有效的 .xlsx 表格") from exc


def read_csv(content, *, max_rows):
    """The first `max_rows` + 1 rows of an uploaded CSV (UTF-8, or GB18030 as Chinese Excel saves it)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("gb18030", errors="replace")
    try:
        return [row[:MAX_UPLOAD_COLUMNS] for row in islice(csv.reader(StringIO(text)), max_rows + 1)]
    except csv.Error as exc:
        raise InvalidInput.on("file", "文件不是有效的 .csv 表格") from exc
