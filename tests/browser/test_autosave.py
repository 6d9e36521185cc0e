"""Answers saved as they are chosen, in the browser: each answer says "Saved" under its
question, survives a reload and a new log-in, an expired session is told plainly, and
without JavaScript the form still submits every answer.

The demo post-test has 8 questions, a passing score of 70% and 3 attempts."""

import re

import pytest
from playwright.sync_api import expect

from quizzes.models import AttemptResponse, AttemptStatus
from tests.browser.test_post_test_journey import (
    ALL_QUESTIONS,
    PASSWORD,
    answer,
    attempts_of,
    choice,
    choices_to_pick,
    field,
    log_in,
    outcome,
    question,
    start_post_test,
    submit,
)
from tests.factories import UserFactory

LOGGED_OUT = "Not saved — log in again; your earlier answers are kept."


def status_of(page, number):
    """The question's status line, a live region (not role=status, which the page's
    messages have)."""
    return question(page, number).locator(".answer-status[aria-live=polite]")


def choose(page, number):
    for text in choices_to_pick(number, correct=True):
        choice(page, number, text).check()
    expect(status_of(page, number)).to_have_text("Saved")


def expect_chosen(page, numbers):
    for number in ALL_QUESTIONS:
        for text in choices_to_pick(number, correct=True):
            if number in numbers:
                expect(choice(page, number, text)).to_be_checked()
            else:
                expect(choice(page, number, text)).not_to_be_checked()


def test_answers_are_saved_as_chosen_and_kept_over_a_reload_and_a_new_log_in(
    page, site_url, demo_module
):
    """A learner answers three questions; each says "Saved". They reload the page: the three
    answers are still chosen. They log out (their session ends) and log in again: the
    attempt opens with the same three answers chosen. They answer the other five and
    submit: all eight are graded."""
    learner = UserFactory()
    log_in(page, site_url, learner)
    start_post_test(page, site_url, demo_module)
    expect(page.locator("#autosave-note")).to_be_visible()

    for number in (1, 2, 3):
        choose(page, number)
    expect(status_of(page, 4)).to_have_text("")
    attempt = attempts_of(learner).get()
    assert AttemptResponse.objects.filter(item__attempt=attempt).count() >= 3

    page.reload()
    expect_chosen(page, {1, 2, 3})

    page.get_by_role("button", name="Log out").click()
    page.context.clear_cookies()
    log_in(page, site_url, learner)
    start_post_test(page, site_url, demo_module)  # "Resume the post-test"
    expect_chosen(page, {1, 2, 3})

    answer(page, skip={1, 2, 3})
    submit(page)

    expect(outcome(page).get_by_role("heading")).to_have_text("You passed")
    expect(outcome(page)).to_contain_text("Score: 100% (8 of 8 correct)")
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.GRADED


def test_an_expired_session_says_the_answer_was_not_saved_and_to_log_in_again(
    page, site_url, demo_module
):
    """The session ends while the learner is answering (its cookie is gone, as after the
    session's expiry). The next answer says it was not saved and to log in again; the link
    leads back to the attempt after logging in, where the earlier answer is chosen."""
    learner = UserFactory()
    log_in(page, site_url, learner)
    start_post_test(page, site_url, demo_module)
    choose(page, 1)

    page.context.clear_cookies(name="sessionid")
    choice(page, 2, choices_to_pick(2, correct=True)[0]).check()

    expect(status_of(page, 2)).to_have_text(f"{LOGGED_OUT} Log in")
    status_of(page, 2).get_by_role("link", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    field(page, "E-mail address").fill(learner.email)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Post-test")
    expect_chosen(page, {1})


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_without_javascript_the_form_still_submits_every_answer(page, site_url, demo_module):
    """With JavaScript off nothing is saved until the submit, the note about saving is not
    shown, and the submit grades the answers the form carries."""
    learner = UserFactory()
    log_in(page, site_url, learner)
    start_post_test(page, site_url, demo_module)
    expect(page.locator("#autosave-note")).to_be_hidden()

    answer(page, wrong={8})
    assert not AttemptResponse.objects.exists()
    submit(page)

    expect(outcome(page).get_by_role("heading")).to_have_text("You passed")
    expect(outcome(page)).to_contain_text("(7 of 8 correct)")
