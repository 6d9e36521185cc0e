"""How dates, times and scores are written for people, in one place.

Dates: "30 November 2026"; with a time: "30 November 2026, 14:05" (24-hour clock, in the
current time zone, which is the learner's: docs/decisions/0005). Scores and other
percentages: as many decimals as they have, at most two, and none when whole: "62.5%",
"66.67%", "100%", "0%".

Files for machines (CSV, PARS, JSON exports) keep ISO 8601 dates and do not use these.
Templates use the filters of the same names in core/templatetags/formats.py.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone
from django.utils.dateformat import format as format_with_pattern

DATE_PATTERN = "j F Y"
DATETIME_PATTERN = "j F Y, H:i"


def format_day(value: datetime.date | datetime.datetime | str | None) -> str:
    """A date as people read it: "30 November 2026". Accepts a date, an aware datetime
    (its day in the current time zone) or an ISO date string (as certificate snapshots
    store them); None or "" gives "". Raises ValueError for a string that is not an ISO
    date."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    elif isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return format_with_pattern(value, DATE_PATTERN)


def format_moment(value: datetime.datetime | None) -> str:
    """A moment as people read it, in the current time zone: "30 November 2026, 14:05".
    None gives ""."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return format_with_pattern(value, DATETIME_PATTERN)


def format_percent(value: Decimal | float | int | str | None) -> str:
    """A score (0 to 100) or other percentage: at most two decimals, trailing zeros
    dropped: 62.50 → "62.5%", 100.00 → "100%", 0 → "0%", 66.666… → "66.67%". None (not
    graded) gives "". Raises ValueError for a value that is not a number."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not a number") from exc
    text = f"{number:f}".rstrip("0").rstrip(".")
    return f"{'0' if text in ('', '-0') else text}%"
