import json

import pytest
from django.urls import reverse

from accounts.models import User
from certificates.issuance import issue_certificate
from courses.disclosures import record_disclosures_shown
from quizzes.attempts import start_attempt, submit_attempt
from quizzes.models import ReviewPolicy
from tests.certificates.conftest import claim, evaluate, pass_post_test
from tests.factories import answers_for, post_test_with_questions

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


class TestCorrectnessInTheDownload:
    """The download keeps every answer the learner gave; whether each was right, the key and
    the rationales follow the post-test's review policy, as on the result page."""

    def download(self, client, learner) -> list[dict]:
        client.force_login(learner)
        response = client.get(reverse("accounts:my_data"), {"format": "json"})
        return json.loads(response.content)["post_tests"][0]["attempts"]

    def take(self, learner, post_test, *, correct: int | None):
        attempt = start_attempt(learner, post_test=post_test)
        return submit_attempt(attempt, answers=answers_for(attempt, correct=correct))

    def answers_only(self, right: int) -> list[dict]:
        """Attempt answers with the first `right` of five questions answered A (right)."""
        return [
            {"question": f"Question {n}?", "selected": ["A" if n <= right else "B"]}
            for n in range(1, 6)
        ]

    def answers_reviewed(self, right: int) -> list[dict]:
        return [
            {
                **answer,
                "correct": n <= right,
                "correct_choices": ["A"],
                "rationale": f"Because of passage {n}.",
            }
            for n, answer in enumerate(self.answers_only(right), start=1)
        ]

    def test_a_failed_attempt_with_attempts_left_gives_no_correctness_to_harvest(
        self, client, learner
    ):
        post_test = post_test_with_questions(5)
        record_disclosures_shown(learner, module=post_test.module)
        self.take(learner, post_test, correct=2)

        (attempt,) = self.download(client, learner)

        assert attempt["correctness"] == "hidden until you pass or use your last attempt"
        assert attempt["answers"] == self.answers_only(2)
        assert (attempt["score"], attempt["passed"]) == ("40.00", False)

    def test_after_passing_every_attempt_carries_its_correctness_and_key(self, client, learner):
        post_test = post_test_with_questions(5)
        record_disclosures_shown(learner, module=post_test.module)
        self.take(learner, post_test, correct=2)
        self.take(learner, post_test, correct=None)

        first, second = self.download(client, learner)

        assert (first["correctness"], second["correctness"]) == ("shown", "shown")
        assert first["answers"] == self.answers_reviewed(2)
        assert second["answers"] == self.answers_reviewed(5)

    def test_a_post_test_that_never_shows_its_answers_keeps_them_out_of_the_download(
        self, client, learner
    ):
        post_test = post_test_with_questions(5, review_policy=ReviewPolicy.NEVER)
        record_disclosures_shown(learner, module=post_test.module)
        self.take(learner, post_test, correct=None)

        (attempt,) = self.download(client, learner)

        assert attempt["correctness"] == "not shown: this post-test does not show its answers"
        assert attempt["answers"] == self.answers_only(5)


def test_closing_the_account_removes_its_authenticator_app_and_every_address():
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    from accounts.personal_data import close_account
    from tests.factories import UserFactory

    learner = UserFactory(totp=True)
    EmailAddress.objects.create(user=learner, email="second@example.com", verified=True)
    assert Authenticator.objects.filter(user=learner).exists()

    close_account(learner, password="correct-horse-battery")

    assert not Authenticator.objects.filter(user=learner).exists()
    assert not EmailAddress.objects.filter(user=learner).exists()
