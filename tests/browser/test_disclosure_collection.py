"""Faculty disclose through the site (issue 14, ACCME Standard 3), in the browser.

The author invites two faculty from the module's author page; each follows the link in
their own e-mail in a browser of their own, with no account, on a phone: one discloses a
relationship with an ineligible company, the other attests to none. The planner marks the
relationship relevant and records its mitigation; the module page's disclosure block then
names both correctly, and a learner reads it before the article.
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from playwright.sync_api import expect

from accounts.roles import COURSE_AUTHORS
from courses.disclosure_collection import SEND_INVITATION_TASK
from courses.models import DisclosureAcknowledgement, DisclosureRecord, DisclosureStatus
from courses.tasks import send_disclosure_invitation
from tests.browser.conftest import log_in_through_the_pages
from tests.factories import FacultyMemberFactory, ModuleFactory, UserFactory

PASSWORD = "correct-horse-battery"
PHONE = {"width": 375, "height": 740}
MITIGATION = "Peer review of the content by a reviewer without relationships."
LINK = re.compile(r"https?://\S+/disclose/\S+/")


def labelled(text):
    """An accessible name that is `text`, give or take crispy-forms' "*" for required."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def status_message(page):
    return page.get_by_role("main").get_by_role("status").first


@pytest.fixture
def course_author(transactional_db):
    user = UserFactory(email="author@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=COURSE_AUTHORS))
    return user


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


def invite_from_the_author_page(page, name, email):
    person = page.locator("article.disclosure-person", has_text=name)
    person.get_by_label(f"E-mail address of {name}").fill(email)
    person.get_by_role("button", name=f"Invite {name} to disclose").click()
    expect(status_message(page)).to_contain_text(f"Invitation to disclose sent to {name}")


def link_emailed_to(address, sent_tasks):
    """Run the queued e-mail task of the invitation to `address` (as the worker would)
    and return the link of the one e-mail it sends."""
    for (invitation_id,) in sent_tasks.args_of(SEND_INVITATION_TASK):
        send_disclosure_invitation(invitation_id)
    [message] = [m for m in mail.outbox if m.to == [address]]
    return LINK.search(message.body).group(0)


def test_two_faculty_disclose_through_their_links_and_learners_read_it_before_the_content(
    page, new_browser_page, site_url, live_server, settings, course_author, sent_tasks, axe_check
):
    """Dana Whitfield (author) and Lee Okafor (reviewer) are listed on a module with no
    disclosure yet. The author invites both from the module's author page. Dana opens her
    link on a phone (no account), states that she has relationships, lists Acme Pharma as
    consultant, types her name, ticks the attestation and signs; Lee states none and signs.
    The author page then shows Dana's relationship waiting for review: the planner marks
    it relevant and records its mitigation. A learner opens the module: the disclosures,
    before the objectives and the article, name Dana with Acme Pharma (consultant) and the
    mitigation, Lee with no relevant relationships, and say all relevant relationships
    were mitigated; the learner's reading of the disclosures is recorded."""
    module = ModuleFactory(title="Managing chronic urticaria", body="# Background\n\nHives.")
    dana = FacultyMemberFactory(
        module=module, name="Dana Whitfield", role="author", disclosure_status="not_collected"
    )
    lee = FacultyMemberFactory(
        module=module,
        name="Lee Okafor",
        degrees="PharmD",
        role="reviewer",
        disclosure_status="not_collected",
    )
    mail.outbox.clear()
    settings.SITE_URL = live_server.url  # the links in the e-mails lead to the live server

    # The author invites both.
    log_in_through_the_pages(page, site_url, course_author, PASSWORD)
    page.goto(site_url("courses:author_module", slug=module.slug))
    invite_from_the_author_page(page, "Dana Whitfield", "dana@example.org")
    invite_from_the_author_page(page, "Lee Okafor", "lee@example.org")
    expect(page.locator("article.disclosure-person .disclosure-state")).to_have_text(
        ["Invited", "Invited"]
    )
    axe_check()

    # Dana discloses a relationship, on a phone, in a browser of her own.
    phone = new_browser_page(viewport=PHONE)
    phone.goto(link_emailed_to("dana@example.org", sent_tasks))
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Disclose your financial relationships"
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe_check(phone)
    phone.get_by_label(re.compile(r"^\s*I have had financial relationships")).check()
    first = phone.get_by_role("group", name="Relationship 1")
    first.get_by_label(labelled("Ineligible company")).fill("Acme Pharma")
    first.get_by_label(labelled("Nature of the relationship")).select_option(label="Consultant")
    phone.get_by_label(labelled("Your full name (typed signature)")).fill("Dana Whitfield")
    phone.get_by_label(labelled("I attest that this is complete and accurate.")).check()
    phone.get_by_role("button", name="Sign and submit").click()
    expect(status_message(phone)).to_have_text("Thank you: your disclosure is recorded.")
    expect(phone.locator("#submitted-disclosure")).to_contain_text("Acme Pharma: Consultant")

    # Lee attests to none, in another browser.
    other = new_browser_page()
    other.goto(link_emailed_to("lee@example.org", sent_tasks))
    other.get_by_label(re.compile(r"^\s*I have had no financial relationships")).check()
    other.get_by_label(labelled("Your full name (typed signature)")).fill("Lee Okafor")
    other.get_by_label(labelled("I attest that this is complete and accurate.")).check()
    other.get_by_role("button", name="Sign and submit").click()
    expect(status_message(other)).to_have_text("Thank you: your disclosure is recorded.")

    assert DisclosureRecord.objects.count() == 2

    # The planner reviews Dana's relationship and records its mitigation.
    page.reload()
    expect(page.locator("article.disclosure-person .disclosure-state")).to_have_text(
        ["Needs review or mitigation", "Disclosed: no relevant relationships"]
    )
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
    dana.refresh_from_db()
    lee.refresh_from_db()
    assert (dana.disclosure_status, lee.disclosure_status) == (
        DisclosureStatus.RELEVANT,
        DisclosureStatus.NONE,
    )

    # A learner reads the disclosures before the content.
    learner = UserFactory()
    reader = new_browser_page()
    log_in_through_the_pages(reader, site_url, learner, PASSWORD)
    reader.goto(site_url("courses:module", slug=module.slug))
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
    assert block_top < reader.locator("#objectives").bounding_box()["y"]
    assert block_top < reader.locator("#article").bounding_box()["y"]
    assert DisclosureAcknowledgement.objects.filter(learner=learner, module=module).exists()
    axe_check(reader)
