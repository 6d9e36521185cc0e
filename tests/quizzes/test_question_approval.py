"""What is published is what was approved: any change to a draft's questions after a
reviewer approved it withdraws the approval, whichever way the change is made (the question
page, retiring a question, a GIFT import), and says why. Published modules keep theirs."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.models import ModuleStatus, Review, ReviewKind, ReviewStatus
from courses.reviews import approve_review, submit_for_review
from quizzes.authoring import add_question, revise_question, set_question_in_use
from tests.factories import ModuleFactory, post_test_with_questions

pytestmark = pytest.mark.django_db

WITHDRAWN_BECAUSE = "Approval withdrawn: the post-test's questions changed after approval."


@pytest.fixture
def approved_draft(course_author, cme_administrator):
    """A draft module with a five-question post-test, approved by a reviewer."""
    post_test = post_test_with_questions(5, module=ModuleFactory(status=ModuleStatus.DRAFT))
    approve_review(submit_for_review(post_test.module, by=course_author), by=cme_administrator)
    return post_test


def approval(post_test) -> Review:
    return Review.objects.get(module=post_test.module)


def question_form(post_test, *, stem="Which drug was studied?", is_active=True):
    data = {
        "objective": post_test.module.objectives.get().pk,
        "kind": "single",
        "stem": stem,
        "rationale": "The first paragraph names it.",
        "choices-TOTAL_FORMS": "3",
        "choices-INITIAL_FORMS": "0",
        "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "12",
        "choices-0-text": "Nemolizumab",
        "choices-1-text": "Dupilumab",
        "choices-2-text": "Tralokinumab",
        "correct_choice": "0",
        "action": "save",
    }
    if is_active:
        data["is_active"] = "on"
    return data


def test_a_question_added_on_the_page_withdraws_the_approval(client, course_author, approved_draft):
    client.force_login(course_author)

    client.post(
        reverse("quizzes:add_question", kwargs={"slug": approved_draft.module.slug}),
        question_form(approved_draft),
    )

    review = approval(approved_draft)
    assert approved_draft.questions.count() == 6
    assert review.status == ReviewStatus.WITHDRAWN
    assert review.withdrawn_reason == WITHDRAWN_BECAUSE


def test_a_question_reworded_withdraws_the_approval(course_author, approved_draft):
    question = approved_draft.questions.first()

    revise_question(
        question,
        kind="single",
        stem="Reworded?",
        rationale="Because.",
        choices=[("A", True), ("B", False), ("C", False)],
        by=course_author,
    )

    assert approval(approved_draft).status == ReviewStatus.WITHDRAWN


def test_a_question_retired_withdraws_the_approval_but_saving_it_unchanged_does_not(
    course_author, approved_draft
):
    question = approved_draft.questions.first()

    set_question_in_use(question, in_use=True, by=course_author)
    assert approval(approved_draft).status == ReviewStatus.APPROVED

    set_question_in_use(question, in_use=False, by=course_author)
    assert approval(approved_draft).status == ReviewStatus.WITHDRAWN


def test_a_gift_import_withdraws_the_approval(client, course_author, approved_draft):
    client.force_login(course_author)
    url = reverse("quizzes:gift_import", args=[approved_draft.module.slug])
    gift = "::Q6:: Which drug was studied? {=Nemolizumab ~Dupilumab ~Tralokinumab}\n"
    preview = client.post(
        url,
        {
            "file": SimpleUploadedFile("q.gift.txt", gift.encode()),
            "default_objective": approved_draft.module.objectives.get().pk,
        },
    )

    client.post(url, {"token": preview.context["confirm"]["token"].value()})

    assert approved_draft.questions.count() == 6
    assert approval(approved_draft).status == ReviewStatus.WITHDRAWN


def test_a_published_module_keeps_its_content_review_when_a_question_is_added(
    course_author, cme_administrator
):
    post_test = post_test_with_questions(2)  # published
    review = submit_for_review(post_test.module, by=course_author, kind=ReviewKind.CONTENT_REVIEW)
    approve_review(review, by=cme_administrator)

    add_question(
        post_test,
        objective=post_test.module.objectives.get(),
        kind="single",
        stem="Late?",
        rationale="Because.",
        choices=[("A", True), ("B", False), ("C", False)],
        by=course_author,
    )

    assert approval(post_test).status == ReviewStatus.APPROVED
