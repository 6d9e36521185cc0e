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


def read_back(file) -> list[list]:
    file.seek(0)
    sheet = openpyxl.load_workbook(file).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_a_workbook_keeps_awkward_text_neutralized_and_readable():
    file = io.BytesIO()
    awkward = [
        "=1+1",
        "@cmd",
        "-2+3",
        "-0.75",
        'Say "hi"',
        "two\nlines",
        "Núñez 王小明 🙂",
        "a\x01b",
    ]

    write_xlsx([["Text"], *[[value] for value in awkward]], file, title="Awkward")

    assert read_back(file) == [
        ["Text"],
        ["'=1+1"],
        ["'@cmd"],
        ["'-2+3"],
        ["-0.75"],  # a signed number stays text, as it was given
        ['Say "hi"'],
        ["two\nlines"],
        ["Núñez 王小明 🙂"],
        ["a\ufffdb"],  # a character XML cannot hold is shown, not a broken file
    ]


def test_a_workbook_keeps_dates_moments_numbers_and_empty_cells():
    file = io.BytesIO()
    moment = datetime.datetime(2025, 3, 1, 10, 30, tzinfo=datetime.UTC)
    header = ("On", "At", "Edition", "Credit", "Note")
    row = (datetime.date(2025, 3, 1), moment, 2, Decimal("1.25"), "")

    write_xlsx([header, row], file, title="Types")

    file.seek(0)
    sheet = openpyxl.load_workbook(file).active
    on, at, edition, credit, note = sheet[2]
    assert (on.value, on.number_format) == (datetime.datetime(2025, 3, 1), "yyyy-mm-dd")
    assert (at.value, at.number_format) == (
        datetime.datetime(2025, 3, 1, 10, 30),
        "yyyy-mm-dd hh:mm",
    )
    assert (edition.value, credit.value, note.value) == (2, 1.25, None)
    assert all(cell.font.bold for cell in sheet[1])


def test_a_workbook_of_a_header_alone_has_the_header_alone():
    file = io.BytesIO()

    write_xlsx([("Name", "On")], file, title="Empty")

    assert read_back(file) == [["Name", "On"]]


def test_a_workbook_refused_for_its_size_leaves_the_file_empty():
    file = io.BytesIO()

    with pytest.raises(TooManyRowsError):
        write_xlsx([("a",), (1,), (2,), (3,)], file, title="x", max_rows=3)

    assert file.getvalue() == b""


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("Name", "Name"), ("a", "b")], "column headers must differ"),
        ([("Name", "On"), ("a",)], "shorter than argument 1"),
    ],
)
def test_a_workbook_whose_rows_do_not_fit_the_header_is_refused(rows, message):
    file = io.BytesIO()

    with pytest.raises(ValueError, match=message):
        write_xlsx(rows, file, title="x")

    assert file.getvalue() == b""
