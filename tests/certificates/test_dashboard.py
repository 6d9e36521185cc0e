import datetime

import pytest
from django.urls import reverse

from certificates.exports import fill_export
from certificates.issuance import revoke_certificate
from certificates.models import ExportJob
from tests.certificates.test_views import make_certificate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["certificates:dashboard", "certificates:pars"]


@pytest.mark.parametrize("name", ADMIN_PAGES)
@pytest.mark.parametrize("user_fixture", ["learner", "course_author"])
def test_learners_and_authors_cannot_reach_credit_reports(client, request, name, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))

    assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("certificates:request_export"), {"kind": "pars"}).status_code == 403


def test_the_dashboard_filters_by_date_and_totals_the_credit(client, cme_administrator):
    first, second = UserFactory(), UserFactory()
    make_certificate(first, completed_on=datetime.date(2025, 3, 1), amount="0.75")
    make_certificate(second, completed_on=datetime.date(2025, 6, 1), amount="0.50")
    make_certificate(second, completed_on=datetime.date(2026, 1, 5), amount="1.00")
    client.force_login(cme_administrator)

    response = client.get(
        reverse("certificates:dashboard"), {"start": "2025-01-01", "end": "2025-12-31"}
    )

    totals = response.context["totals"]
    assert (totals.learners, totals.completions) == (2, 2)
    assert [str(t.credits) for t in totals.by_credit_type] == ["1.25"]
    assert "1.25 AMA PRA Category 1 Credit™ in 2 completions" in response.content.decode()


def test_the_dashboard_says_how_many_completions_were_revoked_and_leaves_them_out(
    client, cme_administrator
):
    learner = UserFactory()
    make_certificate(learner, completed_on=datetime.date(2025, 3, 1), amount="0.75")
    revoked = make_certificate(learner, completed_on=datetime.date(2025, 6, 1), amount="0.50")
    revoke_certificate(revoked, by=cme_administrator, reason="Duplicate account.")
    client.force_login(cme_administrator)

    response = client.get(reverse("certificates:dashboard"))

    totals = response.context["totals"]
    assert (totals.completions, totals.revoked) == (1, 1)
    html = response.content.decode()
    assert "Not counted: <strong>1</strong> completion whose certificate was revoked." in html
    assert "0.75 AMA PRA Category 1 Credit™ in 1 completion" in html
    assert revoked.claim not in response.context["page"].object_list


def test_bad_filter_input_is_reported_not_crashed(client, cme_administrator):
    client.force_login(cme_administrator)

    response = client.get(reverse("certificates:dashboard"), {"start": "yesterday", "module": "x"})

    assert response.status_code == 200
    assert response.context["errors"]


def test_the_csv_of_completions_is_streamed(client, cme_administrator, learner):
    certificate = make_certificate(learner, completed_on=datetime.date(2025, 3, 1))
    client.force_login(cme_administrator)

    response = client.get(reverse("certificates:dashboard"), {"format": "csv"})

    body = b"".join(response.streaming_content).decode()
    assert response.streaming
    assert len(body.splitlines()) == 2
    assert certificate.claim.learner.email in body


def test_a_long_export_runs_as_a_job_with_progress_and_a_download(
    client, cme_administrator, learner, django_capture_on_commit_callbacks, sent_tasks
):
    make_certificate(learner, completed_on=datetime.date(2025, 3, 1))
    client.force_login(cme_administrator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("certificates:request_export"), {"kind": "completions_xlsx"})
    job = ExportJob.objects.get()
    waiting = client.get(reverse("certificates:export_job", args=[job.pk]))
    fill_export(job.pk)
    done = client.get(reverse("certificates:export_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    download = client.get(reverse("certificates:export_download", args=[job.pk]))

    assert response.url == reverse("certificates:export_job", args=[job.pk])
    assert 'hx-trigger="every 2s"' in waiting.content.decode()
    assert "Ready: 2 rows." in done.content.decode() or "Ready: 1 row." in done.content.decode()
    assert b"".join(download.streaming_content)[:2] == b"PK"  # an XLSX is a zip
    download.close()


def test_an_export_belongs_to_the_administrator_who_asked(client, cme_administrator):
    job = ExportJob.objects.create(kind="pars", requested_by=cme_administrator)
    other = UserFactory(is_staff=True)
    from django.contrib.auth.models import Group

    other.groups.add(Group.objects.get(name="CME administrators"))
    client.force_login(other)

    assert client.get(reverse("certificates:export_job", args=[job.pk])).status_code == 404


def test_the_pars_page_lists_learners_missing_required_fields(client, cme_administrator):
    complete = UserFactory(profile__birth_month=3, profile__birth_day=14, profile__npi="1234567893",
                           profile__reports_to_boards=True)  # fmt: skip
    missing = UserFactory(profile__reports_to_boards=True)
    make_certificate(complete, completed_on=datetime.date(2025, 3, 1))
    make_certificate(missing, completed_on=datetime.date(2025, 3, 1))
    client.force_login(cme_administrator)

    response = client.get(reverse("certificates:pars"))

    html = response.content.decode()
    assert response.context["row_count"] == 1
    assert f"{missing.get_full_name()}</a>: " in html
    assert "month of birth" in html
