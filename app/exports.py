"""Tables as downloadable files: .xlsx (openpyxl) and .csv (UTF-8 with BOM, so Excel reads Chinese)."""
import csv
from io import BytesIO, StringIO

from openpyxl import Workbook

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"


def xlsx_bytes(headers, rows, *, title="Sheet1"):
    """An .xlsx workbook of one sheet: a header row, then `rows`."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers, rows):
    """A CSV file: a header row, then `rows`, encoded UTF-8 with a BOM."""
    text = StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + text.getvalue()).encode("utf-8")


def table_file(fmt, headers, rows, *, title="Sheet1"):
    """(bytes, mimetype, extension) of the table as "xlsx" or "csv"."""
    if fmt == "xlsx":
        return xlsx_bytes(headers, rows, title=title), XLSX_MIMETYPE, "xlsx"
    return csv_bytes(headers, rows), CSV_MIMETYPE, "csv"
