"""Pages meet WCAG 2 A and AA as far as axe-core can tell: no serious or critical violations,
on a desktop screen and on a phone (375 CSS pixels wide). tests/browser/test_phone_width.py
runs axe on every learner page and the staff tables at phone width as well."""

import pytest
from playwright.sync_api import expect

SCREENS = {"desktop": {"width": 1280, "height": 720}, "phone": {"width": 375, "height": 740}}


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("courses:catalog", "CME activities"),
        ("courses:module", "Nemolizumab-Associated Cutaneous Eruptions in Atopic Dermatitis"),
        ("certificates:verify_lookup", "Verify a certificate"),
    ],
    ids=["catalog", "module", "verify"],
)
def test_page_has_no_serious_accessibility_violations(
    page, site_url, demo_module, axe_check, url_name, heading, screen
):
    """A visitor who is not logged in opens the page; axe finds nothing serious on it."""
    page.set_viewport_size(SCREENS[screen])
    kwargs = {"slug": demo_module.slug} if url_name == "courses:module" else {}
    page.goto(site_url(url_name, **kwargs))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert page.evaluate("window.innerWidth") == SCREENS[screen]["width"]
    axe_check()
