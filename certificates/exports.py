"""Writing report rows out: a streamed CSV response, Excel and PARS files, and export jobs.

The writers take any iterable of rows (the header first), as `certificates.reports` yields
them, and never hold more than a small batch in memory. A long export is an `ExportJob`
row: `request_export` creates it and queues `run_export`, which calls `fill_export` to
write the file through Django's storage and record progress, success or failure.
"""

import functools
import logging
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import User
from certificates import reports
from certificates.models import ExportJob, ExportKind, ExportStatus
from core import spreadsheets
from core.spreadsheets import FORMULA_STARTS
from core.tasks import enqueue

logger = logging.getLogger(__name__)


class ExportError(Exception):
    """An export cannot be written; the message is shown to the administrator as it is."""


PROGRESS_EVERY = 1000  # rows between two progress updates of an export job
CSV_BATCH = spreadsheets.CSV_BATCH  # rows per chunk of a streamed CSV response
XLSX_MAX_ROWS = spreadsheets.XLSX_MAX_ROWS  # an Excel sheet's limit, header included
EXPORT_PERMISSION = "accounts.view_learner_records"

# The export task (certificates.tasks.run_export), queued by name. An export of a million
# rows takes minutes, more than the default limits allow (seconds).
RUN_EXPORT_TASK = "certificates.tasks.run_export"
EXPORT_SOFT_TIME_LIMIT = 15 * 60
EXPORT_TIME_LIMIT = EXPORT_SOFT_TIME_LIMIT + 60


# CSV and Excel: through the site's one spreadsheet writer (core.spreadsheets), which
# neutralizes text a spreadsheet would run as a formula -------------------------------


def stream_csv(rows: Iterable[Iterable]) -> Iterator[str]:
    """Neutralized CSV text in chunks of CSV_BATCH rows, without the byte-order mark that
    `completions_csv_response` and `write_csv` put in front."""
    return spreadsheets.csv_text(rows)


def completions_csv_response(report_filter: reports.CompletionFilter) -> StreamingHttpResponse:
    """The completion report for the filter as a streamed CSV download, UTF-8 with a
    byte-order mark: the header at once, then the rows as PostgreSQL writes them
    (`core.spreadsheets.query_csv`), the same bytes as `stream_csv(completion_rows(...))`
    with the mark in front."""
    return spreadsheets.query_csv_response(
        reports.completions(report_filter),
        reports.COMPLETION_COLUMNS,
        filename="cme-completions.csv",
    )


def write_csv(rows: Iterable[Iterable], file: IO[bytes]) -> None:
    """The completion report as a CSV file, UTF-8 with a byte-order mark."""
    spreadsheets.write_csv(rows, file)


def write_xlsx(rows: Iterable[Iterable], file: IO[bytes], *, title: str = "Completions") -> None:
    """The completion report as an Excel workbook (header in bold; dates and amounts stay
    typed cells). Raises ExportError beyond XLSX_MAX_ROWS rows."""
    try:
        spreadsheets.write_xlsx(rows, file, title=title, max_rows=XLSX_MAX_ROWS)
    except spreadsheets.TooManyRowsError:
        raise ExportError(too_many_rows_for_excel()) from None


def too_many_rows_for_excel() -> str:
    return str(spreadsheets.TooManyRowsError(XLSX_MAX_ROWS))


# PARS -------------------------------------------------------------------------


def _pars_cell(value) -> str:
    # A tab or line break inside a value would shift the columns of the batch file.
    return " ".join(str(value).split()) if value is not None else ""


PARS_REFUSAL = (
    "not sent: these fields start with =, +, -, @, a tab or a line break, which a "
    "spreadsheet runs as a formula; correct them in the learner's record"
)


def write_pars(
    rows: Iterable[Iterable], file: IO[bytes], *, refused: list[dict] | None = None
) -> None:
    """The PARS learner batch: tab-delimited, UTF-8 (no byte-order mark), CRLF line ends,
    no quoting. Whitespace runs inside a value (tabs, line breaks) become one space;
    otherwise values are written unchanged, without the spreadsheet formula guard: the file
    goes to ACCME and must carry learners' names exactly.

    So a record with a text field that starts like a formula (=, +, -, @, tab, CR: see
    core.spreadsheets) is refused, not written: it is left out, and described in `refused`
    (learner's name, board, activity, date, the fields and PARS_REFUSAL) when a list is
    given. Board IDs and NPIs are validated at input; names are not restricted there.
    """
    rows = iter(rows)
    header = next(rows, None)
    if header is None:
        return
    header = tuple(header)
    file.write(_pars_line(header))
    for row in rows:
        row = tuple(row)
        fields = [
            name
            for name, value in zip(header, row, strict=True)
            if isinstance(value, str)
            and (value.startswith(FORMULA_STARTS) or _pars_cell(value).startswith(FORMULA_STARTS))
        ]
        if fields:
            if refused is not None:
                refused.append(_refusal(dict(zip(header, row, strict=True)), fields))
            continue
        file.write(_pars_line(row))


def _pars_line(row: tuple) -> bytes:
    return ("\t".join(_pars_cell(v) for v in row) + "\r\n").encode()


def _refusal(record: dict, fields: list[str]) -> dict:
    return {
        "learner": f"{record.get('First Name', '')} {record.get('Last Name', '')}".strip(),
        "board": record.get("Board", ""),
        "activity": record.get("PARS Activity ID", ""),
        "completed_on": record.get("Completion Date", ""),
        "fields": fields,
        "reason": PARS_REFUSAL,
    }


# Export jobs ------------------------------------------------------------------

_EXTENSIONS = {
    ExportKind.COMPLETIONS_CSV: "csv",
    ExportKind.COMPLETIONS_XLSX: "xlsx",
    ExportKind.PARS: "txt",
}


def may_export(user: User) -> bool:
    """Exports carry learners' personal data: only those who may see learner records."""
    return user.is_active and user.has_perm(EXPORT_PERMISSION)


@transaction.atomic
def request_export(user: User, *, kind: str, filters: reports.CompletionFilter) -> ExportJob:
    """Record an export job and queue its task once the transaction commits."""
    if not may_export(user):
        raise PermissionDenied("You may not export learners' records.")
    if kind not in ExportKind.values:
        raise ValueError(f"Unknown export kind: {kind!r}")
    job = ExportJob.objects.create(kind=kind, filters=filters.as_query(), requested_by=user)
    transaction.on_commit(lambda: enqueue_export(job.pk))
    return job


def enqueue_export(job_id: int) -> bool:
    """Send the export task to the broker, with its time limits; if the broker is
    unreachable, the job fails with a message saying to try again, instead of staying
    queued forever. Returns whether the task was sent."""
    try:
        enqueue(
            RUN_EXPORT_TASK,
            job_id,
            soft_time_limit=EXPORT_SOFT_TIME_LIMIT,
            time_limit=EXPORT_TIME_LIMIT,
        )
    except (BrokerError, OSError) as exc:
        logger.warning("export %s not queued, broker unavailable: %s", job_id, exc)
        ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
            status=ExportStatus.FAILED,
            error="The export could not be queued (the task queue is unavailable); try again.",
            finished_at=timezone.now(),
        )
        return False
    return True


def _rows_for(job: ExportJob, report_filter: reports.CompletionFilter):
    """(rows, expected row count, skipped learners) for the job's kind."""
    if job.kind == ExportKind.PARS:
        rows, missing = reports.pars_rows(report_filter)
        skipped = [
            {
                "learner_id": m.learner.pk,
                "email": m.learner.email,
                "claim_id": m.claim.pk,
                "activity": m.claim.module.title,
                "completed_on": m.claim.completed_on.isoformat(),
                "fields": list(m.fields),
            }
            for m in missing
        ]
        return rows, reports.pars_row_count(report_filter), skipped
    return (
        reports.completion_rows(report_filter),
        reports.completion_count(report_filter),
        [],
    )


def _counting(rows: Iterable, job_id: int) -> Iterator:
    """Pass the rows through, recording every PROGRESS_EVERY data rows how many went by."""
    written = 0
    for index, row in enumerate(rows):
        yield row
        if index:  # the first row is the header
            written = index
            if written % PROGRESS_EVERY == 0:
                ExportJob.objects.filter(pk=job_id).update(progress=written)
    ExportJob.objects.filter(pk=job_id).update(progress=written)


WRITERS = {
    ExportKind.COMPLETIONS_CSV: write_csv,
    ExportKind.COMPLETIONS_XLSX: write_xlsx,
    ExportKind.PARS: write_pars,
}


def fill_export(job_id: int) -> ExportJob:
    """Write the job's file and record the outcome; a job already done is left alone, so
    running it twice writes one file. Any error fails the job with the error kept."""
    job = ExportJob.objects.get(pk=job_id)
    if job.status == ExportStatus.DONE:
        return job
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, progress=0, error="", finished_at=None
    )
    try:
        report_filter, errors = reports.CompletionFilter.from_query(job.filters)
        if errors:
            raise ExportError(" ".join(errors.values()))
        rows, total, skipped = _rows_for(job, report_filter)
        ExportJob.objects.filter(pk=job.pk).update(total=total, skipped=skipped)
        if job.kind == ExportKind.COMPLETIONS_XLSX and total >= XLSX_MAX_ROWS:
            raise ExportError(too_many_rows_for_excel())
        refused: list[dict] = []
        write = WRITERS[job.kind]
        if job.kind == ExportKind.PARS:
            write = functools.partial(write_pars, refused=refused)
        with tempfile.TemporaryFile() as scratch:
            write(_counting(rows, job.pk), scratch)
            if refused:
                ExportJob.objects.filter(pk=job.pk).update(skipped=skipped + refused)
            scratch.seek(0)
            job.refresh_from_db()
            job.file.save(_file_name(job), File(scratch), save=False)
    except SoftTimeLimitExceeded:
        return _fail(job, "The export took too long and was stopped; narrow the filters.")
    except ExportError as exc:
        return _fail(job, str(exc))
    except Exception as exc:
        logger.exception("export %s failed", job.pk)
        return _fail(job, f"{type(exc).__name__}: {exc}")
    job.status = ExportStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["file", "status", "finished_at"])
    return job


def _fail(job: ExportJob, error: str) -> ExportJob:
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.FAILED, error=error, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def _file_name(job: ExportJob) -> str:
    """Unguessable: the file holds personal data. Serve it through a permission check."""
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    token = secrets.token_hex(8)
    return f"{job.kind}-{job.pk}-{stamp}-{token}.{_EXTENSIONS[job.kind]}"
