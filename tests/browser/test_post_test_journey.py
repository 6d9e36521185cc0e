"""Taking the demo module's post-test in the browser: failing, trying again, passing, running
out of attempts, leaving a question blank, using only the keyboard, and what axe-core finds on
the post-test pages.

The demo post-test has 8 questions, a passing score of 70% and 3 attempts. Under its review
policy the correct answers and rationales are shown only once the learner has passed or has
used the last attempt.
"""

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from demo.content import OBJECTIVES, QUESTIONS
from quizzes.models import Attempt, QuestionKind
from tests.factories import UserFactory, answers_for

PASSWORD = "correct-horse-battery"
SUPPORT_EMAIL = "cme-support@localhost"
USED_UP = "You have used all 3 attempts at this post-test, so credit cannot be claimed for it."
ALL_QUESTIONS = range(1, len(QUESTIONS) + 1)
MAX_TAB_PRESSES = 200


# --- Helpers -------------------------------------------------------------------------------


def field(page, label):
    """The form field labelled exactly so, with or without the "*" of a required field."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def log_in(page, site_url, user):
    page.goto(site_url("account_login"))
    field(page, "E-mail address").fill(user.email)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def open_module(page, site_url, module):
    """Open the module page; this is also where the learner is shown the disclosures."""
    page.goto(site_url("courses:module", slug=module.slug))
    expect(page.get_by_role("heading", level=1)).to_have_text(module.title)


def start_post_test(page, site_url, module):
    open_module(page, site_url, module)
    page.get_by_role("button", name=re.compile(r"^(Start|Resume) the post-test$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Post-test")


def question(page, number):
    """The fieldset of demo question `number` (1-based), found by the stem in its legend.

    (Found by its legend's text rather than as the group so named: see
    test_each_question_is_a_group_named_by_its_legend.)
    """
    stem = QUESTIONS[number - 1][2]
    return page.locator("fieldset").filter(has=page.locator("legend", has_text=stem))


def choices_to_pick(number, *, correct):
    """The choice texts a learner picks: every correct one, or else the first wrong one."""
    choices = QUESTIONS[number - 1][3]
    if correct:
        return [text for text, is_correct in choices if is_correct]
    return [next(text for text, is_correct in choices if not is_correct)]


def choice(page, number, text):
    return question(page, number).get_by_label(text, exact=True)


def answer(page, *, wrong=(), skip=()):
    """Answer every demo question with the mouse: correctly, except those in `wrong`;
    questions in `skip` are left blank."""
    for number in ALL_QUESTIONS:
        if number in skip:
            continue
        for text in choices_to_pick(number, correct=number not in wrong):
            choice(page, number, text).check()


def submit(page):
    page.get_by_role("button", name="Submit my answers").click()


def outcome(page):
    return page.get_by_role("region", name=re.compile(r"^You (passed|did not pass( this time)?)$"))


def attempts_of(user):
    return Attempt.objects.filter(learner=user)


def tab_until(page, predicate, arg=None, *, what):
    """Press Tab until `predicate(document.activeElement, arg)` holds (a JS function)."""
    for _ in range(MAX_TAB_PRESSES):
        page.keyboard.press("Tab")
        if page.evaluate(f"arg => ({predicate})(document.activeElement, arg)", arg):
            return
    pytest.fail(f"{MAX_TAB_PRESSES} presses of Tab never reached {what}")


def active_id(page):
    return page.evaluate("document.activeElement.id")


# --- Journeys ------------------------------------------------------------------------------


def test_a_learner_fails_once_then_passes_and_only_then_sees_the_answers(
    page, site_url, demo_module
):
    """A learner starts the post-test and gets three questions wrong (5 of 8, 62.5%). The
    result says they did not pass, shows the score, that 2 attempts are left and which
    learning objectives to revisit (those of the missed questions only), but no correct
    answers and no rationales. They click "Try again", which opens attempt 2 of 3, answer
    every question correctly and pass with 100%. Now the result reviews every question
    with its rationale and offers the next step: "Evaluate and claim credit"."""
    learner = UserFactory()
    log_in(page, site_url, learner)
    start_post_test(page, site_url, demo_module)
    expect(page.locator("#attempt-rules")).to_contain_text("Attempt 1 of 3.")

    # Questions 1 and 2 cover objective 1, question 8 objective 4.
    answer(page, wrong={1, 2, 8})
    submit(page)

    expect(outcome(page).get_by_role("heading")).to_have_text("You did not pass this time")
    expect(outcome(page)).to_contain_text(re.compile(r"Score: 62\.50?% \(5 of 8 correct\)"))
    expect(outcome(page)).to_contain_text("You have 2 attempts left.")
    revisit = page.get_by_role("region", name="Objectives to revisit")
    expect(revisit.get_by_role("listitem")).to_have_text([OBJECTIVES[0], OBJECTIVES[3]])
    expect(page.get_by_role("region", name="Review your answers")).to_have_count(0)
    expect(page.get_by_text("Rationale:")).to_have_count(0)
    expect(page.get_by_text("correct answer", exact=True)).to_have_count(0)
    expect(page.get_by_role("main")).not_to_contain_text("40.2%")  # the answer to question 1
    expect(page.get_by_role("link", name="Evaluate and claim credit")).to_have_count(0)

    page.get_by_role("button", name="Try again").click()
    expect(page.locator("#attempt-rules")).to_contain_text("Attempt 2 of 3.")
    for number in ALL_QUESTIONS:  # a new attempt starts blank
        expect(question(page, number).locator("input:checked")).to_have_count(0)
    answer(page)
    submit(page)

    expect(outcome(page).get_by_role("heading")).to_have_text("You passed")
    expect(outcome(page)).to_contain_text("Score: 100% (8 of 8 correct)")
    expect(outcome(page)).not_to_contain_text("attempts left")
    review = page.get_by_role("region", name="Review your answers")
    expect(review.get_by_text("Rationale:")).to_have_count(len(QUESTIONS))
    expect(review).to_contain_text(QUESTIONS[0][4])
    expect(page.get_by_role("region", name="Objectives to revisit")).to_have_count(0)
    expect(page.get_by_role("button", name="Try again")).to_have_count(0)
    expect(page.get_by_role("link", name="Evaluate and claim credit")).to_have_attribute(
        "href", re.compile(re.escape(demo_module.slug))
    )
    assert attempts_of(learner).count() == 2


def test_a_learner_who_fails_all_three_attempts_is_locked_out(page, site_url, demo_module):
    """A learner fails the post-test three times. After the first and second failures the
    result counts down the attempts left (2, then 1). After the third the result says
    "No attempts left" and whom to write to; as the last attempt is used, the answers and
    rationales are now shown. The module page says all attempts are used and offers no
    way to start the post-test. Reloading the result, replaying the last submission and
    replaying the start of a new attempt change nothing: the learner has 3 attempts, no
    more."""
    learner = UserFactory()
    log_in(page, site_url, learner)

    for number, left in [(1, "You have 2 attempts left."), (2, "You have 1 attempt left.")]:
        start_post_test(page, site_url, demo_module)
        expect(page.locator("#attempt-rules")).to_contain_text(f"Attempt {number} of 3.")
        answer(page, wrong=ALL_QUESTIONS)
        submit(page)
        expect(outcome(page).get_by_role("heading")).to_have_text("You did not pass this time")
        expect(outcome(page)).to_contain_text(left)
        expect(page.get_by_role("button", name="Try again")).to_be_visible()
        expect(page.get_by_text("Rationale:")).to_have_count(0)

    page.get_by_role("button", name="Try again").click()
    expect(page.locator("#attempt-rules")).to_contain_text("Attempt 3 of 3.")
    answer(page, wrong=ALL_QUESTIONS)
    last_attempt_url = page.url
    last_submission = page.evaluate("() => [...new FormData(document.querySelector('main form'))]")
    submit(page)

    expect(outcome(page).get_by_role("heading")).to_have_text("You did not pass")
    expect(outcome(page)).to_contain_text("Score: 0%")
    expect(outcome(page)).not_to_contain_text("attempts left")
    no_attempts_left = page.locator("#no-attempts-left")
    expect(no_attempts_left.get_by_role("heading")).to_have_text("No attempts left")
    expect(no_attempts_left.get_by_role("link", name=SUPPORT_EMAIL)).to_have_attribute(
        "href", f"mailto:{SUPPORT_EMAIL}"
    )
    expect(page.get_by_role("button", name="Try again")).to_have_count(0)
    expect(page.get_by_role("region", name="Review your answers")).to_be_visible()
    expect(page.get_by_text("Rationale:")).to_have_count(len(QUESTIONS))
    result_url = page.url

    page.reload()
    expect(page.locator("#no-attempts-left")).to_be_visible()

    # Replays, with the page's own CSRF token (the log-out form carries one).
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    form_encoded = {"Content-Type": "application/x-www-form-urlencoded"}
    replayed_submit = page.request.post(
        last_attempt_url,
        data=urlencode([tuple(pair) for pair in last_submission]),
        headers=form_encoded,
    )
    assert replayed_submit.ok
    assert replayed_submit.url == result_url
    replayed_start = page.request.post(
        site_url("quizzes:start", slug=demo_module.slug),
        data=urlencode({"csrfmiddlewaretoken": token}),
        headers=form_encoded,
    )
    assert replayed_start.ok
    assert replayed_start.url == site_url("courses:module", slug=demo_module.slug)
    assert "You have used all 3 attempts at this post-test." in replayed_start.text()

    open_module(page, site_url, demo_module)
    expect(page.locator("#post-test-rules")).to_have_count(0)
    call_to_action = page.get_by_role("region", name="No attempts left")
    expect(call_to_action).to_contain_text(USED_UP)
    expect(call_to_action.get_by_role("link", name=SUPPORT_EMAIL)).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("the post-test"))).to_have_count(0)

    assert attempts_of(learner).count() == 3
    assert sorted(attempts_of(learner).values_list("passed", flat=True)) == [False] * 3


def test_the_post_test_can_be_taken_with_the_keyboard_alone(page, site_url, demo_module):
    """A learner who uses only the keyboard tabs from the top of the module page to
    "Start the post-test" and presses Enter. On the post-test they Tab into each question:
    in a group of radio buttons the arrow keys move to the answer (Space picks the first),
    in the "Select all that apply" question Space ticks each wanted box. They Tab on to
    "Submit my answers" and press Enter; the attempt is graded and they pass with 100%."""
    learner = UserFactory()
    log_in(page, site_url, learner)
    open_module(page, site_url, demo_module)

    tab_until(
        page,
        "(el) => el.tagName === 'BUTTON' && el.textContent.trim() === 'Start the post-test'",
        what="the Start the post-test button",
    )
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Post-test")

    for number in ALL_QUESTIONS:
        kind = QUESTIONS[number - 1][1]
        for text in choices_to_pick(number, correct=True):
            target = choice(page, number, text)
            target_id = target.get_attribute("id")
            if kind == QuestionKind.MULTIPLE_RESPONSE:
                tab_until(page, "(el, id) => el.id === id", target_id, what=f"box {text!r}")
                page.keyboard.press("Space")
            else:
                name = target.get_attribute("name")
                tab_until(page, "(el, name) => el.name === name", name, what=f"question {number}")
                if active_id(page) == target_id:
                    page.keyboard.press("Space")
                for _ in range(len(QUESTIONS[number - 1][3])):
                    if active_id(page) == target_id:
                        break
                    page.keyboard.press("ArrowDown")
            expect(target).to_be_focused()
            expect(target).to_be_checked()

    tab_until(
        page,
        "(el) => el.tagName === 'BUTTON' && el.textContent.trim() === 'Submit my answers'",
        what="the Submit my answers button",
    )
    page.keyboard.press("Enter")

    expect(outcome(page).get_by_role("heading")).to_have_text("You passed")
    expect(outcome(page)).to_contain_text("Score: 100% (8 of 8 correct)")
    assert attempts_of(learner).get().passed


def test_an_unanswered_question_is_pointed_out_and_the_other_answers_are_kept(
    page, site_url, demo_module
):
    """A learner answers every question but the third and submits. Nothing is graded: the
    post-test comes back saying "Please answer every question: 1 question is unanswered.",
    the blank question is described by its error, and every answer already chosen, the
    ticked boxes included, is still chosen. Once they answer the third question and submit,
    the attempt, still the first of three, is graded."""
    learner = UserFactory()
    log_in(page, site_url, learner)
    start_post_test(page, site_url, demo_module)

    answer(page, skip={3})
    submit(page)

    expect(page.get_by_role("status")).to_contain_text(
        "Please answer every question: 1 question is unanswered."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Post-test")
    expect(question(page, 3)).to_have_accessible_description("Answer this question.")
    expect(question(page, 3).locator("input:checked")).to_have_count(0)
    for number in ALL_QUESTIONS:
        if number == 3:
            continue
        picked = choices_to_pick(number, correct=True)
        expect(question(page, number).locator("input:checked")).to_have_count(len(picked))
        for text in picked:
            expect(choice(page, number, text)).to_be_checked()
    assert attempts_of(learner).get().passed is None

    for text in choices_to_pick(3, correct=True):
        choice(page, 3, text).check()
    submit(page)

    expect(outcome(page).get_by_role("heading")).to_have_text("You passed")
    expect(outcome(page)).to_contain_text("Attempt 1 of 3.")
    assert attempts_of(learner).count() == 1


# --- Accessibility -------------------------------------------------------------------------


def _graded_attempts(learner, module, *, failed, passed=False):
    """Take `failed` failed attempts (and then a passed one) through the domain functions;
    returns the last attempt."""
    from quizzes.attempts import start_attempt, submit_attempt

    attempt = None
    for _ in range(failed):
        attempt = start_attempt(learner, post_test=module.post_test)
        attempt = submit_attempt(attempt, answers=answers_for(attempt, correct=0))
    if passed:
        attempt = start_attempt(learner, post_test=module.post_test)
        attempt = submit_attempt(attempt, answers=answers_for(attempt))
    return attempt


@pytest.mark.parametrize(
    ("state", "heading", "expected"),
    [
        ("attempt", "Post-test", "Question 1 of 8."),
        ("attempt with a blank question", "Post-test", "1 question is unanswered."),
        ("failed result", "Your post-test result", "Objectives to revisit"),
        ("passed result", "Your post-test result", "Review your answers"),
        ("result of the last attempt", "Your post-test result", "No attempts left"),
    ],
    ids=["attempt", "attempt-blank-question", "failed", "passed-review", "no-attempts-left"],
)
def test_post_test_pages_have_no_serious_accessibility_violations(
    page, site_url, demo_module, axe_check, state, heading, expected
):
    """A learner on the post-test form (as first shown, and re-shown with a question left
    blank) or on a result (failed with objectives to revisit, passed with the review of
    answers, failed with no attempts left); axe finds nothing serious on the page."""
    learner = UserFactory()
    log_in(page, site_url, learner)
    if state.startswith("attempt"):
        start_post_test(page, site_url, demo_module)
        if state == "attempt with a blank question":
            answer(page, skip={1})
            submit(page)
    else:
        open_module(page, site_url, demo_module)  # the disclosures are shown
        attempt = _graded_attempts(
            learner,
            demo_module,
            failed=3 if state == "result of the last attempt" else 1,
            passed=state == "passed result",
        )
        page.goto(site_url("quizzes:result", pk=attempt.pk))

    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("main")).to_contain_text(expected)
    axe_check()


def test_each_question_is_a_group_named_by_its_legend(page, site_url, demo_module):
    """Each question's answers form a group whose accessible name is its legend, "Question N
    of 8." and the stem, so that a screen reader announces the question when the learner
    moves into its radio buttons or boxes."""
    learner = UserFactory()
    log_in(page, site_url, learner)
    start_post_test(page, site_url, demo_module)

    for number, (_, _, stem, choices, _) in enumerate(QUESTIONS, start=1):
        group = page.get_by_role("group", name=f"Question {number} of 8. {stem}", exact=True)
        expect(group).to_have_count(1)
        expect(group.get_by_role("radio").or_(group.get_by_role("checkbox"))).to_have_count(
            len(choices)
        )
