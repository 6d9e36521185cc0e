"""core.spreadsheets: the one writer of CSV, TSV and XLSX files for people."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from core.spreadsheets import (
    BOM,
    TooManyRowsError,
    csv_response,
    csv_text,
    neutralize,
    write_csv,
    write_xlsx,
)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Gómez", "Gómez"),
        ("a=b", "a=b"),
        ("-0.3000", "-0.3000"),  # a signed number is read as that number, never run
        ("+1", "+1"),
        ("", ""),
    ],
)
def test_text_that_starts_like_a_formula_gets_an_apostrophe(value, written):
    assert neutralize(value) == written


@pytest.mark.parametrize("value", [-5, -0.25, Decimal("-1.00"), None, datetime.date(2025, 3, 1)])
def test_numbers_dates_and_empty_cells_stay_as_they_are(value):
    assert neutralize(value) == value


def test_a_tsv_is_tab_separated_and_neutralized():
    text = "".join(csv_text([("Name", "Note"), ("=x", "a\tb")], delimiter="\t"))

    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    assert rows == [["Name", "Note"], ["'=x", "a\tb"]]


def test_a_csv_file_starts_with_the_byte_order_mark():
    file = io.BytesIO()

    write_csv([("Name",), ("María",)], file)

    assert file.getvalue() == (BOM + "Name\r\nMaría\r\n").encode()


def test_a_csv_download_is_streamed_with_its_name_and_the_mark():
    response = csv_response([("Name",), ("@x",)], filename="names.csv")

    assert response["Content-Disposition"] == 'attachment; filename="names.csv"'
    assert b"".join(response.streaming_content).decode() == BOM + "Name\r\n'@x\r\n"


def test_a_workbook_keeps_types_and_neutralizes_text():
    file = io.BytesIO()

    write_xlsx(
        [("Name", "On", "Credit"), ("=HYPERLINK(1)", datetime.date(2025, 3, 1), Decimal("0.75"))],
        file,
        title="Names",
    )

    sheet = openpyxl.load_workbook(file).active
    assert sheet.title == "Names"
    assert sheet["A1"].font.bold
    assert [c.value for c in sheet[2]] == ["'=HYPERLINK(1)", datetime.datetime(2025, 3, 1), 0.75]


def test_a_workbook_beyond_its_row_limit_is_refused():
    with pytest.raises(TooManyRowsError, match="at most 1 rows under its header"):
        write_xlsx([("a",), (1,), (2,)], io.BytesIO(), title="x", max_rows=2)


def test_a_page_sized_download_can_be_sent_whole_with_its_length():
    response = csv_response([("Name",), ("@x",)], filename="names.csv", streaming=False)

    assert response.content.decode() == BOM + "Name\r\n'@x\r\n"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
