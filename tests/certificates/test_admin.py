import pytest
from django.urls import reverse

from certificates.issuance import issue_certificate
from tests.certificates.conftest import claim

pytestmark = pytest.mark.django_db

LEARNER_RECORDS = [
    "admin:certificates_certificate_changelist",
    "admin:certificates_creditclaim_changelist",
    "admin:certificates_evaluation_changelist",
    "admin:quizzes_participation_changelist",
]


@pytest.mark.parametrize("name", LEARNER_RECORDS)
def test_cme_administrators_list_learner_records_in_the_admin(
    client, cme_administrator, evaluated_learner, module, name
):
    issue_certificate(claim(evaluated_learner, module).certificates.get().pk)
    client.force_login(cme_administrator)

    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", LEARNER_RECORDS)
def test_course_authors_cannot_see_learner_records_in_the_admin(client, course_author, name):
    client.force_login(course_author)

    assert client.get(reverse(name)).status_code == 403


def test_certificates_cannot_be_edited_in_the_admin(
    client, cme_administrator, evaluated_learner, module
):
    certificate = issue_certificate(claim(evaluated_learner, module).certificates.get().pk)
    client.force_login(cme_administrator)
    url = reverse("admin:certificates_certificate_change", args=[certificate.pk])

    response = client.post(url, {"status": "revoked"})

    assert response.status_code == 403
    certificate.refresh_from_db()
    assert certificate.status == "issued"


def test_the_evaluation_summary_shows_likert_counts_and_bias_comments(
    client, cme_administrator, module
):
    from tests.certificates.conftest import evaluate, pass_post_test
    from tests.factories import UserFactory

    for rating, bias_free, comment in [(5, True, ""), (4, True, ""), (2, False, "Brand names.")]:
        learner = UserFactory()
        pass_post_test(learner, module.post_test)
        evaluate(
            learner,
            module,
            objective_ratings={o.pk: rating for o in module.objectives.all()},
            free_of_commercial_bias=bias_free,
            bias_comment=comment,
        )
    client.force_login(cme_administrator)

    response = client.get(reverse("certificates:evaluation_summary", args=[module.slug]))

    summary = response.context["summary"]
    assert summary.evaluations == 3
    assert summary.objectives[0].counts == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert str(summary.objectives[0].mean) == "3.67"
    assert summary.bias_free == 2
    assert "“Brand names.”" in response.content.decode()


def test_authors_cannot_read_evaluations_or_learner_records(client, course_author, module):
    client.force_login(course_author)

    assert (
        client.get(reverse("certificates:evaluation_summary", args=[module.slug])).status_code
        == 403
    )
    assert client.get(reverse("accounts:learners")).status_code == 403


def test_an_administrator_finds_a_learner_and_sees_the_whole_record(
    client, cme_administrator, evaluated_learner, module
):
    issue_certificate(claim(evaluated_learner, module).certificates.get().pk)
    client.force_login(cme_administrator)

    found = client.get(reverse("accounts:learners"), {"q": evaluated_learner.last_name})
    record = client.get(reverse("accounts:learner", args=[evaluated_learner.pk]))

    assert evaluated_learner.email in found.content.decode()
    html = record.content.decode()
    assert "Attempt 1: Submitted and graded, 100% (passed)" in html
    assert module.title in html
    assert "valid" in html


def test_the_audit_log_shows_who_did_what_and_why(
    client, cme_administrator, evaluated_learner, module
):
    from certificates.issuance import revoke_certificate

    certificate = issue_certificate(claim(evaluated_learner, module).certificates.get().pk)
    revoke_certificate(certificate, by=cme_administrator, reason="Duplicate claim.")
    client.force_login(cme_administrator)

    listing = client.get(reverse("admin:auditlog_logentry_changelist"), {"q": "Duplicate"})

    html = listing.content.decode()
    assert "Duplicate claim." in html
    assert "cme-admin@example.com" in html
