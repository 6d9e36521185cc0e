import re

from playwright.sync_api import expect

from courses.models import DisclosureAcknowledgement
from tests.factories import UserFactory

DEMO_TITLE = "Nemolizumab-Associated Cutaneous Eruptions in Atopic Dermatitis"


def log_in(page, site_url, user):
    page.goto(site_url("account_login"))
    page.get_by_label(re.compile(r"^\s*E-mail address")).fill(user.email)
    page.get_by_label(re.compile(r"^\s*Password")).fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="My profile")).to_be_visible()


def test_a_learner_finds_the_module_and_reads_disclosures_before_the_article(
    page, site_url, demo_module
):
    """A logged-in learner searches the catalog for "nemolizumab", opens the module, and
    reads, in this order: the accreditation and credit statements, the faculty with their
    disclosures, the learning objectives, the article and its references with working DOI
    links, then the rules for earning credit. Opening the page records that the learner was
    shown the disclosures."""
    learner = UserFactory()
    log_in(page, site_url, learner)

    page.get_by_label("Search by title").fill("nemolizumab")
    page.get_by_role("button", name="Search").click()
    activities = page.get_by_role("list", name="Activities")
    expect(activities.get_by_role("heading")).to_have_count(1)
    expect(activities).to_contain_text("0.25 AMA PRA Category 1 Credit™")
    expect(activities).to_contain_text("Not started")
    activities.get_by_role("link", name=DEMO_TITLE).click()

    regions = [
        page.get_by_role("region", name=name)
        for name in (
            "Accreditation and credit",
            "Faculty and disclosures",
            "Learning objectives",
            "Article",
            "References",
            "Take the post-test",
        )
    ]
    tops = [region.bounding_box()["y"] for region in regions]
    assert tops == sorted(tops), "sections are out of order"

    expect(regions[0]).to_contain_text(
        "designates this enduring material for a maximum of 0.25 AMA PRA Category 1 Credit™"
    )
    expect(regions[1]).to_contain_text("Peter Lio, MD")
    expect(regions[1]).to_contain_text("Kelly Duong")
    expect(regions[1]).to_contain_text("Demonstration data")
    expect(regions[2].get_by_role("listitem")).to_have_count(4)
    expect(regions[3]).to_contain_text("88 patients (40.2%)")
    doi = regions[4].get_by_role("link", name="https://doi.org/10.1111/bjd.20873")
    expect(doi).to_have_attribute("href", "https://doi.org/10.1111/bjd.20873")
    expect(page.locator("#post-test-rules")).to_have_text(
        "Passing score 70%. You have 3 attempts to pass this post-test."
    )
    expect(page.get_by_role("button", name="Start the post-test")).to_be_visible()

    assert DisclosureAcknowledgement.objects.filter(learner=learner, module=demo_module).exists()
