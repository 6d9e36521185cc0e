"""A course author writes a module from nothing and publishes it, in the browser.

The module's fields, its learning objective, faculty and credit offering are written in
Django's admin (the author area links there), the post-test is added in the PostTest admin;
the publish checks, the questions (one page each, choices inline), the previews and the
publication go through the author pages. A learner, in a browser context of their own, sees
the module in the catalog only once it is published.
"""

import datetime
import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import COURSE_AUTHORS
from courses.models import DisclosureAcknowledgement, Module, ModuleStatus
from demo.content import ensure_ama_credit_type
from quizzes.models import Attempt, Participation, QuestionKind
from tests.browser.conftest import log_in_through_the_pages
from tests.factories import (
    LearningObjectiveFactory,
    ModuleFactory,
    PostTestFactory,
    UserFactory,
)

PASSWORD = "correct-horse-battery"

TITLE = "Recognizing Drug Reaction with Eosinophilia and Systemic Symptoms"
SLUG = "recognizing-dress"
SUMMARY = "How to recognize DRESS early, which drugs cause it, and when to stop them."
AUDIENCE = "Dermatologists and primary care physicians"
ARTICLE = "# Background\n\nDRESS is a severe, delayed drug hypersensitivity reaction."
ACCREDITATION = (
    "Demo CME Provider is accredited by the Accreditation Council for Continuing Medical "
    "Education (ACCME) to provide continuing medical education for physicians."
)
OBJECTIVE = "Recognize the early signs of DRESS"
FACULTY_NAME = "Jordan Avery"
NO_RELATIONSHIPS = "No relevant financial relationships"
AMA_CREDIT = "AMA PRA Category 1 Credit™"

# (stem, the correct answer of "True"/"False", rationale): written as true-or-false questions.
QUESTIONS = [
    ("DRESS usually begins within 24 hours of the first dose.", "False",
     "The article: onset is typically 2 to 8 weeks after the drug is started."),
    ("Eosinophilia is a common laboratory finding in DRESS.", "True",
     "The article: most patients have eosinophilia."),
    ("Allopurinol is among the drugs most often implicated.", "True",
     "The article lists allopurinol with the aromatic anticonvulsants."),
    ("Liver involvement is rare in DRESS.", "False",
     "The article: the liver is the internal organ most often involved."),
    ("The culprit drug should be stopped as soon as DRESS is suspected.", "True",
     "The article: stopping the drug early is the first step of treatment."),
]  # fmt: skip


# --- Helpers -------------------------------------------------------------------------------


def labelled(text):
    """An accessible name that is `text`, give or take the "*" crispy-forms appends to the
    label of a required field."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def field(page, label):
    return page.get_by_label(labelled(label))


def log_in(page, site_url, user):
    log_in_through_the_pages(page, site_url, user, PASSWORD)


def status_message(page):
    """The message the site shows after an action (Django's messages framework)."""
    return page.get_by_role("main").get_by_role("status").first


def admin_field(scope, label):
    """A field of a Django admin form, by its label ("Title:")."""
    return scope.get_by_label(f"{label}:", exact=True)


def add_inline_row(page, verbose_name):
    """Click the admin's "Add another …" button of an inline (the rows start empty)."""
    page.get_by_role("button", name=f"Add another {verbose_name}").click()


def write_module_in_the_admin(page, today):
    """From "New module" in Author tools: the module's fields and its inlines, then Save."""
    admin_field(page, "Title").fill(TITLE)
    admin_field(page, "Title").press("Tab")  # the admin fills in a slug from the title
    expect(admin_field(page, "Slug")).to_have_value(re.compile("^recognizing-drug-reaction"))
    admin_field(page, "Slug").fill(SLUG)
    expect(admin_field(page, "Slug")).to_have_value(SLUG)
    admin_field(page, "Summary").fill(SUMMARY)
    admin_field(page, "Target audience").fill(AUDIENCE)
    admin_field(page, "Estimated time to complete (minutes)").fill("20")
    admin_field(page, "Article").fill(ARTICLE)
    admin_field(page, "Accreditation statement").fill(ACCREDITATION)
    admin_field(page, "Commercial support").select_option(label="No commercial support received")
    admin_field(page, "PARS activity ID").fill("202600001")
    admin_field(page, "Release date").fill((today - datetime.timedelta(days=1)).isoformat())
    admin_field(page, "Termination (expiry) date").fill(
        (today + datetime.timedelta(days=365)).isoformat()
    )
    admin_field(page, "Last reviewed date").fill(today.isoformat())

    # Tabular inlines: Django's admin gives their cells no labels (only column headings),
    # so their inputs are found by name.
    add_inline_row(page, "Credit designation")
    page.locator("[name='credits-0-credit_type']").select_option(label=AMA_CREDIT)
    page.locator("[name='credits-0-max_credits']").fill("0.50")

    add_inline_row(page, "Learning objective")
    page.locator("[name='objectives-0-text']").fill(OBJECTIVE)

    # The faculty inline is stacked: each row has labelled fields (the hidden template row
    # has the same labels, hence the scope).
    add_inline_row(page, "Faculty member")
    person = page.locator("#faculty-0")
    admin_field(person, "Name").fill(FACULTY_NAME)
    admin_field(person, "Degrees").fill("MD")
    admin_field(person, "Role").select_option(label="Author")
    admin_field(person, "Disclosure status").select_option(label=NO_RELATIONSHIPS)

    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")


def add_true_or_false_question(page, stem, answer, rationale):
    """On the author page: "Add a question", fill its one page, save."""
    page.get_by_role("link", name="Add a question").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New question")
    field(page, "Objective").select_option(label=OBJECTIVE)
    field(page, "Question type").select_option(label="True or false")
    field(page, "Question").fill(stem)
    for number, text in enumerate(["True", "False"], start=1):
        page.get_by_label(f"Choice {number}", exact=True).fill(text)
        page.get_by_label(f"Choice {number} is correct", exact=True).set_checked(text == answer)
    field(page, "Rationale").fill(rationale)
    page.get_by_role("button", name="Save question").click()
    expect(status_message(page)).to_have_text("The question is saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


def publish_problems(page):
    return page.locator("#publish-problems").get_by_role("listitem")


def catalog_titles(page, site_url):
    page.goto(site_url("courses:catalog"))
    return page.get_by_role("list", name="Activities").get_by_role("heading")


@pytest.fixture
def course_author(transactional_db):
    user = UserFactory(email="author@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=COURSE_AUTHORS))
    return user


@pytest.fixture
def learner_page(browser, live_server):
    """A second browser, for a learner, beside the author's."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


# --- The journey ---------------------------------------------------------------------------


def test_an_author_writes_a_module_adds_questions_previews_and_publishes_it(
    page, learner_page, site_url, demo_module, course_author, axe_check
):
    """A course author logs in and opens "Author tools", then "New module": in the admin
    they write the title, slug, summary, audience, minutes, article, accreditation
    statement and dates, one learning objective, one faculty member with "No relevant
    financial relationships", and an offer of 0.5 AMA PRA Category 1 Credit™; then they add
    the post-test, with its default settings, in the PostTest admin.

    On the module's author page the publish checks refuse it: the post-test needs at least 5
    questions and no question assesses the objective. Pressing Publish anyway says the
    module cannot be published yet; it stays a draft. The author adds 5 questions with "Add
    a question", one page each; the checks then pass. They preview the post-test, answer
    (4 of 5 right) and are told a learner would pass with 80%, and no attempt is recorded;
    they preview the module page under a preview banner, and publish. A learner, who could
    not see the draft, now finds it in the catalog and can start its post-test."""
    ensure_ama_credit_type()
    today = timezone.localdate()
    learner = UserFactory()
    log_in(learner_page, site_url, learner)
    expect(catalog_titles(learner_page, site_url)).to_have_text([demo_module.title])

    log_in(page, site_url, course_author)
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Author tools"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Modules")
    with page.expect_response(re.compile(r"/admin/courses/module/add/$")) as opened:
        page.get_by_role("link", name="New module").click()
    assert opened.value.status == 200, (
        f"the admin's Add module page answered {opened.value.status} {opened.value.status_text}"
    )
    write_module_in_the_admin(page, today)

    module = Module.objects.get(slug=SLUG)
    assert module.status == ModuleStatus.DRAFT
    assert list(module.objectives.values_list("text", flat=True)) == [OBJECTIVE]
    assert module.faculty.get().disclosure_status == "none"
    assert str(module.credits.get().max_credits) == "0.50"

    page.goto(site_url("admin:quizzes_posttest_add"))
    admin_field(page, "Module").select_option(label=TITLE)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # The author page: the checks refuse the module, and so does Publish.
    page.get_by_role("link", name="View site").click()
    page.get_by_role("link", name="Author tools").click()
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(publish_problems(page)).to_have_text(
        [
            "The post-test needs at least 5 questions; it has 0.",
            f"No question assesses the objective “{OBJECTIVE}”.",
        ]
    )
    axe_check()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(status_message(page)).to_have_text(
        "This module cannot be published yet; see the list below."
    )
    expect(page.get_by_role("main")).to_contain_text("Edition 1 · Draft")
    expect(publish_problems(page)).to_have_count(2)
    module.refresh_from_db()
    assert module.status == ModuleStatus.DRAFT

    # Five questions, one page each.
    page.get_by_role("link", name="Add a question").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New question")
    axe_check()
    page.go_back()
    for stem, answer, rationale in QUESTIONS:
        add_true_or_false_question(page, stem, answer, rationale)
    questions = page.locator("#questions").get_by_role("listitem")
    expect(questions).to_have_count(len(QUESTIONS))
    expect(questions.first).to_contain_text(QUESTIONS[0][0])
    expect(page.locator("#publish-problems")).to_have_count(0)
    expect(page.locator("#publish-checks")).to_contain_text(
        "Everything accreditation and the post-test need is in place."
    )

    # Preview the post-test: graded, nothing written.
    page.get_by_role("link", name="Preview the post-test").click()
    expect(page.get_by_role("status").filter(has_text="Preview.")).to_contain_text(
        "Nothing you answer here is saved or counted."
    )
    for number, (stem, answer, _) in enumerate(QUESTIONS, start=1):
        wrong = "True" if answer == "False" else "False"
        group = page.get_by_role("group", name=f"Question {number} of {len(QUESTIONS)}. {stem}")
        group.get_by_label(wrong if number == 4 else answer, exact=True).check()
    page.get_by_role("button", name="Submit my answers").click()
    outcome = page.get_by_role("region", name=re.compile("^A learner would"))
    expect(outcome.get_by_role("heading")).to_have_text("A learner would pass")
    expect(outcome).to_contain_text(re.compile(r"Score: 80(\.0+)?% \(4 of 5 correct\)"))
    expect(page.get_by_text("Rationale:")).to_have_count(len(QUESTIONS))
    assert Attempt.objects.count() == 0
    assert Participation.objects.count() == 0

    # Preview the module page: shown under a banner, the learner's record untouched.
    page.get_by_role("link", name=f"← {TITLE}").click()
    page.get_by_role("link", name="Preview the module").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("status").filter(has_text="Preview.")).to_have_text(
        "Preview. This module is draft; learners cannot see it."
    )
    assert not DisclosureAcknowledgement.objects.filter(module=module).exists()

    # A learner cannot see the draft.
    expect(catalog_titles(learner_page, site_url)).to_have_text([demo_module.title])
    response = learner_page.goto(site_url("courses:module", slug=SLUG))
    assert response.status == 404

    # Publish.
    page.go_back()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(status_message(page)).to_have_text(f"Published “{TITLE}”.")
    expect(page.get_by_role("main")).to_contain_text("Edition 1 · Published")
    expect(page.get_by_role("button", name="Archive")).to_be_visible()
    module.refresh_from_db()
    assert module.status == ModuleStatus.PUBLISHED
    assert module.published_at is not None

    # The learner finds it in the catalog, with its credit, and can take the post-test.
    titles = catalog_titles(learner_page, site_url)
    expect(titles).to_have_count(2)
    expect(titles.filter(has_text=TITLE)).to_have_count(1)
    learner_page.get_by_label("Search by title").fill("eosinophilia")
    learner_page.get_by_role("button", name="Search").click()
    activities = learner_page.get_by_role("list", name="Activities")
    expect(activities.get_by_role("heading")).to_have_text([TITLE])
    expect(activities).to_contain_text(f"0.5 {AMA_CREDIT}")
    activities.get_by_role("link", name=TITLE).click()
    expect(learner_page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(learner_page.get_by_role("status").filter(has_text="Preview.")).to_have_count(0)
    expect(learner_page.get_by_role("region", name="Faculty and disclosures")).to_contain_text(
        FACULTY_NAME
    )
    expect(learner_page.get_by_role("button", name="Start the post-test")).to_be_visible()


def test_a_single_best_answer_question_with_four_choices_can_be_written_on_its_page(
    page, site_url, course_author
):
    """The question page says a single-best-answer question needs at least three choices.
    An author adding one to a module (with an objective and a post-test) fills in the stem,
    four choices with the first one correct, and the rationale, and saves: the question is
    saved with its four choices."""
    module = ModuleFactory(status=ModuleStatus.DRAFT, published_at=None, title=TITLE)
    LearningObjectiveFactory(module=module, text=OBJECTIVE)
    PostTestFactory(module=module)
    choices = ["Allopurinol", "Amoxicillin", "Metformin", "Lisinopril"]

    log_in(page, site_url, course_author)
    page.goto(site_url("courses:author_module", slug=module.slug))
    page.get_by_role("link", name="Add a question").click()
    field(page, "Objective").select_option(label=OBJECTIVE)
    field(page, "Question type").select_option(label="Single best answer")
    field(page, "Question").fill("Which of these drugs most often causes DRESS?")
    rows = page.get_by_label(re.compile(r"^Choice \d+$"))
    expect(rows.first).to_be_visible()
    assert rows.count() >= len(choices), "the page offers fewer choice rows than needed"
    for number, text in enumerate(choices, start=1):
        page.get_by_label(f"Choice {number}", exact=True).fill(text)
    page.get_by_label("Choice 1 is correct", exact=True).check()
    field(page, "Rationale").fill("The article names allopurinol first.")
    page.get_by_role("button", name="Save question").click()

    expect(status_message(page)).to_have_text("The question is saved.")
    question = module.post_test.questions.get()
    assert question.current_version.kind == QuestionKind.SINGLE_BEST_ANSWER
    assert [c.text for c in question.current_version.choices.all()] == choices
