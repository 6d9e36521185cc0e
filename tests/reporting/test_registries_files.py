"""The registry files: one column definition per registry, written as tab-delimited text
and as Excel (reporting.registries.columns, pars, cpe_monitor)."""

import io
from pathlib import Path

import openpyxl

from reporting.registries import cpe_monitor, pars
from reporting.registries.columns import (
    FORMULA_REFUSAL,
    Refusal,
    column_table,
    write_registry_files,
)
from tests.reporting.registry_records import cpe_monitor_record, pars_record


def write(layout, records, *, with_excel=True):
    tsv, xlsx = io.BytesIO(), io.BytesIO() if with_excel else None
    written = write_registry_files(
        layout.COLUMNS, records, tsv=tsv, xlsx=xlsx, title=layout.SHEET_TITLE
    )
    return written, tsv.getvalue(), xlsx


def test_pars_columns_are_the_learner_record_fields_of_domain_md_in_order():
    """Provider ID, activity ID, given and family name, birth month and day, completion
    date, per credit the unique ID (domain and value), kind, MOC category and amount, the
    action; then our record ID for the results."""
    assert [column.header for column in pars.COLUMNS] == [
        "Provider ID",
        "Activity ID",
        "First Name",
        "Last Name",
        "Birth Month",
        "Birth Day",
        "Completion Date",
        "Unique ID Domain",
        "Unique ID Value",
        "Credit Kind",
        "MOC Category",
        "Amount",
        "Action",
        "Record ID",
    ]


def test_cpe_monitor_columns_are_epid_mmdd_uan_date_hours_and_action():
    assert [column.header for column in cpe_monitor.COLUMNS] == [
        "ePID",
        "Birth MMDD",
        "UAN",
        "Completion Date",
        "Contact Hours",
        "Action",
    ]


def test_pars_text_file_is_utf8_without_bom_tab_delimited_with_crlf_lines():
    written, data, _ = write(pars, [pars_record(delivery_id=7)], with_excel=False)

    assert written.count == 1 and written.refused == []
    assert (
        data
        == (
            "Provider ID\tActivity ID\tFirst Name\tLast Name\tBirth Month\tBirth Day\t"
            "Completion Date\tUnique ID Domain\tUnique ID Value\tCredit Kind\tMOC Category\t"
            "Amount\tAction\tRecord ID\r\n"
            "1234567\t202612345\tMaría José\tO'Neil-Núñez\t03\t14\t12/03/2026\tABIM\t123456\t"
            "moc-points\tMK\t1.25\tAdd\t7\r\n"
        ).encode()
    )
    assert not data.startswith(b"\xef\xbb\xbf")


def test_cpe_monitor_text_file_lines():
    _, data, _ = write(cpe_monitor, [cpe_monitor_record(action="delete")], with_excel=False)

    assert data.decode().split("\r\n") == [
        "ePID\tBirth MMDD\tUAN\tCompletion Date\tContact Hours\tAction",
        "1234567\t0314\tJA4008162-0000-26-123-H01-P\t12/03/2026\t1.50\tDelete",
        "",
    ]


def test_excel_file_holds_the_same_rows_as_text_cells():
    records = [pars_record(delivery_id=1), pars_record(delivery_id=2, moc_category="")]

    written, data, xlsx = write(pars, records)

    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.getvalue()))[pars.SHEET_TITLE]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    text_rows = [line.split("\t") for line in data.decode().split("\r\n")[:-1]]
    assert written.count == 2
    assert rows[0] == [column.header for column in pars.COLUMNS]
    assert [[cell or "" for cell in row] for row in rows] == text_rows
    assert rows[1][4] == "03" and rows[1][11] == "1.25"  # text, as the registry reads it
    assert sheet["A1"].font.bold


def test_a_value_a_spreadsheet_would_run_as_a_formula_refuses_its_record_only():
    records = [
        pars_record(delivery_id=1, last_name='=HYPERLINK("http://x")'),
        pars_record(delivery_id=2),
        pars_record(delivery_id=3, first_name="\tAnn"),
    ]

    written, data, xlsx = write(pars, records)

    assert written.count == 1
    assert written.refused == [
        Refusal(1, f"Last Name {FORMULA_REFUSAL}."),
        Refusal(3, f"First Name {FORMULA_REFUSAL}."),
    ]
    assert data.decode().split("\r\n")[1].endswith("\t2")
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.getvalue())).active.values)
    assert len(rows) == 2 and rows[1][-1] == "2"


def test_values_of_the_wrong_shape_refuse_the_record_with_every_reason():
    records = [
        pars_record(
            delivery_id=4,
            provider_id="",
            activity_id="demo-module",
            amount="1.30",
            birth_month=13,
        )
    ]

    written, data, _ = write(pars, records, with_excel=False)

    assert written.count == 0
    assert written.refused == [
        Refusal(
            4,
            "Provider ID is missing; "
            "Activity ID: the PARS activity ID must be 9 digits, not 'demo-module'; "
            "Birth Month: birth month must be from 1 to 12, not 13; "
            "Amount: amount must be in steps of 0.25, not 1.30.",
        )
    ]
    assert data.count(b"\r\n") == 1  # the header alone


def test_cpe_monitor_refuses_an_impossible_birth_date_and_a_uan_of_the_wrong_shape():
    written, _, _ = write(
        cpe_monitor,
        [cpe_monitor_record(delivery_id=5, birth_mmdd="0230", uan="1234-5678")],
        with_excel=False,
    )

    assert written.refused == [
        Refusal(
            5,
            "Birth MMDD: birth date must be MMDD, not '0230'; "
            "UAN: the UAN '1234-5678' is not of the ACPE shape.",
        )
    ]


def test_a_tab_or_line_break_inside_a_name_becomes_a_space():
    _, data, _ = write(
        pars, [pars_record(delivery_id=1, first_name="Ann\tMarie\r\nLee")], with_excel=False
    )

    assert "\tAnn Marie Lee\t" in data.decode()


def test_the_column_table_the_docs_print_lists_every_column():
    table = column_table(cpe_monitor.COLUMNS)

    assert table.splitlines() == [
        "| # | column | record key |",
        "|---|---|---|",
        "| 1 | ePID | `epid` |",
        "| 2 | Birth MMDD | `birth_mmdd` |",
        "| 3 | UAN | `uan` |",
        "| 4 | Completion Date | `completed_on` |",
        "| 5 | Contact Hours | `contact_hours` |",
        "| 6 | Action | `action` |",
    ]


def test_readme_and_the_deployment_guide_print_both_column_lists_as_the_code_has_them():
    repo = Path(__file__).resolve().parents[2]
    readme = (repo / "README.md").read_text()
    deployment = (repo / "docs" / "deployment.md").read_text()

    for layout in (pars, cpe_monitor):
        assert column_table(layout.COLUMNS) in readme
        assert column_table(layout.COLUMNS) in deployment
