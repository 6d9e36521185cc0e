"""What an attacker would try, and what the site answers."""

import pytest
from django.test import Client
from django.urls import reverse

from certificates.issuance import issue_certificate
from quizzes.attempts import start_attempt, submit_attempt
from quizzes.authoring import add_question
from quizzes.models import AttemptResponse
from tests.certificates.conftest import claim, evaluate, pass_post_test
from tests.factories import UserFactory, answers_for, post_test_with_questions

pytestmark = pytest.mark.django_db


def log_in(client, email, password, address="10.0.0.1"):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=address,
    )


class TestBruteForce:
    def test_five_failed_log_ins_lock_the_account_from_that_address(self, client, learner):
        statuses = [log_in(client, learner.email, "wrong-guess").status_code for _ in range(5)]

        assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks
        locked = log_in(client, learner.email, "correct-horse-battery")

        assert locked.status_code == 429
        assert "Too many failed log-ins" in locked.content.decode()
        assert "_auth_user_id" not in client.session

    def test_the_owner_on_another_address_can_still_log_in(self, client, learner):
        for _ in range(5):
            log_in(client, learner.email, "wrong-guess")

        response = log_in(Client(), learner.email, "correct-horse-battery", address="10.0.0.2")

        assert response.status_code == 302

    def test_sign_up_is_rate_limited(self, client):
        statuses = [
            client.post(
                reverse("account_signup"),
                {"email": f"bot{n}@example.com", "first_name": "B", "last_name": "Ot",
                 "password1": "a-long-unusual-passphrase", "password2": "x"},
            ).status_code
            for n in range(12)
        ]  # fmt: skip

        assert statuses[:10] == [200] * 10
        assert statuses[10:] == [429, 429]

    def test_password_reset_is_rate_limited(self, client, learner):
        statuses = [
            client.post(reverse("account_reset_password"), {"email": learner.email}).status_code
            for _ in range(7)
        ]

        assert statuses[:5] == [302] * 5
        assert statuses[5:] == [429, 429]


class TestOtherLearnersRecords:
    @pytest.fixture
    def victim_records(self):
        victim = UserFactory()
        post_test = post_test_with_questions(5)
        attempt = pass_post_test(victim, post_test)
        evaluate(victim, post_test.module)
        certificate = issue_certificate(claim(victim, post_test.module).certificates.get().pk)
        return attempt, certificate

    def test_another_learners_attempt_and_certificate_are_not_found(
        self, client, learner, victim_records
    ):
        attempt, certificate = victim_records
        client.force_login(learner)

        for url in (
            reverse("quizzes:attempt", args=[attempt.pk]),
            reverse("quizzes:result", args=[attempt.pk]),
            reverse("certificates:detail", args=[certificate.pk]),
            reverse("certificates:download", args=[certificate.pk]),
        ):
            assert client.get(url).status_code == 404, url

    def test_a_learners_transcript_shows_only_their_own_certificates(
        self, client, learner, victim_records
    ):
        _, certificate = victim_records
        client.force_login(learner)

        html = client.get(reverse("certificates:transcript"), {"format": "csv"}).content.decode()

        assert certificate.number not in html


ADMINISTRATOR_PAGES = [
    ("certificates:dashboard", []),
    ("certificates:pars", []),
    ("accounts:learners", []),
]


@pytest.mark.parametrize(("name", "args"), ADMINISTRATOR_PAGES)
@pytest.mark.parametrize("user_fixture", ["learner", "course_author"])
def test_learners_and_authors_are_refused_administrator_pages(
    client, request, name, args, user_fixture
):
    client.force_login(request.getfixturevalue(user_fixture))

    assert client.get(reverse(name, args=args)).status_code == 403


def test_learners_do_not_get_into_the_django_admin(client, learner):
    client.force_login(learner)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_posts_without_a_csrf_token_are_refused_and_save_nothing(learner):
    post_test = post_test_with_questions(5)
    from courses.disclosures import record_disclosures_shown

    record_disclosures_shown(learner, module=post_test.module)
    attempt = start_attempt(learner, post_test=post_test)
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    answers = {f"item-{k}": [str(c) for c in v] for k, v in answers_for(attempt).items()}

    submit = client.post(attempt.get_absolute_url(), answers)
    start = client.post(reverse("quizzes:start", args=[post_test.module.slug]))

    assert (submit.status_code, start.status_code) == (403, 403)
    assert not AttemptResponse.objects.exists()


@pytest.mark.parametrize(
    "target", ["https://evil.example.net/", "//evil.example.net/", "https:evil.example.net"]
)
def test_log_in_does_not_redirect_to_another_site(client, learner, target):
    response = client.post(
        reverse("account_login") + f"?next={target}",
        {"login": learner.email, "password": "correct-horse-battery", "next": target},
    )

    assert response.status_code == 302
    assert response.url == reverse("courses:catalog")


def test_hostile_question_text_is_inert_on_the_attempt_and_result_pages(client, learner):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    post_test = post_test_with_questions(5)
    add_question(
        post_test,
        objective=post_test.module.objectives.get(),
        kind="single",
        stem=f"Stem {hostile}",
        rationale=f"Rationale {hostile}",
        choices=[(f"A {hostile}", True), ("B", False), ("C", False)],
    )
    from courses.disclosures import record_disclosures_shown

    record_disclosures_shown(learner, module=post_test.module)
    client.force_login(learner)
    attempt = start_attempt(learner, post_test=post_test)
    page = client.get(attempt.get_absolute_url()).content.decode()
    submit_attempt(attempt, answers=answers_for(attempt))
    result = client.get(reverse("quizzes:result", args=[attempt.pk])).content.decode()

    for html in (page, result):
        assert "<script>alert" not in html
        assert "<img src=x onerror" not in html
        assert "&lt;script&gt;" in html
