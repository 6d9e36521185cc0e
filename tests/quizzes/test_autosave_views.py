"""The attempt page saves each answer as it is chosen: the htmx endpoint quizzes:save_answer,
its status line, and the attempt page after a new log-in."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.disclosures import record_disclosures_shown
from quizzes.attempts import save_answer, start_attempt, submit_attempt
from quizzes.models import AttemptResponse, AttemptStatus
from tests.factories import UserFactory, answers_for, post_test_with_questions

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def attempt(ready_learner, post_test):
    return start_attempt(ready_learner, post_test=post_test)


def save_url(attempt, item):
    return reverse("quizzes:save_answer", kwargs={"pk": attempt.pk, "item_pk": item.pk})


def status_line(response) -> str:
    return re.sub(r"<[^>]+>", "", response.content.decode()).strip()


def saved(attempt) -> dict[int, set[int]]:
    result: dict[int, set[int]] = {}
    for item_id, choice_id in AttemptResponse.objects.filter(item__attempt=attempt).values_list(
        "item_id", "choice_id"
    ):
        result.setdefault(item_id, set()).add(choice_id)
    return result


def checked_values(html: str) -> set[int]:
    return {
        int(re.search(r'value="(\d+)"', tag).group(1))
        for tag in re.findall(r"<input [^>]*>", html)
        if " checked" in tag and 'name="item-' in tag
    }


def test_choosing_an_answer_saves_it_and_says_saved(client, ready_learner, attempt):
    client.force_login(ready_learner)
    item = attempt.items.get(position=1)
    choice = item.choice_order[2]

    response = client.post(save_url(attempt, item), {f"item-{item.pk}": [str(choice)]}, **HTMX)

    assert response.status_code == 200
    assert response.templates[0].name == "quizzes/attemptresponse_status.html"
    assert status_line(response) == "Saved"
    assert saved(attempt) == {item.pk: {choice}}
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS


def test_a_forged_choice_gets_400_and_the_saved_answer_stays(client, ready_learner, attempt):
    client.force_login(ready_learner)
    item, other = attempt.items.get(position=1), attempt.items.get(position=2)
    save_answer(attempt, item_id=item.pk, choice_ids=item.choice_order[:1])

    forged = client.post(save_url(attempt, item), {f"item-{item.pk}": [other.choice_order[0]]})
    not_a_number = client.post(save_url(attempt, item), {f"item-{item.pk}": ["abc"]})

    for response in (forged, not_a_number):
        assert response.status_code == 400
        assert status_line(response) == (
            "Not saved: An answer names a choice that this question does not offer."
        )
    assert saved(attempt) == {item.pk: {item.choice_order[0]}}


def test_another_learners_attempt_is_not_found_and_nothing_is_saved(client, attempt):
    client.force_login(UserFactory())
    item = attempt.items.get(position=1)

    response = client.post(save_url(attempt, item), {f"item-{item.pk}": [item.choice_order[0]]})

    assert response.status_code == 404
    assert saved(attempt) == {}


def test_an_item_of_another_attempt_gets_400(client, ready_learner, attempt, post_test):
    other_learner = UserFactory()
    record_disclosures_shown(other_learner, module=post_test.module)
    their_item = start_attempt(other_learner, post_test=post_test).items.get(position=1)
    client.force_login(ready_learner)

    response = client.post(
        save_url(attempt, their_item), {f"item-{their_item.pk}": [their_item.choice_order[0]]}
    )

    assert response.status_code == 400
    assert status_line(response) == "Not saved: This question is not part of this attempt."
    assert not AttemptResponse.objects.exists()


def test_an_expired_session_gets_401_and_is_told_to_log_in_again(client, attempt):
    item = attempt.items.get(position=1)

    response = client.post(save_url(attempt, item), {f"item-{item.pk}": [item.choice_order[0]]})

    assert response.status_code == 401
    assert status_line(response) == (
        "Not saved — log in again; your earlier answers are kept. Log in"
    )
    login = reverse("account_login") + "?next=" + attempt.get_absolute_url().replace("/", "%2F")
    assert f'href="{login}"' in response.content.decode()
    assert saved(attempt) == {}


def test_a_save_after_the_submit_gets_409_and_changes_nothing(client, ready_learner, attempt):
    client.force_login(ready_learner)
    answers = answers_for(attempt)
    submit_attempt(attempt, answers=answers)
    item = attempt.items.get(position=1)
    wrong = next(pk for pk in item.choice_order if pk not in answers[item.pk])

    response = client.post(save_url(attempt, item), {f"item-{item.pk}": [wrong]})

    assert response.status_code == 409
    assert status_line(response) == "Not saved: this attempt has already been submitted."
    assert saved(attempt) == {pk: set(ids) for pk, ids in answers.items()}


def test_saving_needs_the_csrf_token(ready_learner, attempt):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(ready_learner)
    page = browser.get(attempt.get_absolute_url())
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    item = attempt.items.get(position=1)
    data = {f"item-{item.pk}": [item.choice_order[0]]}

    assert browser.post(save_url(attempt, item), data, **HTMX).status_code == 403
    assert saved(attempt) == {}
    data["csrfmiddlewaretoken"] = token.group(1)
    assert browser.post(save_url(attempt, item), data, **HTMX).status_code == 200
    assert saved(attempt) == {item.pk: {item.choice_order[0]}}


def test_saving_needs_a_post(client, ready_learner, attempt):
    client.force_login(ready_learner)

    assert client.get(save_url(attempt, attempt.items.get(position=1))).status_code == 405


def test_after_logging_in_again_the_saved_answers_are_checked(ready_learner, attempt):
    """A learner saves three answers, the session ends (log out), and a new session on
    another client opens the attempt with exactly those answers checked."""
    first_session = Client()
    first_session.force_login(ready_learner)
    answers = answers_for(attempt, correct=2)
    chosen = []
    for item in attempt.items.order_by("position")[:3]:
        data = {f"item-{item.pk}": answers[item.pk]}
        assert first_session.post(save_url(attempt, item), data, **HTMX).status_code == 200
        chosen.extend(answers[item.pk])
    first_session.logout()
    assert first_session.get(attempt.get_absolute_url()).status_code == 302

    new_session = Client()
    new_session.force_login(ready_learner)
    html = new_session.get(attempt.get_absolute_url()).content.decode()

    assert checked_values(html) == set(chosen)


def test_the_attempt_page_asks_htmx_to_save_each_question_with_a_status_line(
    client, ready_learner, attempt
):
    client.force_login(ready_learner)

    html = client.get(attempt.get_absolute_url()).content.decode()

    for item in attempt.items.all():
        assert f'hx-post="{save_url(attempt, item)}"' in html
        assert f'hx-params="csrfmiddlewaretoken,item-{item.pk}"' in html
        assert f'id="answer-status-{item.pk}" aria-live="polite" aria-atomic="true"></p>' in html
    assert 'src="/static/js/autosave.js"' in html


def test_the_form_alone_still_submits_without_javascript(client, ready_learner, attempt):
    """Nothing saved before (no JavaScript): the form carries every answer, as before."""
    client.force_login(ready_learner)
    data = {f"item-{pk}": ids for pk, ids in answers_for(attempt, correct=4).items()}

    response = client.post(attempt.get_absolute_url(), data)

    assert response.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.status, attempt.correct_count) == (AttemptStatus.GRADED, 4)


def test_a_submit_grades_the_saved_answers_the_form_does_not_carry(client, ready_learner, attempt):
    client.force_login(ready_learner)
    answers = answers_for(attempt)
    first = attempt.items.get(position=1)
    for item_id, choice_ids in answers.items():
        if item_id != first.pk:
            save_answer(attempt, item_id=item_id, choice_ids=choice_ids)

    response = client.post(attempt.get_absolute_url(), {f"item-{first.pk}": answers[first.pk]})

    assert response.url == reverse("quizzes:result", kwargs={"pk": attempt.pk})
    attempt.refresh_from_db()
    assert attempt.score == 100


def test_a_submit_missing_answers_reshows_the_saved_ones_checked(client, ready_learner, attempt):
    client.force_login(ready_learner)
    answers = answers_for(attempt)
    first, second, last = (attempt.items.get(position=n) for n in (1, 2, 5))
    save_answer(attempt, item_id=first.pk, choice_ids=answers[first.pk])
    data = {f"item-{second.pk}": answers[second.pk]}

    response = client.post(attempt.get_absolute_url(), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Please answer every question: 3 questions are unanswered." in html
    assert checked_values(html) == set(answers[first.pk]) | set(answers[second.pk])
    assert 'id="question-5-error">Answer this question.</p>' in html
    assert last.pk not in saved(attempt)
    assert saved(attempt) == {first.pk: set(answers[first.pk])}


def test_a_save_through_the_page_costs_the_same_queries_for_5_and_40_questions(
    client, ready_learner
):
    client.force_login(ready_learner)
    client.get(reverse("courses:catalog"))  # a session's first page reads its time zone once

    def queries_of_a_save(count):
        post_test = post_test_with_questions(count)
        record_disclosures_shown(ready_learner, module=post_test.module)
        attempt = start_attempt(ready_learner, post_test=post_test)
        item = attempt.items.get(position=count)
        with CaptureQueriesContext(connection) as queries:
            data = {f"item-{item.pk}": [item.choice_order[0]]}
            assert client.post(save_url(attempt, item), data, **HTMX).status_code == 200
        submit_attempt(attempt, answers=answers_for(attempt))
        return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]

    few, many = queries_of_a_save(5), queries_of_a_save(40)

    assert len(few) == len(many)
    # Besides what every page reads (session, user, the two-step check's permissions): the
    # learner's attempt; the item, locking its attempt; its saved answer; the insert.
    post_test_work = [sql for sql in few if '"quizzes_' in sql.split(" WHERE ")[0]]
    assert [sql.split(" ")[0] for sql in post_test_work] == ["SELECT", "SELECT", "SELECT", "INSERT"]
    assert len(few) - len(post_test_work) <= 3
