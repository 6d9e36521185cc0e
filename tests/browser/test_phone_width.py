"""Every learner page, and the staff pages with tables, fit a phone: at 375 x 740 CSS pixels
the page never scrolls sideways (wide tables scroll inside their own box or stack), and axe
finds nothing serious at that width.

State is prepared through the domain functions, one step at a time, so that each page is
seen as the learner meets it: the post-test in progress, the result, the evaluation, the
claim, the certificate.
"""

from playwright.sync_api import expect

from certificates.issuance import issue_certificate
from courses.disclosures import record_disclosures_shown
from quizzes.attempts import start_attempt, submit_attempt
from tests.browser.conftest import log_in_through_the_pages
from tests.certificates.conftest import claim, evaluate
from tests.factories import UserFactory, answers_for

PASSWORD = "correct-horse-battery"
PHONE = {"width": 375, "height": 740}


def log_in_then_hold_a_phone(page, site_url, user):
    """Log in at the browser's default width (the helper looks for "Log out" in the
    navigation bar, which a phone folds away), then turn to the phone's width."""
    log_in_through_the_pages(page, site_url, user, PASSWORD)
    page.set_viewport_size(PHONE)


def assert_fits_the_phone(page, url, axe_check):
    """Open `url` and check that nothing makes the page wider than the screen."""
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= PHONE["width"], (
        f"{url} is {page_width} px wide on a {PHONE['width']} px phone; "
        f"widest elements: {widest_elements(page)}"
    )
    axe_check()


def widest_elements(page):
    """The elements that reach past the right edge, to say what to fix."""
    return page.evaluate(
        """width => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > width + 0.5)
            .slice(0, 5)
            .map(e => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${e.className}`)""",
        PHONE["width"],
    )


def test_every_learner_page_fits_a_phone(page, site_url, demo_module, axe_check):
    """A learner takes the demo module from the catalog to the certificate on a phone:
    catalog, module page, post-test, result, evaluation, claim, certificate, transcript
    (with its date filter), profile, personal data, and the verification pages."""
    learner = UserFactory(
        profile__certificate_name="Maria Guadalupe Fernández-Castellanos de la Torre"
    )
    post_test = demo_module.post_test
    log_in_then_hold_a_phone(page, site_url, learner)
    phone = page

    assert_fits_the_phone(phone, site_url("courses:catalog"), axe_check)
    assert_fits_the_phone(phone, site_url("courses:module", slug=demo_module.slug), axe_check)

    record_disclosures_shown(learner, module=demo_module)
    attempt = start_attempt(learner, post_test=post_test)
    assert_fits_the_phone(phone, site_url("quizzes:attempt", pk=attempt.pk), axe_check)

    submit_attempt(attempt, answers=answers_for(attempt))
    assert_fits_the_phone(phone, site_url("quizzes:result", pk=attempt.pk), axe_check)
    assert_fits_the_phone(
        phone, site_url("certificates:evaluate", slug=demo_module.slug), axe_check
    )

    evaluate(learner, demo_module)
    assert_fits_the_phone(phone, site_url("certificates:claim", slug=demo_module.slug), axe_check)

    certificate = issue_certificate(claim(learner, demo_module).certificates.get().pk)
    assert_fits_the_phone(phone, site_url("certificates:detail", pk=certificate.pk), axe_check)
    assert_fits_the_phone(phone, site_url("certificates:transcript"), axe_check)
    from_date = phone.get_by_label("From")
    expect(from_date).to_have_attribute("type", "date")
    expect(from_date).to_have_class("dateinput form-control")
    assert_fits_the_phone(phone, site_url("accounts:profile"), axe_check)
    assert_fits_the_phone(phone, site_url("accounts:my_data"), axe_check)
    assert_fits_the_phone(phone, site_url("certificates:verify_lookup"), axe_check)
    assert_fits_the_phone(
        phone, site_url("certificates:verify", code=certificate.verification_code), axe_check
    )


def test_staff_pages_with_tables_fit_a_phone(
    page, site_url, demo_module, cme_administrator, axe_check
):
    """A CME administrator (who has every author's page too) on a phone: the learner list
    and a learner's record, the credit dashboard, the evaluation summary, the item
    analysis, and the author's module list and module page, each with data in its tables."""
    learner = UserFactory(
        email="a.very-long-address.for-a-learner@hospital-network.example.org",
        profile__certificate_name="Maria Guadalupe Fernández-Castellanos de la Torre",
    )
    record_disclosures_shown(learner, module=demo_module)
    attempt = start_attempt(learner, post_test=demo_module.post_test)
    submit_attempt(attempt, answers=answers_for(attempt))
    evaluate(learner, demo_module)
    issue_certificate(claim(learner, demo_module).certificates.get().pk)
    log_in_then_hold_a_phone(page, site_url, cme_administrator)
    phone = page

    for url in [
        site_url("accounts:learners"),
        site_url("accounts:learner", pk=learner.pk),
        site_url("certificates:dashboard"),
        site_url("certificates:evaluation_summary", slug=demo_module.slug),
        site_url("quizzes:item_analysis", slug=demo_module.slug),
        site_url("courses:author_modules"),
        site_url("courses:author_module", slug=demo_module.slug),
    ]:
        assert_fits_the_phone(phone, url, axe_check)
