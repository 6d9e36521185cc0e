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
