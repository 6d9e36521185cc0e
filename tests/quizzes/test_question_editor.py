"""The question editor: the correct answer marked beside each choice, true-or-false
choices made for the author, required rationale and objective, the no-JavaScript buttons
that add, remove and reorder choices, the preview, and the question's history."""

import pytest
from django.urls import reverse

from quizzes.attempts import start_attempt, submit_attempt
from quizzes.authoring import revise_question
from quizzes.models import Question, QuestionKind
from tests.factories import answers_for

pytestmark = pytest.mark.django_db


def form_data(post_test, *, kind="single", rows=(), correct=None, **fields):
    data = {
        "objective": post_test.module.objectives.get().pk,
        "kind": kind,
        "stem": "Which drug was studied?",
        "rationale": "The article's first paragraph names it.",
        "is_active": "on",
        "choices-TOTAL_FORMS": str(len(rows)),
        "choices-INITIAL_FORMS": "0",
        "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "12",
        "action": "save",
    }
    for n, text in enumerate(rows):
        data[f"choices-{n}-text"] = text
    if correct is not None:
        data["correct_choice"] = str(correct)
    data.update(fields)
    return data


def add_url(post_test):
    return reverse("quizzes:add_question", kwargs={"slug": post_test.module.slug})


@pytest.fixture
def author(client, course_author):
    client.force_login(course_author)
    return client


def newest(post_test):
    return post_test.questions.order_by("-pk").first()


class TestSaving:
    def test_the_radio_button_beside_a_choice_marks_the_single_best_answer(self, author, post_test):
        data = form_data(post_test, rows=["Dupilumab", "Nemolizumab", "Tralokinumab"], correct=1)

        response = author.post(add_url(post_test), data)

        assert response.status_code == 302
        choices = list(newest(post_test).current_version.choices.values_list("text", "is_correct"))
        assert choices == [("Dupilumab", False), ("Nemolizumab", True), ("Tralokinumab", False)]

    def test_true_or_false_has_its_two_choices_made_and_the_author_picks_the_answer(
        self, author, post_test
    ):
        data = form_data(post_test, kind="true_false", true_false_answer="False")

        response = author.post(add_url(post_test), data)

        assert response.status_code == 302
        version = newest(post_test).current_version
        assert version.kind == QuestionKind.TRUE_FALSE
        assert list(version.choices.values_list("text", "is_correct")) == [
            ("True", False),
            ("False", True),
        ]

    def test_true_or_false_without_the_answer_is_refused_and_nothing_saved(self, author, post_test):
        response = author.post(add_url(post_test), form_data(post_test, kind="true_false"))

        assert response.status_code == 200
        assert response.context["form"].errors["true_false_answer"] == [
            "Choose whether the statement is true or false."
        ]
        assert "Choose whether the statement is true or false." in response.content.decode()
        assert post_test.questions.count() == 5

    def test_the_rationale_and_the_objective_are_required_with_clear_messages(
        self, author, post_test
    ):
        data = form_data(post_test, rows=["A", "B", "C"], correct=0, rationale="", objective="")

        response = author.post(add_url(post_test), data)

        errors = response.context["form"].errors
        assert errors["rationale"] == [
            "Write the rationale: why the answer is right, pointing at the passage or "
            "reference that says so."
        ]
        assert errors["objective"] == ["Choose the learning objective this question assesses."]
        assert post_test.questions.count() == 5


class TestEditingWithoutJavaScript:
    def rows_of(self, response):
        return [form["text"].value() for form in response.context["formset"]]

    def test_move_up_swaps_a_choice_with_the_one_above_and_saves_nothing(self, author, post_test):
        data = form_data(post_test, rows=["A", "B", "C"], correct=2, action="up:2")

        response = author.post(add_url(post_test), data)

        assert response.status_code == 200
        assert self.rows_of(response) == ["A", "C", "B"]
        assert [f["is_correct"].value() for f in response.context["formset"]] == [
            False,
            True,
            False,
        ]
        assert post_test.questions.count() == 5

    def test_remove_drops_the_row_and_add_appends_an_empty_one(self, author, post_test):
        removed = author.post(
            add_url(post_test), form_data(post_test, rows=["A", "B", "C"], action="remove:0")
        )
        added = author.post(add_url(post_test), form_data(post_test, rows=["A", "B"], action="add"))

        assert self.rows_of(removed) == ["B", "C"]
        assert self.rows_of(added) == ["A", "B", ""]
        assert post_test.questions.count() == 5

    def test_the_page_has_a_move_up_button_and_a_correct_mark_beside_each_choice(
        self, author, post_test
    ):
        page = author.get(add_url(post_test)).content.decode()

        rows = page.split('<template id="choice-row-template">')[0]  # the JS row template
        assert rows.count('value="up:') == 5
        assert rows.count('name="correct_choice"') == 5
        assert 'value="up:0" class="btn btn-sm btn-outline-secondary" data-move-up disabled' in rows
        assert 'src="/static/js/question_editor.js"' in page


class TestPreview:
    def test_preview_shows_the_question_as_learners_see_it_without_saving(self, author, post_test):
        data = form_data(
            post_test,
            rows=["Dupilumab", "Nemolizumab", "Tralokinumab"],
            correct=1,
            action="preview",
        )

        response = author.post(add_url(post_test), data)

        page = response.content.decode()
        assert "Preview: the question as learners see it" in page
        assert "Question 1 of 1." in page
        assert 'name="preview-item-preview"' in page
        assert page.count("Nemolizumab") >= 2  # the editor row and the preview
        assert post_test.questions.count() == 5

    def test_an_existing_question_is_previewed_on_opening(self, author, post_test):
        question = post_test.questions.first()

        page = author.get(reverse("quizzes:edit_question", kwargs={"pk": question.pk}))

        assert "Preview: the question as learners see it" in page.content.decode()


class TestHistory:
    @pytest.fixture
    def revised(self, ready_learner, post_test):
        attempt = start_attempt(ready_learner, post_test=post_test)
        submit_attempt(attempt, answers=answers_for(attempt))
        question = Question.objects.get(post_test=post_test, position=1)
        revise_question(
            question,
            kind=QuestionKind.SINGLE_BEST_ANSWER,
            stem="Question 1, reworded?",
            rationale="Because of passage 1.",
            choices=[("A", False), ("B", True), ("C", False), ("D", False)],
        )
        return question

    def test_the_history_lists_versions_with_what_changed_and_the_attempts_that_used_them(
        self, author, revised
    ):
        page = author.get(reverse("quizzes:question_history", kwargs={"pk": revised.pk}))

        text = page.content.decode()
        assert [e.version.number for e in page.context["history"]] == [2, 1]
        assert [e.changes for e in page.context["history"]] == [
            ("Wording of the question", "Correct answer"),
            ("First version",),
        ]
        assert [(e.graded, e.in_progress) for e in page.context["history"]] == [(0, 0), (1, 0)]
        assert "Used by 1 graded attempt." in text
        assert "attempt 1</a>" not in text  # an author sees counts, not learners

    def test_administrators_get_links_to_the_attempts(
        self, client, cme_administrator, revised, ready_learner
    ):
        client.force_login(cme_administrator)

        text = client.get(
            reverse("quizzes:question_history", kwargs={"pk": revised.pk})
        ).content.decode()

        participation = ready_learner.participations.get()
        assert reverse("quizzes:grant", kwargs={"pk": participation.pk}) in text
        assert "attempt 1</a>" in text
