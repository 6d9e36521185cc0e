"""An author takes a module from nothing to published in the author area, never opening the
Django admin (issue 14's "Done means"), in the browser.

The module editor (text, article with its live preview, an objective, two faculty with
their e-mail addresses, a reference by DOI, an AMA designation and the PARS activity ID,
commercial support), the post-test settings page, five questions in the question editor
(one true-or-false), invitations to disclose that each person follows from their own
e-mail in a browser of their own (one discloses a relationship, the other none), the
planner's mitigation, the previews, the review by a CME administrator, and publication
through the confirmation page that lists the checks. A learner then reads the disclosure
block (both people, the company, the nature, "mitigated") before the article. Every author
page visited is axe clean at desktop width and at 375 px, where it never scrolls sideways;
the editor's main actions are driven by keyboard.
"""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import DisclosureStatus, Module, ModuleStatus
from demo.content import ensure_ama_credit_type
from quizzes.models import Attempt, AttemptDelay, QuestionKind
from tests.browser.conftest import log_in_through_the_pages
from tests.browser.test_disclosure_collection import link_emailed_to
from tests.browser.test_phone_width import PHONE, widest_elements
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"

TITLE = "Recognizing Drug Reaction with Eosinophilia and Systemic Symptoms"
SLUG = "recognizing-dress"
SUMMARY = "How to recognize DRESS early, which drugs cause it, and when to stop them."
AUDIENCE = "Dermatologists and primary care physicians"
ARTICLE = "# Background\n\nDRESS is a severe, delayed drug hypersensitivity reaction."
OBJECTIVE = "Recognize the early signs of DRESS"
REFERENCE = (
    "Kardaun SH, et al. Drug reaction with eosinophilia and systemic symptoms (DRESS): an "
    "original multisystem adverse drug reaction. Br J Dermatol. 2013;169:1071-80. "
    "10.1111/bjd.12501"
)
AMA_CREDIT = "AMA PRA Category 1 Credit™"
PARS_ID = "202600001"
DANA = ("Dana Whitfield", "MD", "Author", "dana@example.org")
LEE = ("Lee Okafor", "PharmD", "Reviewer", "lee@example.org")
MITIGATION = "Peer review of the content by a reviewer without relationships."

# (stem, choices with the correct one first — or "True"/"False" for a true-or-false
# question, rationale)
QUESTIONS = [
    ("Which drug is most often implicated in DRESS?",
     ["Allopurinol", "Amoxicillin", "Metformin"],
     "The article lists allopurinol with the aromatic anticonvulsants."),
    ("When does DRESS usually begin?",
     ["2 to 8 weeks after the drug is started", "Within 24 hours", "After a year"],
     "The article: onset is typically 2 to 8 weeks after the drug is started."),
    ("Which laboratory finding is common in DRESS?",
     ["Eosinophilia", "Neutropenia", "Hyponatremia"],
     "The article: most patients have eosinophilia."),
    ("Which internal organ is most often involved?",
     ["The liver", "The spleen", "The pancreas"],
     "The article: the liver is the internal organ most often involved."),
    ("The culprit drug should be stopped as soon as DRESS is suspected.", "True",
     "The article: stopping the drug early is the first step of treatment."),
]  # fmt: skip


# --- Helpers -------------------------------------------------------------------------------


def labelled(text):
    """An accessible name that is `text`, give or take crispy-forms' "*" for required."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def status_message(page):
    """The message the site shows after an action (Django's messages framework)."""
    return page.get_by_role("main").get_by_role("status").first


def section(page, name):
    """A section of the module editor, e.g. section(page, "article")."""
    return page.locator(f"#section-{name}")


def saved_in(page, name, text):
    expect(section(page, name).locator(".section-status")).to_have_text(text)


def check_author_page(page, axe_check):
    """axe at the browser's desktop width, then at 375 px, where the page must not scroll
    sideways; the desktop width is put back afterwards."""
    desktop = page.viewport_size
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check()
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (
        f"{page.url} is {width} px wide on a {PHONE['width']} px phone; "
        f"widest elements: {widest_elements(page)}"
    )
    axe_check()
    page.set_viewport_size(desktop)


def never_to_the_admin(page, opened):
    """Record every address `page` requests, to show that no step goes through /admin/."""
    page.on("request", lambda request: opened.append(request.url))
    return page


def add_person(page, name, degrees, role, email):
    form = section(page, "faculty").locator("form[action$='/edit/faculty/']")
    form.get_by_label(labelled("Name")).fill(name)
    form.get_by_label(labelled("Degrees")).fill(degrees)
    form.get_by_label(labelled("Role")).select_option(label=role)
    form.get_by_label(labelled("E-mail address")).fill(email)
    form.get_by_role("button", name="Add person").click()
    saved_in(page, "faculty", "Person added.")


def add_question(page, stem, answer, rationale):
    """From the module's author page: "Add a question", fill its page, save."""
    page.locator("#questions").get_by_role("link", name="Add a question").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New question")
    page.wait_for_load_state()  # the editor's script has set up the choice rows
    page.get_by_label(labelled("Objective")).select_option(label=OBJECTIVE)
    page.get_by_label(labelled("Question")).fill(stem)
    if isinstance(answer, str):
        page.get_by_label(labelled("Question type")).select_option(label="True or false")
        page.get_by_label(f"The statement is {answer.lower()}").check()
    else:
        for number, text in enumerate(answer, start=1):
            page.get_by_label(f"Choice {number}", exact=True).fill(text)
        page.get_by_role("radio", name="Correct answer: choice 1").check()
    page.get_by_label(labelled("Rationale")).fill(rationale)
    page.get_by_role("button", name="Save question", exact=True).click()
    expect(status_message(page)).to_have_text("The question is saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)


@pytest.fixture
def new_browser_page(browser):
    """Pages in browser contexts of their own (a person's own browser, no shared cookies)."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(bypass_csp=True, **options)  # axe is injected inline
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


# --- The journey ---------------------------------------------------------------------------


def test_an_author_takes_a_module_from_nothing_to_published_without_the_django_admin(
    page,
    new_browser_page,
    site_url,
    live_server,
    settings,
    course_author,
    cme_administrator,
    sent_tasks,
    axe_check,
):
    ensure_ama_credit_type()
    settings.SITE_URL = live_server.url  # the links in the e-mails lead to the live server
    mail.outbox.clear()
    today = timezone.localdate()
    opened = []
    never_to_the_admin(page, opened)

    # A new module, from "Author tools".
    log_in_through_the_pages(page, site_url, course_author, PASSWORD)
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Author tools"
    ).click()
    page.get_by_role("link", name="New module").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New module")
    check_author_page(page, axe_check)
    page.get_by_label(labelled("Title")).fill(TITLE)
    page.get_by_label(labelled("Address (slug)")).fill(SLUG)
    page.get_by_label(labelled("Summary")).fill(SUMMARY)
    page.get_by_label(labelled("Intended audience")).fill(AUDIENCE)
    page.get_by_label(labelled("Estimated time to complete (minutes)")).fill("20")
    page.get_by_label(labelled("Release date")).fill(
        (today - datetime.timedelta(days=1)).isoformat()
    )
    page.get_by_label(labelled("Termination (expiry) date")).fill(
        (today + datetime.timedelta(days=365)).isoformat()
    )
    page.get_by_role("button", name="Create the draft").click()
    expect(status_message(page)).to_have_text(
        f"“{TITLE}” created as a draft: now write the article."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit “{TITLE}”")
    module = Module.objects.get(slug=SLUG)
    assert module.status == ModuleStatus.DRAFT
    check_author_page(page, axe_check)

    # The article, with its live preview; saved by keyboard.
    article = section(page, "article")
    article.get_by_label(labelled("Article (Markdown)")).fill(ARTICLE)
    expect(article.locator("#article-preview").get_by_role("heading")).to_have_text("Background")
    article.get_by_role("button", name="Save article").focus()
    page.keyboard.press("Enter")
    saved_in(page, "article", "Article saved.")

    # An objective, by keyboard: type it, Tab to "Add objective", Enter.
    objectives = section(page, "objectives")
    objectives.get_by_label(labelled("Objective")).focus()
    page.keyboard.type(OBJECTIVE)
    page.keyboard.press("Tab")
    expect(objectives.get_by_role("button", name="Add objective")).to_be_focused()
    page.keyboard.press("Enter")
    saved_in(page, "objectives", "Objective added.")
    expect(section(page, "objectives").get_by_label("Objective 1")).to_have_value(OBJECTIVE)

    # Two faculty with their e-mail addresses, a reference by DOI, the AMA designation,
    # the PARS activity ID and the commercial support.
    add_person(page, *DANA)
    add_person(page, *LEE)
    references = section(page, "references")
    references.get_by_label(labelled("Reference")).fill(REFERENCE)
    references.get_by_role("button", name="Add reference").click()
    saved_in(page, "references", "Reference added.")
    expect(
        section(page, "references").get_by_role("link", name="doi:10.1111/bjd.12501")
    ).to_be_visible()
    credit = section(page, "credit")
    credit.get_by_label(labelled("Credit kind")).select_option(label=AMA_CREDIT)
    credit.get_by_label(labelled("Maximum (credits, hours or points)")).fill("0.5")
    credit.get_by_role("button", name="Add designation").click()
    saved_in(page, "credit", "Designation added.")
    accreditation = section(page, "accreditation")
    accreditation.get_by_label(labelled("PARS activity ID")).fill(PARS_ID)
    accreditation.get_by_label("No commercial support received").check()
    accreditation.get_by_role("button", name="Save accreditation").click()
    saved_in(page, "accreditation", "Accreditation saved.")
    module.refresh_from_db()
    assert (module.body, module.pars_activity_id, module.commercial_support) == (
        ARTICLE,
        PARS_ID,
        "none",
    )
    assert list(module.faculty.values_list("name", "email")) == [
        (DANA[0], DANA[3]),
        (LEE[0], LEE[3]),
    ]
    assert list(module.references.values_list("doi", flat=True)) == ["10.1111/bjd.12501"]
    assert str(module.credits.get().max_credits) == "0.50"

    # The post-test, on its settings page.
    section(page, "post_test").get_by_role("link", name="Set up the post-test").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up the post-test")
    check_author_page(page, axe_check)
    page.get_by_label(labelled("Passing score (%)")).fill("80")
    page.get_by_label(labelled("Attempts a learner has to pass")).fill("2")
    page.get_by_label(labelled("Delay between attempts")).select_option(label="1 hour")
    page.get_by_role("button", name="Create the post-test").click()
    expect(status_message(page)).to_have_text("The post-test is created: now add its questions.")
    post_test = module.post_test
    assert (str(post_test.passing_score), post_test.max_attempts) == ("80.00", 2)
    assert post_test.attempt_delay == AttemptDelay.ONE_HOUR
    expect(section(page, "post_test")).to_contain_text("Passing score 80% · 2 attempts")

    # Five questions in the question editor, one of them true or false.
    page.get_by_role("link", name="← Back to the module's author page").click()
    page.locator("#questions").get_by_role("link", name="Add a question").click()
    check_author_page(page, axe_check)
    page.go_back()
    for stem, answer, rationale in QUESTIONS:
        add_question(page, stem, answer, rationale)
    expect(page.locator("#questions > ol > li")).to_have_count(len(QUESTIONS))
    kinds = [q.current_version.kind for q in post_test.questions.order_by("position")]
    assert kinds == [QuestionKind.SINGLE_BEST_ANSWER] * 4 + [QuestionKind.TRUE_FALSE]

    # What is left before publishing: the disclosures and the review.
    expect(page.locator("#publish-problems")).to_contain_text(f"Record the disclosure of {DANA[0]}")
    check_author_page(page, axe_check)

    # The invitations: the addresses given with each person are filled in.
    for name, *_, email in (DANA, LEE):
        person = page.locator("article.disclosure-person", has_text=name)
        expect(person.get_by_label(f"E-mail address of {name}")).to_have_value(email)
        person.get_by_role("button", name=f"Invite {name} to disclose").click()
        expect(status_message(page)).to_contain_text(f"Invitation to disclose sent to {name}")

    # Dana discloses a relationship on her phone; Lee none, each in a browser of their own.
    phone = never_to_the_admin(new_browser_page(viewport=PHONE), opened)
    phone.goto(link_emailed_to(DANA[3], sent_tasks))
    phone.get_by_label(re.compile(r"^\s*I have had financial relationships")).check()
    first = phone.get_by_role("group", name="Relationship 1")
    first.get_by_label(labelled("Ineligible company")).fill("Acme Pharma")
    first.get_by_label(labelled("Nature of the relationship")).select_option(label="Consultant")
    phone.get_by_label(labelled("Your full name (typed signature)")).fill(DANA[0])
    phone.get_by_label(labelled("I attest that this is complete and accurate.")).check()
    phone.get_by_role("button", name="Sign and submit").click()
    expect(status_message(phone)).to_have_text("Thank you: your disclosure is recorded.")

    other = never_to_the_admin(new_browser_page(), opened)
    other.goto(link_emailed_to(LEE[3], sent_tasks))
    other.get_by_label(re.compile(r"^\s*I have had no financial relationships")).check()
    other.get_by_label(labelled("Your full name (typed signature)")).fill(LEE[0])
    other.get_by_label(labelled("I attest that this is complete and accurate.")).check()
    other.get_by_role("button", name="Sign and submit").click()
    expect(status_message(other)).to_have_text("Thank you: your disclosure is recorded.")

    # The planner marks Dana's relationship relevant and records its mitigation, in the
    # editor's Disclosures section.
    page.goto(site_url("courses:edit_module", slug=SLUG) + "#section-disclosures")
    relationship = page.locator("li.disclosed-relationship", has_text="Acme Pharma")
    relationship.get_by_label("Relevant: the company's products relate to the content").check()
    relationship.get_by_label(re.compile(r"^How the relationship of Dana Whitfield")).fill(
        MITIGATION
    )
    relationship.get_by_role("button", name="Save the review of Acme Pharma").click()
    expect(status_message(page)).to_have_text(
        "The relationship of Dana Whitfield, MD with Acme Pharma: marked relevant and mitigated."
    )
    expect(page.locator("article.disclosure-person .disclosure-state")).to_have_text(
        ["Disclosed: relevant relationships mitigated", "Disclosed: no relevant relationships"]
    )
    assert list(module.faculty.values_list("disclosure_status", flat=True)) == [
        DisclosureStatus.RELEVANT,
        DisclosureStatus.NONE,
    ]

    # The previews: the post-test (graded, nothing written) and the module page.
    page.goto(site_url("courses:author_module", slug=SLUG))
    page.get_by_role("link", name="Preview the post-test").click()
    check_author_page(page, axe_check)
    for number, (stem, answer, _) in enumerate(QUESTIONS, start=1):
        group = page.get_by_role("group", name=f"Question {number} of {len(QUESTIONS)}. {stem}")
        group.get_by_label(answer if isinstance(answer, str) else answer[0], exact=True).check()
    page.get_by_role("button", name="Submit my answers").click()
    outcome = page.get_by_role("region", name=re.compile("^A learner would"))
    expect(outcome.get_by_role("heading")).to_have_text("A learner would pass")
    assert Attempt.objects.count() == 0
    page.goto(site_url("courses:author_module", slug=SLUG))
    page.get_by_role("link", name="Preview the module").click()
    expect(page.get_by_role("status").filter(has_text="Preview.")).to_have_text(
        "Preview. This module is draft; learners cannot see it."
    )

    # Publishing waits for the review: the confirmation page lists what is missing.
    page.goto(site_url("courses:author_module", slug=SLUG))
    page.get_by_role("link", name="Publish…").click()
    expect(page.locator("#publish-problems")).to_have_text("A reviewer must approve this edition.")
    expect(page.get_by_role("button", name="Confirm: publish")).to_have_count(0)
    check_author_page(page, axe_check)
    page.get_by_role("link", name="← Back to the module").click()
    page.get_by_role("link", name=re.compile(r"^Review")).click()
    page.get_by_role("button", name="Submit for review").click()
    expect(status_message(page)).to_have_text(
        "Submitted for review: a reviewer will comment or approve."
    )
    check_author_page(page, axe_check)

    # A CME administrator approves, in a browser of their own.
    admin_page = never_to_the_admin(new_browser_page(), opened)
    log_in_through_the_pages(admin_page, site_url, cme_administrator, PASSWORD)
    admin_page.goto(site_url("courses:review", slug=SLUG))
    axe_check(admin_page)
    admin_page.get_by_role("button", name="Approve").click()
    expect(status_message(admin_page)).to_have_text("Approved.")

    # The author publishes through the confirmation page, by keyboard.
    page.goto(site_url("courses:author_module", slug=SLUG))
    expect(page.locator("#publish-checks")).to_contain_text(
        "Everything accreditation and the post-test need is in place."
    )
    page.get_by_role("link", name="Publish…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Publish “{TITLE}”?")
    expect(page.locator("#publish-ready")).to_have_text(
        "Every check passes: everything accreditation and the post-test need is in place."
    )
    check_author_page(page, axe_check)
    page.get_by_role("button", name="Confirm: publish").focus()
    page.keyboard.press("Enter")
    expect(status_message(page)).to_have_text(f"Published “{TITLE}”.")
    module.refresh_from_db()
    assert module.status == ModuleStatus.PUBLISHED

    # The post-test settings now stay as learners take them; a question's regrade page.
    page.goto(site_url("quizzes:post_test_settings", slug=SLUG))
    expect(page.locator("#settings-locked")).to_contain_text(
        "The post-test settings of a published module cannot change"
    )
    expect(page.locator("#post-test-settings-form")).to_have_count(0)
    check_author_page(page, axe_check)
    page.goto(site_url("courses:author_module", slug=SLUG))
    page.get_by_role("link", name="Correct the key (regrade)…").first.click()
    check_author_page(page, axe_check)

    # A learner sees the disclosures, both people, before the article.
    learner = UserFactory()
    reader = never_to_the_admin(new_browser_page(), opened)
    log_in_through_the_pages(reader, site_url, learner, PASSWORD)
    reader.goto(site_url("courses:module", slug=SLUG))
    block = reader.locator("#disclosures")
    people = block.locator("li.faculty-member")
    expect(people.nth(0)).to_contain_text("Dana Whitfield, MD — Author")
    expect(people.nth(0)).to_contain_text("Acme Pharma: Consultant")
    expect(people.nth(0)).to_contain_text(f"Mitigation: {MITIGATION}")
    expect(people.nth(1)).to_contain_text("Lee Okafor, PharmD — Reviewer")
    expect(people.nth(1)).to_contain_text("No relevant financial relationships.")
    expect(block.locator("#disclosure-summary")).to_have_text(
        "All relevant financial relationships listed above have been mitigated."
    )
    block_top = block.bounding_box()["y"]
    assert block_top < reader.locator("#article").bounding_box()["y"]
    expect(reader.get_by_role("button", name="Start the post-test")).to_be_visible()

    assert not [url for url in opened if "/admin/" in url]
