"""An author writes a question on a phone, by keyboard alone: the correct answer marked
beside its choice, a choice moved up and one added in place by the editor's script, saved;
the editor, its preview and the question's history are axe clean at 375 px and never
scroll sideways."""

import re

from playwright.sync_api import expect

from quizzes.models import Question
from tests.browser.conftest import log_in_through_the_pages
from tests.browser.test_phone_width import PHONE, assert_fits_the_phone

PASSWORD = "correct-horse-battery"


def test_an_author_writes_a_question_by_keyboard_on_a_phone(
    page, site_url, demo_module, course_author, axe_check
):
    log_in_through_the_pages(page, site_url, course_author, PASSWORD)
    page.set_viewport_size(PHONE)
    assert_fits_the_phone(page, site_url("quizzes:add_question", slug=demo_module.slug), axe_check)

    page.get_by_label("Objective").select_option(index=1)
    page.get_by_label(re.compile(r"^\s*Question\s*\*?\s*$")).fill(
        "Which agent was associated with the eruptions?"
    )
    for number, text in enumerate(["Dupilumab", "Tralokinumab", "Nemolizumab"], start=1):
        page.get_by_label(f"Choice {number}", exact=True).fill(text)
    # From the third choice, Tab reaches its "Correct" mark, then its "Move up" button.
    page.get_by_label("Choice 3", exact=True).focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("radio", name="Correct answer: choice 3")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Move up choice 3")).to_be_focused()
    page.keyboard.press("Enter")  # moved in place: it is now choice 2, and keeps the focus
    expect(page.get_by_label("Choice 2", exact=True)).to_have_value("Nemolizumab")
    expect(page.get_by_role("button", name="Move up choice 2")).to_be_focused()
    expect(page.get_by_role("radio", name="Correct answer: choice 2")).to_be_checked()

    page.get_by_role("button", name="Add a choice").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Choice 6", exact=True)).to_be_focused()
    page.keyboard.type("Omalizumab")
    page.get_by_label("Rationale").fill("The commentary names nemolizumab in its first line.")
    axe_check()
    page.get_by_role("button", name="Save question", exact=True).focus()
    page.keyboard.press("Enter")

    expect(page.get_by_text("The question is saved.")).to_be_visible()
    question = Question.objects.filter(post_test=demo_module.post_test).order_by("-pk").first()
    assert list(question.current_version.choices.values_list("text", "is_correct")) == [
        ("Dupilumab", False),
        ("Nemolizumab", True),
        ("Tralokinumab", False),
        ("Omalizumab", False),
    ]

    assert_fits_the_phone(page, site_url("quizzes:edit_question", pk=question.pk), axe_check)
    expect(
        page.get_by_role("heading", name="Preview: the question as learners see it")
    ).to_be_visible()
    assert_fits_the_phone(page, site_url("quizzes:question_history", pk=question.pk), axe_check)


def test_a_true_or_false_question_shows_only_the_answer_to_pick(
    page, site_url, demo_module, course_author, axe_check
):
    log_in_through_the_pages(page, site_url, course_author, PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto(site_url("quizzes:add_question", slug=demo_module.slug))

    page.get_by_label("Question type").select_option("true_false")

    expect(page.get_by_label("Choice 1", exact=True)).to_be_hidden()
    expect(page.get_by_label("The statement is false")).to_be_visible()
    axe_check()
