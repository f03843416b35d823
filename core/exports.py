"""CSV and XLSX exports of a table's visible columns, safe to open in a spreadsheet."""

import csv
import io

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Spreadsheets run cells that start like a formula; prefix them so they stay text."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def table_rows(table):
    """Header, then one list of plain values per row, for the table's visible columns."""
    names = table.visible_column_names
    header = [str(table.columns[n].header) for n in names]
    yield header
    for row in table.rows:
        yield [neutralise(_plain(row.get_cell_value(n))) for n in names]


def _plain(value):
    if value is None or value == "—":
        return ""
    if isinstance(value, int | float | str):
        return value
    return str(value)


class _Echo:
    def write(self, value):
        return value


def export_table(table, fmt, basename):
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    filename = f"{basename}-{stamp}.{fmt}"
    if fmt == "csv":
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in table_rows(table)),
            content_type="text/csv; charset=utf-8",
        )
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(basename[:31])
        for row in table_rows(table):
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
