"""Removing personal data from the audit log (django-auditlog) while keeping the trail.

The audit log answers "who did what, and when": its entries keep their actor, action, time,
object and the names of the fields that changed. What they must not keep, once a learner
has closed their account, is the personal data itself (an NPI, an e-mail address) in the
values before and after, in the object's description or in the actor's e-mail.
"""

import re
from collections.abc import Iterable

from auditlog.models import LogEntry
from django.db.models import Q, QuerySet

REDACTED = "[redacted]"

# The text fields of an entry that may hold a value, and the JSON fields.
_TEXT_FIELDS = ("object_repr", "changes_text", "actor_email")
_JSON_FIELDS = ("changes", "additional_data", "serialized_data")


def redact_from_audit_log(*, texts: Iterable[str], within: QuerySet[LogEntry] | None = None) -> int:
    """Replace every occurrence of each of `texts` (e.g. an NPI and an e-mail address) in
    the audit log with "[redacted]": in object descriptions, change messages, the actor's
    e-mail and the values of the JSON fields (changes before and after, additional data,
    serialized data), in every entry. Matching ignores case, and an occurrence must stand
    on its own (the e-mail "al@example.com" is not found inside "val@example.com", nor
    the NPI "1234567893" inside a longer number).

    Keeps each entry and its actor, action, timestamp, object and the names of the changed
    fields. `within` limits the redaction to those entries (e.g. the entries about one
    learner's rows, for values too short to be safe in the whole log); by default every
    entry is searched. Returns the number of entries changed. Call it inside the
    transaction of the change that requires it, so the redaction and the change commit
    together. It reads every entry that may hold one of the texts (a scan of the log):
    meant for rare events such as an account's closure.
    """
    texts = sorted({text for text in texts if text and text.strip()}, key=len, reverse=True)
    if not texts:
        return 0
    pattern = re.compile(
        "|".join(rf"(?<![\w.+-]){re.escape(text)}(?![\w-]|\.\w)" for text in texts),
        re.IGNORECASE,
    )
    candidates = Q()
    for text in texts:
        for field in (*_TEXT_FIELDS, *_JSON_FIELDS):
            candidates |= Q(**{f"{field}__icontains": text})
    changed = 0
    entries = LogEntry.objects.all() if within is None else within
    for entry in entries.filter(candidates).select_for_update().iterator():
        fields = []
        for field in _TEXT_FIELDS:
            value = getattr(entry, field)
            if value:
                redacted = pattern.sub(REDACTED, value)
                if redacted != value:
                    setattr(entry, field, redacted)
                    fields.append(field)
        for field in _JSON_FIELDS:
            value = getattr(entry, field)
            redacted = _redact_json(value, pattern)
            if redacted != value:
                setattr(entry, field, redacted)
                fields.append(field)
        if fields:
            entry.save(update_fields=fields)
            changed += 1
    return changed


def _redact_json(value, pattern: re.Pattern):
    """The JSON value with the pattern replaced in every string, keys left as they are
    (they name the fields that changed)."""
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, list):
        return [_redact_json(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: _redact_json(item, pattern) for key, item in value.items()}
    return value
