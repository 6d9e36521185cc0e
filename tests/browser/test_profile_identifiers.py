"""A learner sent from a claim to the profile page fills in what their registry needs, on a
phone-sized screen."""

import re

import pytest
from playwright.sync_api import expect

from accounts.identifiers import profile_url_for
from accounts.models import Profile
from tests.browser.conftest import log_in_through_the_pages
from tests.factories import UserFactory

PHONE = {"width": 375, "height": 812}


@pytest.mark.browser_context_args(bypass_csp=True)  # axe-core is injected as a script
def test_a_pharmacist_adds_the_epid_and_a_license_on_a_phone(
    page, live_server, site_url, axe_check
):
    pharmacist = UserFactory(profile__designation="PharmD")
    log_in_through_the_pages(page, site_url, pharmacist, "correct-horse-battery")
    page.set_viewport_size(PHONE)

    page.goto(live_server.url + profile_url_for("nabp_epid"))

    expect(page.get_by_role("status").filter(has_text="Your credit needs")).to_have_text(
        "Your credit needs your NABP e-Profile ID: fill it in below, then save your profile."
    )
    epid = page.get_by_role("textbox", name="NABP e-Profile ID (ePID)")
    expect(epid).to_be_focused()
    expect(page.get_by_role("heading", name="For pharmacists (NABP CPE Monitor)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    axe_check()

    epid.fill("12345678")
    page.get_by_role("button", name="Save profile").click()
    expect(
        page.get_by_text("An NABP e-Profile ID has at most 7 digits, e.g. 1234567.")
    ).to_be_visible()

    page.get_by_role("textbox", name="NABP e-Profile ID (ePID)").fill("1234567")
    page.get_by_role(
        "checkbox", name=re.compile(r"report my completions to NABP CPE Monitor", re.I)
    ).check()
    new_license = page.get_by_role("group", name="Add a license")
    new_license.get_by_role("combobox", name=re.compile(r"^State")).select_option("OH")
    new_license.get_by_role("textbox", name=re.compile(r"^License number")).fill("03-123456")
    new_license.get_by_role("combobox", name=re.compile(r"^Profession")).select_option("PharmD")
    page.get_by_role("button", name="Save profile").click()

    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()
    expect(page.get_by_role("group", name="License 1: Ohio, PharmD (pharmacist)")).to_be_visible()
    profile = Profile.objects.get(user=pharmacist)
    assert (profile.nabp_epid, profile.reports_to_cpe_monitor) == ("1234567", True)
    assert list(profile.state_licenses.values_list("state", "number")) == [("OH", "03-123456")]
