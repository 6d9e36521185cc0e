"""NABP CPE Monitor: the upload file's columns, the results file and the web service.

The columns follow the CPE Monitor row of /work/shared/DOMAIN.md (interprofessional
credit): the pharmacist's NABP e-Profile ID (ePID) and date of birth as MMDD, the
activity's Universal Activity Number (UAN), the completion date and the contact hours; and
the action, add or delete. CPE Monitor names a record by ePID, UAN and completion date, so
the results file and the web service's answer do too. This tuple is the one place the
column list lives; README and docs/deployment.md print it.
"""

import datetime
import re

from courses.credit_rules import UAN_PATTERN
from reporting.models import Registry
from reporting.registries.columns import (
    Column,
    RecordRefused,
    action,
    hours,
    month_day,
    us_date,
)

REGISTRY = Registry.CPE_MONITOR
NAME = "NABP CPE Monitor"
SHEET_TITLE = "CPE Monitor"
FILE_STEM = "cpe-monitor"


def epid(value) -> str:
    """An NABP e-Profile ID: digits only (NABP issues up to seven)."""
    text = str(value).strip()
    if not re.fullmatch(r"\d{1,9}", text):
        raise RecordRefused(f"the ePID must be digits, not {text!r}")
    return text


def uan(value) -> str:
    """A Universal Activity Number, its shape checked by courses.credit_rules.UAN_PATTERN."""
    text = str(value).strip()
    if not UAN_PATTERN.fullmatch(text):
        raise RecordRefused(f"the UAN {text!r} is not of the ACPE shape")
    return text


COLUMNS: tuple[Column, ...] = (
    Column("ePID", "epid", epid),
    Column("Birth MMDD", "birth_mmdd", month_day),
    Column("UAN", "uan", uan),
    Column("Completion Date", "completed_on", us_date),
    Column("Contact Hours", "contact_hours", hours),
    Column("Action", "action", action),
)

# The results file: which columns name the record (besides Status and Reason).
RESULT_KEY_HEADERS: tuple[str, ...] = ("ePID", "UAN", "Completion Date")


def service_record(record: dict) -> dict:
    """One record as the CPE Monitor web service takes it (docs/deployment.md)."""
    return {
        "epid": str(record["epid"]),
        "birth_mmdd": str(record["birth_mmdd"]),
        "uan": record["uan"],
        "completed_on": str(record["completed_on"])[:10],
        "contact_hours": hours(record["contact_hours"]),
        "action": record["action"],
    }


def service_request(records: list[dict]) -> dict:
    """The body of one POST to CME_CPE_MONITOR_SERVICE_URL."""
    return {"records": [service_record(record) for record in records]}


def _iso_date(text: str) -> str:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"the completion date must be MM/DD/YYYY or YYYY-MM-DD, not {text!r}")


def record_key(record: dict) -> tuple[str, ...]:
    """What names a delivery's record in the registry's answers: ePID, UAN, date."""
    return (str(record["epid"]), str(record["uan"]), str(record["completed_on"])[:10])


def answer_key(answer: dict) -> tuple[str, ...]:
    """What names the record in one answer of the web service."""
    try:
        completed_on = _iso_date(str(answer.get("completed_on", "")))
    except ValueError:
        completed_on = ""
    return (str(answer.get("epid", "")).strip(), str(answer.get("uan", "")).strip(), completed_on)


def result_key(values: dict[str, str]) -> tuple[str, ...]:
    """What names the record on one line of a results file (`values` by header). Raises
    ValueError with a readable message when the date cannot be read."""
    return (values["ePID"].strip(), values["UAN"].strip(), _iso_date(values["Completion Date"]))


def delivery_lookup(key: tuple[str, ...]) -> dict:
    """The Delivery filter that finds the record a results line names."""
    return {"record__epid": key[0], "record__uan": key[1], "record__completed_on": key[2]}


def describe_key(key: tuple[str, ...]) -> str:
    return f"ePID {key[0]}, UAN {key[1]}, completed {key[2]}"
