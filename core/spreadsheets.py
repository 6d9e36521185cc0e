"""The one writer of files meant for spreadsheet programs: CSV, TSV and Excel (XLSX).

Every such file the site writes for people goes through here, because of one rule: a
spreadsheet program runs a cell whose text starts with "=", "+", "-" or "@" (or with a tab
or carriage return before one) as a formula, and the text in our cells comes from learners
(names) and authors (titles, question stems). Such text is written with an apostrophe in
front ("'=HYPERLINK(...)"), as OWASP advises against CSV injection. Numbers stay numbers:
int, float and Decimal values, and text that is just a signed decimal number ("-0.3000"),
are written unchanged.

Human-facing CSV and TSV files start with a UTF-8 byte-order mark, so that Excel reads them
as UTF-8 (names with accents). Files for machines (the PARS batch for ACCME) are not written
here: they carry values exactly and refuse dangerous ones at input instead.
"""

import contextlib
import csv
import datetime
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO

import xlsxwriter
from django.http import HttpResponse, StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CSV_BATCH = 500  # rows per chunk of streamed CSV text
XLSX_MAX_ROWS = 1_048_576  # an Excel sheet's limit, header included

_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")

CONTENT_TYPES = {",": "text/csv; charset=utf-8", "\t": "text/tab-separated-values; charset=utf-8"}


class TooManyRowsError(Exception):
    """More rows than one Excel sheet holds; `max_rows` counts the header."""

    def __init__(self, max_rows: int):
        self.max_rows = max_rows
        super().__init__(
            f"An Excel sheet holds at most {max_rows - 1:,} rows under its header; "
            "narrow the filters or export CSV instead."
        )


def starts_like_formula(text: str) -> bool:
    """Whether a spreadsheet program would run `text` as a formula (see the module's
    docstring); a plain signed number such as "-0.3000" would not."""
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def neutralize(value):
    """The value as a spreadsheet cell should hold it: text that starts like a formula gets
    an apostrophe in front; every other value (numbers, dates, None) is returned as it is."""
    if isinstance(value, str) and starts_like_formula(value):
        return "'" + value
    return value


def neutralize_row(row: Iterable) -> list:
    return [neutralize(value) for value in row]


# CSV and TSV --------------------------------------------------------------------------


class _LineBuffer:
    """A file-like object whose write() hands the text back instead of storing it, so
    that csv.writer can format one row at a time."""

    def write(self, text: str) -> str:
        return text


def csv_text(rows: Iterable[Iterable], *, delimiter: str = ",") -> Iterator[str]:
    """The rows (header first) as neutralized CSV text (or TSV with delimiter="\\t"), CRLF
    line ends, in chunks of CSV_BATCH rows; no byte-order mark (see `csv_with_bom`). Holds
    one chunk in memory, whatever the number of rows."""
    writer = csv.writer(_LineBuffer(), delimiter=delimiter)
    batch: list[str] = []
    for row in rows:
        batch.append(writer.writerow(neutralize_row(row)))
        if len(batch) >= CSV_BATCH:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)


def csv_with_bom(rows: Iterable[Iterable], *, delimiter: str = ",") -> Iterator[str]:
    """`csv_text` preceded by the byte-order mark: what a person's file holds."""
    yield BOM
    yield from csv_text(rows, delimiter=delimiter)


def write_csv(rows: Iterable[Iterable], file: IO[bytes], *, delimiter: str = ",") -> None:
    """A person's CSV (or TSV) file, UTF-8 with a byte-order mark, into a binary file."""
    for chunk in csv_with_bom(rows, delimiter=delimiter):
        file.write(chunk.encode())


def csv_response(
    rows: Iterable[Iterable], *, filename: str, delimiter: str = ",", streaming: bool = True
) -> HttpResponse | StreamingHttpResponse:
    """A download of the rows as a CSV (or TSV) file named `filename`. Streamed as it is
    written (rows may come straight from a database cursor) unless `streaming=False`, for a
    file the size of a page (a transcript), which then carries its length."""
    chunks = csv_with_bom(rows, delimiter=delimiter)
    content_type = CONTENT_TYPES[delimiter]
    if streaming:
        response = StreamingHttpResponse(chunks, content_type=content_type)
    else:
        response = HttpResponse("".join(chunks), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Excel --------------------------------------------------------------------------------


# Characters XML 1.0 (and so XLSX) cannot hold: C0 controls other than tab and line breaks.
_ILLEGAL_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_value(value):
    value = neutralize(value)
    if isinstance(value, str):
        # Show where a character Excel cannot store was, instead of a broken file.
        return _ILLEGAL_IN_XLSX.sub("\ufffd", value)
    if isinstance(value, Decimal):
        return float(value)
    return value


def write_xlsx(
    rows: Iterable[Iterable],
    file: IO[bytes],
    *,
    title: str,
    max_rows: int = XLSX_MAX_ROWS,
) -> None:
    """An Excel workbook of one sheet named `title`, the first row (the header) in bold,
    written row by row by XlsxWriter in constant-memory mode (each row goes to a temporary
    file as it is written), so memory stays flat for a million rows. Dates stay date cells
    and numbers numbers (Decimal as float); text is neutralized.

    Raises TooManyRowsError when the rows, header included, exceed `max_rows`; nothing is
    written to `file` then (the workbook is only assembled at the end).
    """
    workbook = xlsxwriter.Workbook(
        file, {"constant_memory": True, "strings_to_numbers": False, "strings_to_urls": False,
               "strings_to_formulas": False, "tmpdir": tempfile.gettempdir()}
    )  # fmt: skip
    sheet = workbook.add_worksheet(title[:31])
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    rows = iter(rows)
    try:
        header = next(rows, None)
        if header is not None:
            for column, value in enumerate(header):
                sheet.write(0, column, _xlsx_value(value), bold)
        for number, row in enumerate(rows, start=1):
            if number >= max_rows:
                raise TooManyRowsError(max_rows)
            for column, value in enumerate(row):
                value = _xlsx_value(value)
                if value is None or value == "":
                    continue
                if isinstance(value, datetime.datetime):
                    sheet.write_datetime(number, column, value.replace(tzinfo=None), moment)
                elif isinstance(value, datetime.date):
                    sheet.write_datetime(number, column, value, day)
                elif isinstance(value, str):
                    sheet.write_string(number, column, value)
                else:
                    sheet.write(number, column, value)
    except BaseException:
        _discard(workbook)
        raise
    workbook.close()


def _discard(workbook) -> None:
    """Drop a half-written workbook: close it into nothing, so that XlsxWriter deletes its
    temporary files and `file` receives no workbook."""
    workbook.filename = io.BytesIO()
    with contextlib.suppress(Exception):
        workbook.close()
