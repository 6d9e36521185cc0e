import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from accounts.models import BoardIdentifier, Profile
from certificates import exports
from certificates.claims import claim_credit
from certificates.issuance import issue_certificate, reissue_certificate, revoke_certificate
from certificates.models import (
    CertificateKind,
    CreditClaim,
    ExportJob,
    ExportKind,
    ExportStatus,
)
from certificates.reports import (
    COMPLETION_COLUMNS,
    PARS_COLUMNS,
    CompletionFilter,
    CreditTotal,
    completion_rows,
    completion_totals,
    completions,
    pars_rows,
    reporting_window,
)
from certificates.tasks import run_export
from courses.models import CreditType, ModuleCredit
from tests.certificates.conftest import evaluate, pass_post_test
from tests.conftest import SentTask
from tests.factories import UserFactory, post_test_with_questions

pytestmark = pytest.mark.django_db

AMA = "AMA PRA Category 1 Credit™"
VALID_NPI = "1234567893"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def new_module(max_credits="1.00"):
    module = post_test_with_questions(5).module
    module.credits.update(max_credits=Decimal(max_credits))
    return module


def complete(learner, module, *, on, amount="0.25", credit_type=None):
    """The learner passes, evaluates and claims; the claim's completion date is set to `on`.
    Its certificate stays pending (on-commit callbacks do not run here), which counts."""
    pass_post_test(learner, module.post_test)
    evaluate(learner, module)
    claim = claim_credit(learner, module=module, hours=amount, attested=True)
    assert credit_type is None or claim.credit_type == credit_type
    CreditClaim.objects.filter(pk=claim.pk).update(completed_on=on)
    claim.refresh_from_db()
    return claim


def learner_with(designation="MD", **profile_fields):
    user = UserFactory()
    Profile.objects.filter(user=user).update(designation=designation, **profile_fields)
    user.refresh_from_db()  # forget the profile read when the user was made
    return user


def data_rows(rows):
    rows = list(rows)
    return rows[0], rows[1:]


@pytest.fixture
def nursing_credit():
    return CreditType.objects.create(
        code="ancc",
        name="ANCC contact hour",
        name_plural="ANCC contact hours",
        designation_template="{provider} designates this activity for {amount} {credit}.",
        for_designations=["RN"],
        position=5,
    )


@pytest.fixture
def four_completions(nursing_credit):
    """MD: module A (Mar 1) and B (Jun 10); DO: module A (Apr 15); RN: nursing credit on B."""
    module_a, module_b = new_module(), new_module()
    ModuleCredit.objects.create(
        module=module_b, credit_type=nursing_credit, max_credits=Decimal("1.00")
    )
    md, do, rn = learner_with("MD"), learner_with("DO"), learner_with("RN")
    claims = {
        "md_a": complete(md, module_a, on=datetime.date(2025, 3, 1), amount="0.25"),
        "md_b": complete(md, module_b, on=datetime.date(2025, 6, 10), amount="0.75"),
        "do_a": complete(do, module_a, on=datetime.date(2025, 4, 15), amount="0.50"),
        "rn_b": complete(
            rn, module_b, on=datetime.date(2025, 5, 20), amount="1.00", credit_type=nursing_credit
        ),
    }
    return module_a, module_b, claims


def keys_of(claims, queryset):
    by_pk = {claim.pk: key for key, claim in claims.items()}
    return [by_pk[pk] for pk in queryset.values_list("pk", flat=True)]


# Filters and totals -----------------------------------------------------------


def test_filters_select_by_date_range_module_credit_type_and_profession(
    four_completions, nursing_credit
):
    module_a, _, claims = four_completions

    def selected(**parts):
        return keys_of(claims, completions(CompletionFilter(**parts)))

    assert selected() == ["md_a", "do_a", "rn_b", "md_b"]
    assert selected(start=datetime.date(2025, 4, 1), end=datetime.date(2025, 5, 31)) == [
        "do_a",
        "rn_b",
    ]
    assert selected(start=datetime.date(2025, 6, 10)) == ["md_b"]
    assert selected(module_id=module_a.pk) == ["md_a", "do_a"]
    assert selected(credit_type_id=nursing_credit.pk) == ["rn_b"]
    assert selected(profession="DO") == ["do_a"]


def test_totals_count_learners_completions_and_credit_per_credit_type(
    four_completions, nursing_credit
):
    totals = completion_totals(CompletionFilter())

    assert (totals.learners, totals.completions) == (3, 4)
    assert [
        (t.credit_type_name, t.kind, t.completions, t.credits) for t in totals.by_credit_type
    ] == [
        (AMA, CertificateKind.CREDIT, 3, Decimal("1.50")),
        ("ANCC contact hour", CertificateKind.CREDIT, 1, Decimal("1.00")),
    ]
    assert isinstance(totals.by_credit_type[1], CreditTotal)
    assert totals.by_credit_type[1].credit_type_id == nursing_credit.pk


def test_totals_follow_the_filter(four_completions):
    module_a, _, _ = four_completions

    totals = completion_totals(CompletionFilter(module_id=module_a.pk))

    assert (totals.learners, totals.completions) == (2, 2)
    assert [(t.completions, t.credits) for t in totals.by_credit_type] == [(2, Decimal("0.75"))]


def test_a_revoked_certificate_is_not_counted_and_a_reissued_one_is_counted_once(
    cme_administrator,
):
    learner = learner_with("MD")
    revoked = complete(learner, new_module(), on=datetime.date(2025, 3, 1), amount="0.50")
    reissued = complete(learner, new_module(), on=datetime.date(2025, 4, 1), amount="0.75")
    revoke_certificate(
        issue_certificate(revoked.certificates.get().pk), by=cme_administrator, reason="Mistake."
    )
    successor = reissue_certificate(
        issue_certificate(reissued.certificates.get().pk),
        by=cme_administrator,
        reason="Legal name corrected.",
    )

    _, rows = data_rows(completion_rows(CompletionFilter()))
    totals = completion_totals(CompletionFilter())

    number = [h for h, _ in COMPLETION_COLUMNS].index("Certificate number")
    assert [row[number] for row in rows] == [successor.number]
    assert (totals.learners, totals.completions, totals.revoked) == (1, 1, 1)
    assert totals.by_credit_type[0].credits == Decimal("0.75")


# Filter input -----------------------------------------------------------------


def test_query_string_filters_are_read_into_a_filter(four_completions):
    module_a, _, _ = four_completions
    query = {
        "start": "2025-01-01",
        "end": " 2025-12-31 ",
        "module": str(module_a.pk),
        "credit_type": "",
        "profession": "DO",
    }

    report_filter, errors = CompletionFilter.from_query(query)

    assert errors == {}
    assert report_filter == CompletionFilter(
        start=datetime.date(2025, 1, 1),
        end=datetime.date(2025, 12, 31),
        module_id=module_a.pk,
        profession="DO",
    )
    assert CompletionFilter.from_query(report_filter.as_query()) == (report_filter, {})


def test_invalid_filter_input_gives_readable_errors_and_keeps_the_valid_parts():
    report_filter, errors = CompletionFilter.from_query(
        {
            "start": "2025-02-30",
            "end": "2025-06-30",
            "module": "999999",
            "credit_type": "ama",
            "profession": "surgeon",
        }
    )

    assert errors == {
        "start": "The start date “2025-02-30” is not a date; write it as YYYY-MM-DD.",
        "module": "There is no activity with id 999999; it may have been deleted.",
        "credit_type": "Choose the credit type from the list (“ama” is not one).",
        "profession": "“surgeon” is not a profession this site knows.",
    }
    assert report_filter == CompletionFilter(end=datetime.date(2025, 6, 30))


def test_a_start_after_the_end_is_an_error():
    _, errors = CompletionFilter.from_query({"start": "2025-06-01", "end": "2025-01-01"})

    assert errors == {"end": "The start date is after the end date."}


# The completion report --------------------------------------------------------


def test_the_csv_has_the_header_then_one_row_per_completion():
    learner = learner_with("MD")
    module = new_module()
    claim = complete(learner, module, on=datetime.date(2025, 3, 1), amount="0.75")

    text = "".join(exports.stream_csv(completion_rows(CompletionFilter())))

    assert list(csv.reader(io.StringIO(text))) == [
        [
            "Completed on",
            "Last name",
            "First name",
            "E-mail",
            "Profession",
            "Activity",
            "Edition",
            "Credit type",
            "Certificate kind",
            "Credits",
            "Certificate number",
            "Certificate status",
        ],
        [
            "2025-03-01",
            learner.last_name,
            "Maria",
            learner.email,
            "MD",
            module.title,
            "1",
            AMA,
            "credit",
            "0.75",
            claim.certificates.get().number,
            "pending",
        ],
    ]
    assert text.endswith("\r\n")


def test_text_that_a_spreadsheet_would_run_as_a_formula_is_neutralized():
    learner = learner_with("MD")
    learner.last_name = "=HYPERLINK(“http://x”)"
    learner.save(update_fields=["last_name"])
    complete(learner, new_module(), on=datetime.date(2025, 3, 1))

    text = "".join(exports.stream_csv(completion_rows(CompletionFilter())))

    assert list(csv.reader(io.StringIO(text)))[1][1] == "'=HYPERLINK(“http://x”)"


def test_the_csv_is_streamed_in_batches():
    rows = [("n",)] + [(str(n),) for n in range(exports.CSV_BATCH + 1)]

    chunks = list(exports.stream_csv(rows))

    assert len(chunks) == 2
    assert chunks[1] == f"{exports.CSV_BATCH - 1}\r\n{exports.CSV_BATCH}\r\n"


# PARS -------------------------------------------------------------------------


def test_the_pars_columns_follow_the_learner_template():
    assert [header for header, _ in PARS_COLUMNS] == [
        "Board",
        "Board ID",
        "NPI",
        "First Name",
        "Last Name",
        "Month of Birth",
        "Day of Birth",
        "PARS Activity ID",
        "Completion Date",
        "Credits/MOC Points",
    ]


@pytest.fixture
def pars_learners():
    module = new_module()
    two_boards = learner_with("MD", reports_to_boards=True, birth_month=3, birth_day=9)
    profile = two_boards.profile
    BoardIdentifier.objects.create(profile=profile, board="ABP", identifier="P-22")
    BoardIdentifier.objects.create(profile=profile, board="ABIM", identifier="123456")
    npi_only = learner_with(
        "DO", reports_to_boards=True, npi=VALID_NPI, birth_month=11, birth_day=30
    )
    no_birth_day = learner_with("MD", reports_to_boards=True, npi=VALID_NPI, birth_month=5)
    not_consenting = learner_with("MD", npi=VALID_NPI, birth_month=1, birth_day=2)
    claims = {
        "two_boards": complete(two_boards, module, on=datetime.date(2025, 3, 1), amount="0.75"),
        "npi_only": complete(npi_only, module, on=datetime.date(2025, 3, 2)),
        "no_birth_day": complete(no_birth_day, module, on=datetime.date(2025, 3, 3)),
        "not_consenting": complete(not_consenting, module, on=datetime.date(2025, 3, 4)),
    }
    learners = {
        "two_boards": two_boards,
        "npi_only": npi_only,
        "no_birth_day": no_birth_day,
        "not_consenting": not_consenting,
    }
    return module, learners, claims


def test_pars_rows_cover_consenting_learners_one_row_per_board_id(pars_learners):
    module, learners, _ = pars_learners
    two_boards, npi_only = learners["two_boards"], learners["npi_only"]

    rows, _ = pars_rows(CompletionFilter())
    header, data = data_rows(rows)

    assert header == tuple(header for header, _ in PARS_COLUMNS)
    assert data == [
        ("ABIM", "123456", "", "Maria", two_boards.last_name, "3", "9", module.pars_activity_id,
         "03/01/2025", "0.75"),
        ("ABP", "P-22", "", "Maria", two_boards.last_name, "3", "9", module.pars_activity_id,
         "03/01/2025", "0.75"),
        ("", "", VALID_NPI, "Maria", npi_only.last_name, "11", "30", module.pars_activity_id,
         "03/02/2025", "0.25"),
    ]  # fmt: skip


def test_a_learner_missing_a_field_is_listed_with_it_and_not_written(pars_learners):
    _, learners, claims = pars_learners
    learner = learners["no_birth_day"]

    rows, missing = pars_rows(CompletionFilter())

    assert [(m.learner, m.claim, m.fields) for m in missing] == [
        (learner, claims["no_birth_day"], ("day of birth",))
    ]
    assert all(learner.last_name not in row for row in rows)


def test_missing_lists_every_field_a_learner_lacks():
    learner = learner_with("MD", reports_to_boards=True)
    learner.first_name = ""
    learner.save(update_fields=["first_name"])
    complete(learner, new_module(), on=datetime.date(2025, 3, 1))

    _, missing = pars_rows(CompletionFilter())

    assert missing[0].fields == ("board ID or NPI", "first name", "month of birth", "day of birth")


def test_certificates_of_participation_are_not_reported_to_boards():
    nurse = learner_with("RN", reports_to_boards=True, npi=VALID_NPI, birth_month=1, birth_day=2)
    claim = complete(nurse, new_module(), on=datetime.date(2025, 3, 1))

    rows, missing = pars_rows(CompletionFilter())

    assert claim.kind == CertificateKind.PARTICIPATION
    assert (len(list(rows)), missing) == (1, [])


def test_the_pars_file_is_tab_delimited_utf8_with_crlf():
    rows = [("First Name", "Last Name"), ("María", "Gómez\tLópez")]
    file = io.BytesIO()

    exports.write_pars(rows, file)

    assert file.getvalue() == "First Name\tLast Name\r\nMaría\tGómez López\r\n".encode()


def test_the_reporting_window_lists_consenting_completions_due_within_a_week():
    module = new_module()
    consenting = learner_with("MD", reports_to_boards=True)
    other = learner_with("MD", reports_to_boards=True)
    not_consenting = learner_with("MD")
    due_soon = complete(consenting, module, on=datetime.date(2025, 6, 5))  # by Jul 5
    complete(other, module, on=datetime.date(2025, 6, 20))  # by Jul 20
    complete(not_consenting, module, on=datetime.date(2025, 5, 1))
    overdue = complete(consenting, new_module(), on=datetime.date(2025, 5, 1))

    due = reporting_window(datetime.date(2025, 6, 30))
    since_may_15 = reporting_window(datetime.date(2025, 6, 30), since=datetime.date(2025, 5, 15))

    assert list(due) == [overdue, due_soon]
    assert list(since_may_15) == [due_soon]


# Export jobs ------------------------------------------------------------------


def test_requesting_an_export_queues_the_task_after_commit(
    cme_administrator, django_capture_on_commit_callbacks, sent_tasks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = exports.request_export(
            cme_administrator,
            kind=ExportKind.COMPLETIONS_CSV,
            filters=CompletionFilter(profession="MD"),
        )

    assert len(callbacks) == 1
    # With the task's time limits, in seconds: an export may take minutes.
    assert sent_tasks == [
        SentTask(
            "certificates.tasks.run_export", (job.pk,), {"soft_time_limit": 900, "time_limit": 960}
        )
    ]
    assert (job.status, job.filters, job.requested_by) == (
        ExportStatus.QUEUED,
        {"profession": "MD"},
        cme_administrator,
    )


def test_a_learner_may_not_request_an_export(learner):
    with pytest.raises(exports.PermissionDenied, match="You may not export learners' records"):
        exports.request_export(learner, kind=ExportKind.PARS, filters=CompletionFilter())
    assert not ExportJob.objects.exists()


def make_job(user, kind, **filters):
    return ExportJob.objects.create(
        kind=kind, filters=CompletionFilter(**filters).as_query(), requested_by=user
    )


def test_the_export_task_writes_the_csv_and_records_progress(cme_administrator):
    for day in (1, 2, 3):
        complete(learner_with("MD"), new_module(), on=datetime.date(2025, 3, day))
    report_filter = CompletionFilter(end=datetime.date(2025, 3, 2))
    job = make_job(cme_administrator, ExportKind.COMPLETIONS_CSV, end=report_filter.end)

    assert run_export.run(job.pk) == ExportStatus.DONE

    job.refresh_from_db()
    expected = "".join(exports.stream_csv(completion_rows(report_filter)))
    with job.file.open("rb") as file:
        assert file.read().decode() == "\ufeff" + expected  # a byte-order mark for Excel
    assert (job.status, job.progress, job.total, job.error) == (ExportStatus.DONE, 2, 2, "")
    assert job.file.name.startswith("exports/completions_csv-")
    assert job.finished_at is not None


def test_progress_is_recorded_every_so_many_rows_while_writing(cme_administrator, monkeypatch):
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 2)
    job = make_job(cme_administrator, ExportKind.COMPLETIONS_CSV)
    rows = exports._counting(iter([("header",), (1,), (2,), (3,)]), job.pk)

    seen = []
    for _ in rows:
        seen.append(ExportJob.objects.get(pk=job.pk).progress)

    assert seen == [0, 0, 0, 2]
    assert ExportJob.objects.get(pk=job.pk).progress == 3


def test_running_a_finished_export_again_changes_nothing(cme_administrator):
    complete(learner_with("MD"), new_module(), on=datetime.date(2025, 3, 1))
    job = make_job(cme_administrator, ExportKind.COMPLETIONS_CSV)
    run_export.run(job.pk)
    job.refresh_from_db()

    run_export.run(job.pk)

    assert ExportJob.objects.get(pk=job.pk).file.name == job.file.name


def test_the_export_task_writes_an_excel_workbook(cme_administrator):
    learner = learner_with("MD")
    complete(learner, new_module(), on=datetime.date(2025, 3, 1), amount="0.50")
    job = make_job(cme_administrator, ExportKind.COMPLETIONS_XLSX)

    run_export.run(job.pk)

    job.refresh_from_db()
    with job.file.open("rb") as file:
        sheet = openpyxl.load_workbook(file, read_only=True).active
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == [header for header, _ in COMPLETION_COLUMNS]
    assert values[1][:4] == [
        datetime.datetime(2025, 3, 1),
        learner.last_name,
        "Maria",
        learner.email,
    ]
    assert values[1][9] == 0.5
    assert (job.status, job.progress) == (ExportStatus.DONE, 1)


def test_the_pars_export_writes_the_batch_and_keeps_who_was_left_out(
    cme_administrator, pars_learners
):
    module, learners, claims = pars_learners
    job = make_job(cme_administrator, ExportKind.PARS)

    run_export.run(job.pk)

    job.refresh_from_db()
    with job.file.open("rb") as file:
        lines = file.read().decode().split("\r\n")
    assert lines[0] == "\t".join(header for header, _ in PARS_COLUMNS)
    assert lines[1].startswith("ABIM\t123456\t\tMaria\t")
    assert len(lines) == 5 and lines[-1] == ""  # header, three rows, final CRLF
    assert (job.status, job.progress, job.total) == (ExportStatus.DONE, 3, 3)
    assert job.skipped == [
        {
            "learner_id": learners["no_birth_day"].pk,
            "email": learners["no_birth_day"].email,
            "claim_id": claims["no_birth_day"].pk,
            "activity": module.title,
            "completed_on": "2025-03-03",
            "fields": ["day of birth"],
        }
    ]


def test_a_failing_export_is_marked_failed_with_the_error_kept(cme_administrator, monkeypatch):
    complete(learner_with("MD"), new_module(), on=datetime.date(2025, 3, 1))
    job = make_job(cme_administrator, ExportKind.COMPLETIONS_CSV)

    def disk_full(rows, file):
        raise OSError("No space left on device")

    monkeypatch.setitem(exports.WRITERS, ExportKind.COMPLETIONS_CSV, disk_full)

    assert run_export.run(job.pk) == ExportStatus.FAILED

    job.refresh_from_db()
    assert (job.status, job.error) == (ExportStatus.FAILED, "OSError: No space left on device")
    assert not job.file
    assert job.finished_at is not None


def test_an_export_whose_stored_filters_are_no_longer_valid_fails_with_the_reason(
    cme_administrator,
):
    job = ExportJob.objects.create(
        kind=ExportKind.PARS, filters={"start": "yesterday"}, requested_by=cme_administrator
    )

    run_export.run(job.pk)

    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert job.error == "The start date “yesterday” is not a date; write it as YYYY-MM-DD."


def test_an_excel_file_beyond_the_sheet_limit_is_refused_with_advice(monkeypatch):
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)

    with pytest.raises(exports.ExportError, match="at most 1 rows under its header; narrow"):
        exports.write_xlsx([("a",), (1,), (2,)], io.BytesIO())


def test_an_excel_export_beyond_the_sheet_limit_fails_before_writing(
    cme_administrator, monkeypatch
):
    for day in (1, 2):
        complete(learner_with("MD"), new_module(), on=datetime.date(2025, 3, day))
    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    job = make_job(cme_administrator, ExportKind.COMPLETIONS_XLSX)

    run_export.run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.progress, job.total) == (ExportStatus.FAILED, 0, 2)
    assert job.error == (
        "An Excel sheet holds at most 1 rows under its header; "
        "narrow the filters or export CSV instead."
    )


def test_ids_kept_for_boards_that_do_not_report_through_pars_stay_out_of_the_pars_file():
    """ABD and ABFM do not take reports through PARS: an ID kept for one of them is not a
    row of the file (the learner is identified by their PARS board or NPI instead)."""
    from accounts.models import BoardIdentifier

    module = new_module()
    learner = learner_with("MD")
    profile = learner.profile
    profile.reports_to_boards, profile.birth_month, profile.birth_day = True, 3, 9
    profile.save()
    BoardIdentifier.objects.create(profile=profile, board="ABIM", identifier="123456")
    BoardIdentifier.objects.bulk_create(
        [BoardIdentifier(profile=profile, board="ABD", identifier="999")]
    )
    complete(learner, module, on=datetime.date(2025, 3, 1))

    rows, _ = pars_rows(CompletionFilter())

    boards = [row[0] for row in list(rows)[1:]]
    assert boards == ["ABIM"]
