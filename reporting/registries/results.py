"""The import of a registry's results file: each record accepted or rejected with the
registry's reason, applied all or nothing.

The file we accept (documented in docs/deployment.md and on the upload page): UTF-8 text
(a byte-order mark is allowed), comma-separated (CSV, quoted as Excel writes it) or
tab-delimited, whichever the header line uses; one header line naming the columns in any
order and any case, then one line per record:

- ACCME PARS:        Record ID, Status, Reason
- NABP CPE Monitor:  ePID, UAN, Completion Date, Status, Reason

Record ID is the last column of the PARS file we sent (the delivery's number); CPE Monitor
names a record by the pharmacist's ePID, the activity's UAN and the completion date
(MM/DD/YYYY or YYYY-MM-DD). Status is `accepted` or `rejected` (any case); Reason is the
registry's words for a rejection ("birth date does not match"), kept on the delivery and
shown to the learner. Other columns are ignored; blank lines are skipped.

Nothing is applied unless every line can be: a file with any problem (a record we did not
send, one already answered, an unknown status, a rejection without a reason, the same
record twice) is refused whole, with every problem and its line number. The same file
(by SHA-256) is never imported twice.
"""

import csv
import dataclasses
import hashlib
import io

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from accounts.models import User
from core.formats import format_day, format_moment
from reporting import deliveries
from reporting.models import Delivery, DeliveryStatus, ResultsImport
from reporting.registries.exceptions import ResultsFileRefused
from reporting.registries.formats import registry_format

MAX_RESULTS_BYTES = 10 * 1024 * 1024
MAX_PROBLEMS_SHOWN = 50
STATUSES = {"accepted": True, "rejected": False}
NOTHING_APPLIED = "Nothing in this file was applied."
ANSWERED = (DeliveryStatus.ACCEPTED, DeliveryStatus.REJECTED, DeliveryStatus.DELETED)


@dataclasses.dataclass(frozen=True)
class ResultLine:
    """One line of a results file, read: its line number, the key naming the record
    (see each registry's `result_key`), accepted or not, and the registry's reason."""

    number: int
    key: tuple[str, ...]
    accepted: bool
    reason: str


def import_results(registry: str, *, content: bytes, file_name: str, by: User) -> ResultsImport:
    """Apply a registry's results file (`content`, the uploaded bytes) to the deliveries
    it names, through reporting.deliveries.record_result, in one transaction, and keep the
    file with a summary ({"lines": n, "accepted": n, "rejected": n}) as a ResultsImport.

    Raises ResultsFileRefused, listing every problem (with line numbers), when anything
    stands in the way; nothing is changed then. Raises ValueError for an unknown registry.
    """
    layout = registry_format(registry)
    digest = hashlib.sha256(content).hexdigest()
    _refuse_if_imported(digest)
    lines = read_results(registry, content)
    stored_name = ""
    try:
        with transaction.atomic():
            answers = _match_deliveries(registry, lines)
            for line, delivery in answers:
                deliveries.record_result(delivery, accepted=line.accepted, reason=line.reason)
            accepted = sum(1 for line, _ in answers if line.accepted)
            results_import = ResultsImport(
                registry=registry,
                sha256=digest,
                uploaded_by=by,
                summary={
                    "lines": len(answers),
                    "accepted": accepted,
                    "rejected": len(answers) - accepted,
                    "file_name": file_name,
                },
            )
            results_import.file.save(
                f"{layout.FILE_STEM}-results.txt", ContentFile(content), save=False
            )
            stored_name = results_import.file.name
            results_import.save()
    except IntegrityError:
        # The same file, uploaded at the same moment by someone else, won the race.
        _delete_stored(stored_name)
        _refuse_if_imported(digest)
        raise
    except BaseException:
        _delete_stored(stored_name)
        raise
    return results_import


def _delete_stored(name: str) -> None:
    if name:
        ResultsImport._meta.get_field("file").storage.delete(name)


def _refuse_if_imported(digest: str) -> None:
    earlier = ResultsImport.objects.filter(sha256=digest).first()
    if earlier is not None:
        raise ResultsFileRefused(
            [
                f"This results file was already imported on "
                f"{format_moment(earlier.uploaded_at)}; nothing changed."
            ]
        )


def read_results(registry: str, content: bytes) -> list[ResultLine]:
    """The lines of a results file, checked for shape (not yet against the deliveries).
    Raises ResultsFileRefused listing every problem found."""
    layout = registry_format(registry)
    if len(content) > MAX_RESULTS_BYTES:
        raise ResultsFileRefused(
            [f"The file is larger than {MAX_RESULTS_BYTES // (1024 * 1024)} MiB; split it."]
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ResultsFileRefused(
            [
                f"The file is not UTF-8 text (byte {error.start + 1} cannot be read); "
                "save it as UTF-8 (in Excel: CSV UTF-8) and upload it again."
            ]
        ) from None
    if not text.strip():
        raise ResultsFileRefused(["The file is empty."])
    first_line = text.lstrip("\r\n").splitlines()[0]
    delimiter = "\t" if "\t" in first_line else ","
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    expected = (*layout.RESULT_KEY_HEADERS, "Status", "Reason")
    header, header_number = None, 0
    lines, problems = [], []
    for number, row in enumerate(rows, start=1):
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header, header_number = _read_header(row, expected), number
            if isinstance(header, str):
                raise ResultsFileRefused([f"Line {number}: {header}"])
            continue
        values = {name: (row[i] if i < len(row) else "") for name, i in header.items()}
        line, problem = _read_line(layout, number, values)
        if problem:
            problems.append(f"Line {number}: {problem}")
        else:
            lines.append(line)
    if not header_number:
        raise ResultsFileRefused(["The file is empty."])
    if not lines and not problems:
        raise ResultsFileRefused(["The file has a header but no results under it."])
    if problems:
        raise ResultsFileRefused([*_capped(problems), NOTHING_APPLIED])
    return lines


def _read_header(row: list[str], expected: tuple[str, ...]) -> dict[str, int] | str:
    """Where each expected column is (by name, any case), or what is wrong with the row."""
    positions = {cell.strip().lower(): i for i, cell in enumerate(row)}
    missing = [name for name in expected if name.lower() not in positions]
    if missing:
        return (
            f"the header must name the columns {', '.join(expected)}; "
            f"it lacks {', '.join(missing)}."
        )
    return {name: positions[name.lower()] for name in expected}


def _read_line(layout, number: int, values: dict[str, str]) -> tuple[ResultLine | None, str]:
    status = values["Status"].strip().lower()
    reason = " ".join(values["Reason"].split())
    problems = []
    try:
        key = layout.result_key(values)
    except ValueError as error:
        problems.append(str(error))
        key = ()
    if any(not part for part in key):
        problems.append(f"{', '.join(layout.RESULT_KEY_HEADERS)} must all be given")
    if status not in STATUSES:
        problems.append(f'unknown status "{values["Status"].strip()}"; use accepted or rejected')
    elif not STATUSES[status] and not reason:
        problems.append("a rejection needs the registry's reason")
    if problems:
        return None, "; ".join(problems) + "."
    return ResultLine(number, key, STATUSES[status], reason if not STATUSES[status] else ""), ""


def _match_deliveries(registry: str, lines: list[ResultLine]) -> list[tuple[ResultLine, Delivery]]:
    """Each line with its delivery, locked. Raises ResultsFileRefused listing every line
    whose record does not exist, is named twice, or is not waiting for an answer."""
    layout = registry_format(registry)
    matched, problems, seen = [], [], {}
    for line in lines:
        described = layout.describe_key(line.key)
        found = list(
            Delivery.objects.select_for_update()
            .filter(registry=registry, **layout.delivery_lookup(line.key))
            .order_by("pk")[:2]
        )
        if not found:
            problems.append(
                f"Line {line.number}: no {layout.NAME} record has {described}; "
                "check that the file belongs to this registry and this site."
            )
            continue
        if len(found) > 1:
            problems.append(
                f"Line {line.number}: {described} names more than one record; "
                "answer these on the deliveries page instead."
            )
            continue
        delivery = found[0]
        if delivery.pk in seen:
            problems.append(
                f"Line {line.number}: {described} was already answered on line "
                f"{seen[delivery.pk]} of this file."
            )
            continue
        seen[delivery.pk] = line.number
        if delivery.status in ANSWERED:
            problems.append(
                f"Line {line.number}: {described} was already answered "
                f"({delivery.get_status_display().lower()}"
                f"{' on ' + format_day(delivery.answered_at) if delivery.answered_at else ''})."
            )
        elif delivery.status != DeliveryStatus.SENT:
            problems.append(
                f"Line {line.number}: {described} has not been sent "
                f"(it is {delivery.get_status_display().lower()})."
            )
        else:
            matched.append((line, delivery))
    if problems:
        raise ResultsFileRefused([*_capped(problems), NOTHING_APPLIED])
    return matched


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS_SHOWN:
        return problems
    hidden = len(problems) - MAX_PROBLEMS_SHOWN
    return [*problems[:MAX_PROBLEMS_SHOWN], f"… and {hidden} more problems."]
