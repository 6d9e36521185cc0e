"""What arrives at the edge of the site: bytes no page should see, addresses behind the
proxy, files bound for spreadsheets, and what closing an account leaves in the audit log."""

import io
import logging

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import User
from accounts.personal_data import close_account
from accounts.profiles import update_profile
from core.spreadsheets import BOM
from tests.factories import ModuleFactory

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
