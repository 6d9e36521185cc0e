"""core.audit_redaction: personal data leaves the audit log; the trail stays."""

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from accounts.models import User
from core.audit_redaction import REDACTED, redact_from_audit_log

pytestmark = pytest.mark.django_db


def entry(**fields) -> LogEntry:
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User),
        object_pk="1",
        action=LogEntry.Action.UPDATE,
        **fields,
    )


def test_each_occurrence_is_replaced_and_the_changed_fields_stay_named():
    logged = entry(
        object_repr="Profile of al@example.com",
        changes={"npi": ["", "1234567893"], "email": ["AL@example.com", "x@closed.invalid"]},
        additional_data={"reason": "al@example.com asked"},
        actor_email="al@example.com",
    )

    changed = redact_from_audit_log(texts=["1234567893", "al@example.com"])

    logged.refresh_from_db()
    assert changed == 1
    assert logged.object_repr == f"Profile of {REDACTED}"
    assert logged.changes == {"npi": ["", REDACTED], "email": [REDACTED, "x@closed.invalid"]}
    assert logged.additional_data == {"reason": f"{REDACTED} asked"}
    assert logged.actor_email == REDACTED


def test_text_that_merely_contains_the_value_is_left_alone():
    other = entry(object_repr="Profile of val@example.com", changes={"npi": ["", "11234567893"]})

    changed = redact_from_audit_log(texts=["1234567893", "al@example.com"])

    other.refresh_from_db()
    assert changed == 0
    assert other.object_repr == "Profile of val@example.com"
    assert other.changes == {"npi": ["", "11234567893"]}


def test_empty_values_redact_nothing():
    entry(object_repr="Profile of al@example.com")

    assert redact_from_audit_log(texts=["", "  "]) == 0
