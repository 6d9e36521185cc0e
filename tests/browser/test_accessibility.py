"""Pages meet WCAG 2 A and AA as far as axe-core can tell: no serious or critical violations."""

import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize(
    ("url_name", "heading"),
    [
        ("courses:catalog", "CME activities"),
        ("courses:module", "Nemolizumab-Associated Cutaneous Eruptions in Atopic Dermatitis"),
    ],
    ids=["catalog", "module"],
)
def test_page_has_no_serious_accessibility_violations(
    page, site_url, demo_module, axe_check, url_name, heading
):
    """A visitor who is not logged in opens the page; axe finds nothing serious on it."""
    kwargs = {"slug": demo_module.slug} if url_name == "courses:module" else {}
    page.goto(site_url(url_name, **kwargs))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    axe_check()
