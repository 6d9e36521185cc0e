"""ACCME PARS: the learner batch file's columns, the results file and the web service.

The columns follow the learner record of /work/shared/DOMAIN.md ("ACCME PARS learner
records"), which reads ACCME's draft learner-report schema: provider ID (7 digits), PARS
activity ID (9 digits), given and family name, month and day of birth, completion date,
then per credit the learner's unique ID (its domain: NPI, a board such as ABIM or ABA, or
a state code; and its value), the kind of credit, the board's MOC category and the amount
in 0.25 steps; and the action, add or delete. The last column, Record ID, is ours (the
delivery's number): the results file and the web service's answer name it. This tuple is
the one place the column list lives; README and docs/deployment.md print it
(`column_table(COLUMNS)`), so it can follow ACCME's template when that changes.
"""

from reporting.models import Registry
from reporting.registries.columns import (
    Column,
    action,
    as_text,
    digits,
    quarter_amount,
    two_digits,
    us_date,
)

REGISTRY = Registry.PARS
NAME = "ACCME PARS"
SHEET_TITLE = "PARS learners"
FILE_STEM = "pars-learners"

COLUMNS: tuple[Column, ...] = (
    Column("Provider ID", "provider_id", digits(7, "the ACCME provider ID")),
    Column("Activity ID", "activity_id", digits(9, "the PARS activity ID")),
    Column("First Name", "first_name", as_text),
    Column("Last Name", "last_name", as_text),
    Column("Birth Month", "birth_month", two_digits(1, 12, "birth month")),
    Column("Birth Day", "birth_day", two_digits(1, 31, "birth day")),
    Column("Completion Date", "completed_on", us_date),
    Column("Unique ID Domain", "credit_id_domain", as_text),
    Column("Unique ID Value", "credit_id_value", as_text),
    Column("Credit Kind", "credit_kind", as_text),
    Column("MOC Category", "moc_category", as_text, required=False),
    Column("Amount", "amount", quarter_amount),
    Column("Action", "action", action),
    Column("Record ID", "delivery_id", as_text),
)

# The results file: which columns name the record (besides Status and Reason).
RESULT_KEY_HEADERS: tuple[str, ...] = ("Record ID",)


def service_record(record: dict) -> dict:
    """One learner report as the PARS web service takes it (the request shape in
    docs/deployment.md, after ACCME's draft learner-report schema): who, which activity,
    completed when, one credit with the learner's unique ID, and the action."""
    return {
        "record_id": str(record["delivery_id"]),
        "action": record["action"],
        "provider_id": record["provider_id"],
        "activity_id": record["activity_id"],
        "learner": {
            "given_name": record["first_name"],
            "family_name": record["last_name"],
            "birth_month": int(record["birth_month"]),
            "birth_day": int(record["birth_day"]),
        },
        "status": "Completed",
        "completed_on": str(record["completed_on"])[:10],
        "credits": [
            {
                "unique_id": {
                    "domain": record["credit_id_domain"],
                    "value": record["credit_id_value"],
                },
                "kind": record["credit_kind"],
                "moc_category": record.get("moc_category") or "",
                "unit": "Point" if record.get("moc_category") else "Credit",
                "amount": quarter_amount(record["amount"]),
            }
        ],
    }


def service_request(records: list[dict]) -> dict:
    """The body of one POST to CME_PARS_SERVICE_URL."""
    return {"learner_reports": [service_record(record) for record in records]}


def record_key(record: dict) -> tuple[str, ...]:
    """What names a delivery's record in the registry's answers: its Record ID."""
    return (str(record["delivery_id"]),)


def answer_key(answer: dict) -> tuple[str, ...]:
    """What names the record in one answer of the web service."""
    return (str(answer.get("record_id", "")).strip(),)


def result_key(values: dict[str, str]) -> tuple[str, ...]:
    """What names the record on one line of a results file (`values` by header). Raises
    ValueError with a readable message when the Record ID is not a number."""
    record_id = values["Record ID"].strip()
    if not record_id.isdigit():
        raise ValueError(f"the Record ID must be a number, not {record_id!r}")
    return (record_id,)


def delivery_lookup(key: tuple[str, ...]) -> dict:
    """The Delivery filter that finds the record a results line names."""
    return {"pk": int(key[0])}


def describe_key(key: tuple[str, ...]) -> str:
    return f"Record ID {key[0]}"
