import re

from playwright.sync_api import expect

DEMO_TITLE = "Nemolizumab-Associated Cutaneous Eruptions in Atopic Dermatitis"
POST_TEST_RULES = "Passing score 70%. You have 3 attempts to pass this post-test."


def field(page, label):
    """The form field labelled exactly so. crispy-forms appends "*" to a required field's label,
    so an exact string would not match, and a substring would make "Password" ambiguous."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def test_a_new_learner_signs_up_logs_in_again_and_opens_the_demo_module(
    page, site_url, demo_module
):
    """A visitor opens the catalog and follows "Sign up". After giving an e-mail address,
    first and last name and a password twice, they are signed in and land on their profile
    page, welcomed. They log out from the navigation bar, log in again through the log-in
    page and find the demo module in the catalog. Its page shows the article and the
    post-test rules: passing score 70%, three attempts."""
    email = "ada.rivera@example.org"
    password = "Vivid-lantern-2931"

    page.goto(site_url("courses:catalog"))
    expect(page.get_by_role("heading", level=1)).to_have_text("CME activities")

    page.get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(site_url("accounts:signup"))
    field(page, "E-mail address").fill(email)
    field(page, "First name").fill("Ada")
    field(page, "Last name").fill("Rivera")
    field(page, "Password").fill(password)
    field(page, "Password confirmation").fill(password)
    page.get_by_role("button", name="Sign up").click()

    expect(page).to_have_url(site_url("accounts:profile"))
    expect(page.get_by_role("status")).to_contain_text("Welcome!")
    expect(page.get_by_role("heading", level=1)).to_have_text("My professional profile")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    page.get_by_role("link", name="Log in").click()
    expect(page).to_have_url(site_url("accounts:login"))
    field(page, "E-mail address").fill(email)
    field(page, "Password").fill(password)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(site_url("courses:catalog"))
    expect(page.get_by_role("link", name="My profile")).to_be_visible()
    page.get_by_role("link", name=DEMO_TITLE).click()

    expect(page).to_have_url(site_url("courses:module", slug=demo_module.slug))
    expect(page.get_by_role("heading", level=1)).to_have_text(DEMO_TITLE)
    article = page.get_by_role("region", name="Article")
    expect(article).to_contain_text("219 participants ages 13 and older")
    expect(page.locator("#post-test-rules")).to_have_text(POST_TEST_RULES)
