import pytest
from django.urls import reverse

from quizzes.attempts import start_attempt, submit_attempt
from quizzes.models import Attempt, Participation, Question
from tests.factories import answers_for

pytestmark = pytest.mark.django_db


def question_data(
    objective, *, kind="single", choices, stem="Which?", rationale="Because.", initial_forms=0
):
    data = {
        "objective": objective.pk,
        "kind": kind,
        "stem": stem,
        "rationale": rationale,
        "is_active": "on",
        "choices-TOTAL_FORMS": str(len(choices)),
        "choices-INITIAL_FORMS": str(initial_forms),
        "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "12",
    }
    for n, (text, correct) in enumerate(choices):
        data[f"choices-{n}-text"] = text
        if correct:
            data[f"choices-{n}-is_correct"] = "on"
    return data


def test_learners_cannot_write_questions_or_preview(client, learner, post_test):
    client.force_login(learner)
    question = post_test.questions.first()

    assert client.get(reverse("quizzes:edit_question", args=[question.pk])).status_code == 403
    assert client.get(reverse("quizzes:preview", args=[post_test.module.slug])).status_code == 403


def test_an_author_adds_a_question_with_its_choices_on_one_page(client, course_author, post_test):
    client.force_login(course_author)
    objective = post_test.module.objectives.first()

    response = client.post(
        reverse("quizzes:add_question", args=[post_test.module.slug]),
        question_data(
            objective, choices=[("Yes", True), ("No", False), ("Maybe", False), ("", False)]
        ),
    )

    assert response.status_code == 302
    question = Question.objects.order_by("pk").last()
    assert question.current_version.stem == "Which?"
    assert [c.text for c in question.current_version.choices.all()] == ["Yes", "No", "Maybe"]


def test_a_question_the_author_got_wrong_is_refused_with_a_message(
    client, course_author, post_test
):
    client.force_login(course_author)
    objective = post_test.module.objectives.first()
    before = Question.objects.count()

    response = client.post(
        reverse("quizzes:add_question", args=[post_test.module.slug]),
        question_data(objective, choices=[("Yes", True), ("No", True), ("Maybe", False)]),
    )

    assert response.status_code == 200
    assert (
        "A single-best-answer question needs exactly one correct choice; it has 2."
        in response.content.decode()
    )
    assert Question.objects.count() == before


def test_editing_an_answered_question_through_the_page_makes_a_new_version(
    client, course_author, ready_learner, post_test
):
    attempt = start_attempt(ready_learner, post_test=post_test)
    submit_attempt(attempt, answers=answers_for(attempt))
    question = post_test.questions.order_by("position").first()
    client.force_login(course_author)
    page = client.get(reverse("quizzes:edit_question", args=[question.pk])).content.decode()
    assert "Saving a change makes a new version" in page

    response = client.post(
        reverse("quizzes:edit_question", args=[question.pk]),
        question_data(
            question.objective,
            stem="Reworded?",
            choices=[("A", True), ("B", False), ("C", False)],
            initial_forms=4,  # as the page renders it: the saved choices A to D
        ),
    )

    assert response.status_code == 302, response.context["form"].errors

    question.refresh_from_db()
    assert (question.current_version.number, question.current_version.stem) == (2, "Reworded?")
    assert attempt.items.get(position=1).question_version.stem == "Question 1?"


def test_previewing_the_post_test_grades_without_saving_anything(client, course_author, post_test):
    client.force_login(course_author)
    url = reverse("quizzes:preview", args=[post_test.module.slug])
    page = client.get(url)
    items = page.context["form"].items
    data = {f"item-{item.pk}": [str(next(iter(item.correct_ids)))] for item in items}

    response = client.post(url, data)

    html = response.content.decode()
    assert "A learner would pass" in html
    assert "Score: <strong>100%</strong> (5 of 5 correct)." in html
    assert "Rationale:" in html
    assert not Attempt.objects.exists()
    assert not Participation.objects.exists()


def test_a_draft_module_can_be_previewed_by_its_author(client, course_author, post_test):
    module = post_test.module
    module.status = "draft"
    module.save()
    client.force_login(course_author)

    assert client.get(reverse("quizzes:preview", args=[module.slug])).status_code == 200


def test_an_author_sees_how_each_question_performs_with_charts_and_csv(
    client, course_author, ready_learner, post_test
):
    attempt = start_attempt(ready_learner, post_test=post_test)
    submit_attempt(attempt, answers=answers_for(attempt, correct=4))
    client.force_login(course_author)
    url = reverse("quizzes:item_analysis", args=[post_test.module.slug])

    page = client.get(url)
    csv_file = client.get(url, {"format": "csv"})

    html = page.content.decode()
    assert "1 graded attempt by 1 learner." in html
    assert html.count('role="img"') == 2
    assert csv_file["Content-Type"] == "text/csv; charset=utf-8"
    assert len(csv_file.content.decode().splitlines()) > 5


def test_learners_cannot_see_item_analysis(client, learner, post_test):
    client.force_login(learner)

    url = reverse("quizzes:item_analysis", args=[post_test.module.slug])
    assert client.get(url).status_code == 403


def test_a_new_question_page_offers_five_choice_rows_and_an_edit_two_more(
    client, course_author, post_test
):
    client.force_login(course_author)

    new = client.get(reverse("quizzes:add_question", args=[post_test.module.slug]))
    edit = client.get(reverse("quizzes:edit_question", args=[post_test.questions.first().pk]))

    assert new.context["formset"].total_form_count() == 5
    assert edit.context["formset"].total_form_count() == 4 + 2
