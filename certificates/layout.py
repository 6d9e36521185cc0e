"""Fitting a certificate's text to its one page, whatever the lengths the forms allow (a
200-character legal name, a 250-character title, long statements): each text's size is
chosen from its length so that it wraps inside its frame; nothing is cut, nothing overlaps,
and the certificate stays one page (tests/certificates/test_certificate_layout.py checks the
longest values against the PDF's text boxes)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class TypeSizes:
    """Font sizes in points for the parts of a certificate."""

    name: float
    activity: float
    statements: float
    lines: float


# (longest text in characters, size in points), from the largest size down.
NAME_SIZES = ((40, 24), (70, 19), (110, 15), (160, 12.5))
ACTIVITY_SIZES = ((90, 15), (160, 12.5), (220, 11))
STATEMENT_SIZES = ((700, 8.5), (1100, 7.5), (1600, 6.5))
LINE_SIZES = ((2, 12), (4, 10.5))  # by the number of credit lines
SMALLEST = {"name": 11, "activity": 10, "statements": 6, "lines": 9.5}


def _size(length: int, steps, smallest: float) -> float:
    return next((size for longest, size in steps if length <= longest), smallest)


def type_sizes(printed: dict) -> TypeSizes:
    """The sizes for one certificate's `printed` data (see certificates.claims.printed_fields)."""
    name = f"{printed.get('learner_name', '')}, {printed.get('learner_designation', '')}"
    statements = len(printed.get("accreditation_statement") or "") + sum(
        len(line.get("statement") or "") for line in printed.get("lines") or []
    )
    if not printed.get("lines"):
        statements += len(printed.get("designation_statement") or "")
    lines = len(printed.get("lines") or [])
    return TypeSizes(
        name=_size(len(name), NAME_SIZES, SMALLEST["name"]),
        activity=_size(
            len(printed.get("activity_title", "")), ACTIVITY_SIZES, SMALLEST["activity"]
        ),
        statements=_size(statements, STATEMENT_SIZES, SMALLEST["statements"]),
        lines=_size(lines, LINE_SIZES, SMALLEST["lines"]),
    )
