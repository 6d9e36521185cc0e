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

import csv
import datetime
import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO

import rustpy_xlsxwriter
from django.db import connections
from django.db.models import F, Func, QuerySet, TextField
from django.http import HttpResponse, StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CSV_BATCH = 500  # rows per chunk of streamed CSV text
XLSX_MAX_ROWS = 1_048_576  # an Excel sheet's limit, header included

# ASCII digits only (an Arabic-Indic digit makes no number a spreadsheet reads), as the SQL
# twin of this rule (`CsvCell`) has it.
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")

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


# CSV written by PostgreSQL ------------------------------------------------------------

COPY_CHUNK_BYTES = 64 * 1024  # bytes of rows per chunk of a CSV that PostgreSQL writes
ROWS_PER_FETCH = 2000  # rows per fetch of the Python path (databases other than PostgreSQL)

_GUARDED_TEXT = {"CharField", "TextField", "EmailField", "SlugField", "URLField"}
_PLAIN_TEXT = {"IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField",
               "PositiveBigIntegerField", "PositiveSmallIntegerField", "AutoField",
               "BigAutoField", "SmallAutoField", "DecimalField"}  # fmt: skip
# The SQL of `starts_like_formula`: the first character is one of FORMULA_STARTS and the
# text is not a plain signed number. `{x}` is the column.
# (ascii() gives the first character's code point without making a substring: about 0.5 s
# less than left() on a million rows of nine text columns.)
_GUARD_SQL = (
    f"NULLIF(CASE WHEN ascii({{x}}) IN ({', '.join(str(ord(c)) for c in FORMULA_STARTS)})"
    " AND {x} !~ '^[+-]?[0-9]+([.][0-9]+)?$' THEN chr(39) || {x} ELSE {x} END, '')"
)


class CsvCell(Func):
    """A column as the CSV text `csv_text` writes for the value Django reads from it, worked
    out by PostgreSQL, so that COPY can write the rows: text through the formula guard
    (`starts_like_formula`: the same characters, the same plain-number rule, the same
    apostrophe), an empty text as NULL (an empty, unquoted field, as the csv module writes
    ""), a date as YYYY-MM-DD, integers and decimals as PostgreSQL prints them (which is
    Python's str() of a decimal read from a column of fixed scale).

    Raises ValueError, when compiled, for a column of another type (a float, a boolean, a
    timestamp): their text differs between Python and PostgreSQL, so add a rule here and a
    case to tests/core/test_spreadsheets_copy.py before exporting one this way.
    """

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra_context):
        (column,) = self.get_source_expressions()
        kind = column.output_field.get_internal_type()
        sql, params = compiler.compile(column)
        if kind in _GUARDED_TEXT:
            return _GUARD_SQL.format(x=sql), tuple(params) * _GUARD_SQL.count("{x}")
        if kind == "DateField":
            return f"to_char({sql}, 'YYYY-MM-DD')", params
        if kind in _PLAIN_TEXT:  # COPY writes a number's own text: no cast needed
            return sql, params
        raise ValueError(f"No CSV rule in SQL for a {kind} column.")


def query_csv(queryset: QuerySet, columns: Sequence[tuple[str, str]]) -> Iterator[bytes]:
    """A person's CSV file of the queryset: one column per (header, lookup) in `columns`,
    one row per row of `queryset.values_list(*lookups)` in the queryset's order, UTF-8 with
    the byte-order mark, CRLF line ends, text neutralized: byte for byte what
    `csv_with_bom` writes for the header and those tuples.

    The mark and the header come first, before the query runs, so a download starts at
    once. On PostgreSQL the rows are then written by the database itself
    (`COPY (...) TO STDOUT (FORMAT csv)`, each column formatted by `CsvCell`) and passed on
    in chunks of about COPY_CHUNK_BYTES as they arrive; elsewhere (SQLite, the embedded
    default) by `csv_text` from a server-side cursor. Memory stays flat either way. If the
    consumer stops early, the COPY is cancelled and the connection stays usable.
    """
    lookups = [lookup for _, lookup in columns]
    yield (BOM + "".join(csv_text([[header for header, _ in columns]]))).encode()
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        rows = queryset.values_list(*lookups).iterator(chunk_size=ROWS_PER_FETCH)
        for chunk in csv_text(rows):
            yield chunk.encode()
        return
    statement, params = copy_csv_statement(queryset, lookups)
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        batch: list = []
        size = 0
        for row in copy:  # one row per message, ending in "\n"
            batch.append(row)
            size += len(row)
            if size >= COPY_CHUNK_BYTES:
                yield _crlf_lines(batch)
                batch.clear()
                size = 0
        if batch:
            yield _crlf_lines(batch)


def copy_csv_statement(queryset: QuerySet, lookups: Sequence[str]) -> tuple[str, tuple]:
    """(SQL, parameters) of `COPY (...) TO STDOUT (FORMAT csv)` writing, for each row of
    `queryset` in its order, one `CsvCell` per lookup. psycopg merges the parameters into
    the statement on the client (COPY takes none of its own)."""
    names = [f"csv_cell_{n}" for n in range(len(lookups))]
    cells = queryset.annotate(
        **{name: CsvCell(F(lookup)) for name, lookup in zip(names, lookups, strict=True)}
    ).values_list(*names)
    sql, params = cells.query.sql_with_params()
    return f"COPY ({sql}) TO STDOUT (FORMAT csv)", tuple(params)


def _crlf_lines(rows: list) -> bytes:
    """COPY's rows, each ending in "\n", as lines ending in CRLF. When there are as many
    "\n" as rows, none is inside a quoted value and all can be replaced at once."""
    text = b"".join(rows)
    if text.count(b"\n") == len(rows):
        return text.replace(b"\n", b"\r\n")
    return b"".join([bytes(row[:-1]) + b"\r\n" for row in rows])


def query_csv_response(
    queryset: QuerySet, columns: Sequence[tuple[str, str]], *, filename: str
) -> StreamingHttpResponse:
    """A streamed download named `filename` of `query_csv(queryset, columns)`."""
    response = StreamingHttpResponse(query_csv(queryset, columns), content_type=CONTENT_TYPES[","])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Excel --------------------------------------------------------------------------------


# Characters XML 1.0 (and so XLSX) cannot hold: C0 controls other than tab and line breaks.
_ILLEGAL_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_DAY_FORMAT = "yyyy-mm-dd"
_MOMENT_FORMAT = "yyyy-mm-dd hh:mm"


def _xlsx_value(value):
    """A value as the workbook holds it: text neutralized, with a visible U+FFFD where a
    character Excel cannot store was (instead of a broken file); a decimal as a float; a
    moment without its time zone (its wall-clock time); an empty text as no cell."""
    if isinstance(value, str):
        if not value:
            return None
        return _ILLEGAL_IN_XLSX.sub("\ufffd", neutralize(value))
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def write_xlsx(
    rows: Iterable[Iterable],
    file: IO[bytes],
    *,
    title: str,
    max_rows: int = XLSX_MAX_ROWS,
) -> None:
    """An Excel workbook of one sheet named `title` (its first 31 characters), the first row
    (the header) in bold, written into the binary `file`.

    Written by rustpy-xlsxwriter (rust_xlsxwriter in constant-memory mode: each row goes
    to a temporary file as it is written, and the workbook to another, copied into `file`
    at the end), so memory stays flat for a million rows, and the cells are written in
    Rust: about five times as fast as XlsxWriter cell by cell in the same run
    (docs/performance.md). Dates stay date cells (yyyy-mm-dd), moments date-time cells
    (yyyy-mm-dd hh:mm, decided by the column's value in the first data row), numbers
    numbers (Decimal as float); text is neutralized; empty text and None leave the cell
    empty. A header alone gives a sheet with the header alone.

    Raises TooManyRowsError when the rows, header included, exceed `max_rows`, and
    ValueError when two header cells read the same or a row is longer or shorter than the
    header; nothing is written to `file` then (the workbook is only assembled at the end).
    """
    rows = iter(rows)
    header = next(rows, None)
    names = [] if header is None else [str(_xlsx_value(h) or "") for h in header]
    if len(set(names)) != len(names):
        raise ValueError(f"An Excel sheet's column headers must differ: {names}")
    first = next(rows, None)
    moments = {
        name: rustpy_xlsxwriter.Format().set_num_format(_MOMENT_FORMAT)
        for name, value in zip(names, first or (), strict=False)
        if isinstance(value, datetime.datetime)
    }
    # Written to a file by its path, then copied into `file`: given a Python file object,
    # the writer would assemble the whole workbook in memory first.
    with tempfile.TemporaryDirectory(prefix="cme-xlsx-") as folder:
        path = os.path.join(folder, "sheet.xlsx")
        rustpy_xlsxwriter.write_worksheet(
            _records(names, first, rows, max_rows),
            path,
            sheet_name=title[:31],
            bold_headers=True,
            datetime_format=_DAY_FORMAT,
            column_formats=moments or None,
        )
        with open(path, "rb") as written:
            shutil.copyfileobj(written, file, COPY_CHUNK_BYTES)


def _records(names: list[str], first, rows: Iterator, max_rows: int) -> Iterator[dict]:
    """The data rows as the writer takes them: one dict per row, keyed by header."""
    if not names:
        return
    if first is None:
        yield dict.fromkeys(names)  # no cell written: the header alone
        return
    for number, row in enumerate(itertools.chain([first], rows), start=1):
        if number >= max_rows:
            raise TooManyRowsError(max_rows)
        yield dict(zip(names, map(_xlsx_value, row), strict=True))
