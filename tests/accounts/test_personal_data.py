import json

import pytest
from django.urls import reverse

from accounts.models import User
from certificates.issuance import issue_certificate
from tests.certificates.conftest import claim, evaluate, pass_post_test
from tests.factories import post_test_with_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified_learner(learner):
    post_test = post_test_with_questions(5)
    learner.profile.npi = "1234567893"
    learner.profile.save()
    pass_post_test(learner, post_test)
    evaluate(learner, post_test.module)
    certificate = issue_certificate(claim(learner, post_test.module).certificates.get().pk)
    return learner, certificate


def test_a_learner_downloads_everything_the_site_holds_about_them(client, certified_learner):
    learner, certificate = certified_learner
    client.force_login(learner)

    response = client.get(reverse("accounts:my_data"), {"format": "json"})

    data = json.loads(response.content)
    assert response["Content-Disposition"] == 'attachment; filename="my-cme-data.json"'
    assert data["account"]["email"] == learner.email
    assert data["profile"]["npi"] == "1234567893"
    assert data["post_tests"][0]["attempts"][0]["answers"][0]["selected"] == ["A"]
    assert data["evaluations"][0]["commitment_to_change"]
    assert data["certificates"][0]["number"] == certificate.number


def test_closing_the_account_needs_the_password(client, certified_learner):
    learner, _ = certified_learner
    client.force_login(learner)

    response = client.post(reverse("accounts:close"), {"password": "wrong"}, follow=True)

    assert "That is not your password; the account is still open." in response.content.decode()
    assert User.objects.get(pk=learner.pk).is_active


def test_a_closed_account_loses_its_identifiers_but_certificates_stay_verifiable(
    client, certified_learner
):
    learner, certificate = certified_learner
    name_on_certificate = certificate.printed["learner_name"]
    client.force_login(learner)

    response = client.post(
        reverse("accounts:close"), {"password": "correct-horse-battery"}, follow=True
    )

    assert "Your account is closed." in response.content.decode()
    closed = User.objects.get(pk=learner.pk)
    assert (closed.is_active, closed.email, closed.first_name) == (
        False,
        f"closed-{learner.pk}@closed.invalid",
        "",
    )
    assert closed.profile.npi == "" and closed.profile.birth_month is None
    assert not closed.has_usable_password()
    verification = client.get(certificate.get_verification_path()).content.decode()
    assert ">Valid</span>" in verification
    assert name_on_certificate in verification
