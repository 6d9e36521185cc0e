"""One column definition, two files: the tab-delimited text and the Excel workbook a
registry takes, written from the same ordered list of columns in one pass over the records.

A record is the dict a delivery carries (`reporting.models.Delivery.record`, keys in
`reporting.deliveries.delivery_record`). Each column names its header, the record's key and
a formatter that turns the value into the text the registry expects, or refuses it
(`RecordRefused`) when the value has the wrong shape. A record with any refused value is
left out of both files, with the reason, and the rest are written: one bad profile does not
hold back a batch.

The files go to a registry and must carry values exactly, so no spreadsheet formula guard
(an apostrophe) is added; instead a value that starts with =, +, -, @, a tab or a carriage
return (which a spreadsheet would run as a formula) refuses its record, as
certificates.exports.write_pars does. Identifiers are checked for shape at input already;
names are not restricted there.

The text file: UTF-8 without a byte-order mark, tab-delimited, CRLF line ends, the header
row first, no quoting (a tab or line break inside a value becomes a space).
The Excel file: one sheet, the header in bold, every value as text, written row by row by
core.spreadsheets.write_xlsx (constant memory), so memory stays flat.
"""

import dataclasses
import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from core.spreadsheets import FORMULA_STARTS, write_xlsx

FORMULA_REFUSAL = (
    "starts with =, +, -, @, a tab or a line break, which a spreadsheet runs as a formula; "
    "correct it in the learner's profile"
)


class RecordRefused(ValueError):
    """A value of a record that the registry would not take; the message says why."""


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a registry file: its header as the registry's template names it, the
    key of the delivery record it comes from, and the formatter that gives its text."""

    header: str
    key: str
    format: Callable[[Any], str]
    required: bool = True


@dataclasses.dataclass(frozen=True)
class Refusal:
    """A record left out of a file: which delivery, and why (one sentence per value)."""

    delivery_id: int | None
    reason: str


@dataclasses.dataclass
class WrittenFiles:
    """What a write did: the number of records written and the records refused."""

    count: int = 0
    refused: list[Refusal] = dataclasses.field(default_factory=list)

    @property
    def refused_ids(self) -> set:
        return {refusal.delivery_id for refusal in self.refused}


# Formatters: each takes the record's value (never None or "") and returns the text. ----


def as_text(value) -> str:
    """Text as given, with any run of whitespace (tabs, line breaks) made one space."""
    return " ".join(str(value).split())


def digits(count: int, what: str) -> Callable[[Any], str]:
    """Exactly `count` digits (an ACCME provider ID has 7, a PARS activity ID 9)."""

    def format_digits(value) -> str:
        text = str(value).strip()
        if not re.fullmatch(rf"\d{{{count}}}", text):
            raise RecordRefused(f"{what} must be {count} digits, not {text!r}")
        return text

    return format_digits


def two_digits(low: int, high: int, what: str) -> Callable[[Any], str]:
    """A number from `low` to `high` as two digits ("03"): a birth month or day."""

    def format_number(value) -> str:
        try:
            number = int(str(value).strip())
        except ValueError:
            raise RecordRefused(f"{what} must be a number, not {value!r}") from None
        if not low <= number <= high:
            raise RecordRefused(f"{what} must be from {low} to {high}, not {number}")
        return f"{number:02d}"

    return format_number


def month_day(value) -> str:
    """A date of birth as MMDD (CPE Monitor): four digits forming a calendar day."""
    text = str(value).strip()
    try:
        if not re.fullmatch(r"\d{4}", text):
            raise ValueError(text)
        datetime.date(2000, int(text[:2]), int(text[2:]))  # 2000: 29 February exists
    except ValueError:
        raise RecordRefused(f"birth date must be MMDD, not {text!r}") from None
    return text


def us_date(value) -> str:
    """An ISO date ("2026-12-03") as the registries' templates write it: MM/DD/YYYY."""
    try:
        day = datetime.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise RecordRefused(f"completion date must be a date, not {value!r}") from None
    return day.strftime("%m/%d/%Y")


def _positive_decimal(value, what: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise RecordRefused(f"{what} must be a number, not {value!r}") from None
    if not amount.is_finite() or amount <= 0:
        raise RecordRefused(f"{what} must be more than 0, not {value!r}")
    return amount


def quarter_amount(value) -> str:
    """Credits or MOC points in 0.25 steps (PARS), written with two decimals ("1.25")."""
    amount = _positive_decimal(value, "amount")
    if amount % Decimal("0.25"):
        raise RecordRefused(f"amount must be in steps of 0.25, not {value}")
    return f"{amount:.2f}"


def hours(value) -> str:
    """Contact hours with two decimals ("1.50")."""
    amount = _positive_decimal(value, "contact hours")
    if amount != amount.quantize(Decimal("0.01")):
        raise RecordRefused(f"contact hours must have at most two decimals, not {value}")
    return f"{amount:.2f}"


ACTIONS = {"add": "Add", "delete": "Delete"}


def action(value) -> str:
    """Add or Delete: whether the registry records the completion or removes it."""
    text = str(value).strip().lower()
    if text not in ACTIONS:
        raise RecordRefused(f"action must be add or delete, not {value!r}")
    return ACTIONS[text]


# Writing ------------------------------------------------------------------------------


def format_record(columns: Iterable[Column], record: dict) -> list[str]:
    """The record's row of text, one cell per column. Raises RecordRefused naming every
    value that is missing, of the wrong shape or starts like a spreadsheet formula."""
    cells, problems = [], []
    for column in columns:
        value = record.get(column.key)
        if value is None or value == "":
            if column.required:
                problems.append(f"{column.header} is missing")
            cells.append("")
            continue
        try:
            text = column.format(value)
        except RecordRefused as refused:
            problems.append(f"{column.header}: {refused}")
            cells.append("")
            continue
        raw = value if isinstance(value, str) else text
        if raw.startswith(FORMULA_STARTS) or text.startswith(FORMULA_STARTS):
            problems.append(f"{column.header} {FORMULA_REFUSAL}")
        cells.append(text)
    if problems:
        raise RecordRefused("; ".join(problems) + ".")
    return cells


def tsv_line(cells: Iterable[str]) -> bytes:
    """One line of a registry's text file: tab-delimited, CRLF, UTF-8."""
    return ("\t".join(cells) + "\r\n").encode()


def write_registry_files(
    columns: tuple[Column, ...],
    records: Iterable[dict],
    *,
    tsv: IO[bytes],
    xlsx: IO[bytes] | None = None,
    title: str,
) -> WrittenFiles:
    """Write the records (any iterable, consumed once) as the registry's text file into
    `tsv` and, when given, its Excel workbook (one sheet named `title`) into `xlsx`, both
    from the same `columns`. Records with a refused value are left out of both files and
    listed in the result. Memory stays flat whatever the number of records: one row is
    held at a time (the Excel writer keeps finished rows on disk).

    Raises core.spreadsheets.TooManyRowsError (nothing useful written) past an Excel
    sheet's 1,048,575 rows.
    """
    written = WrittenFiles()

    def rows() -> Iterator[list[str]]:
        header = [column.header for column in columns]
        tsv.write(tsv_line(header))
        yield header
        for record in records:
            try:
                cells = format_record(columns, record)
            except RecordRefused as refused:
                written.refused.append(Refusal(record.get("delivery_id"), str(refused)))
                continue
            tsv.write(tsv_line(cells))
            written.count += 1
            yield cells

    if xlsx is None:
        for _row in rows():
            pass
    else:
        write_xlsx(rows(), xlsx, title=title)
    return written


def column_table(columns: Iterable[Column]) -> str:
    """The columns as a Markdown table (header, record key): what the README and
    docs/deployment.md print, so that the documentation follows the code."""
    lines = ["| # | column | record key |", "|---|---|---|"]
    for number, column in enumerate(columns, start=1):
        optional = " (may be empty)" if not column.required else ""
        lines.append(f"| {number} | {column.header} | `{column.key}`{optional} |")
    return "\n".join(lines)
