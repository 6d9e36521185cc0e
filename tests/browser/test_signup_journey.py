import re

from django.core import mail
from playwright.sync_api import expect

DEMO_TITLE = "Nemolizumab-Associated Cutaneous Eruptions in Atopic Dermatitis"
POST_TEST_RULES = "Passing score 70%. You have 3 attempts to pass this post-test."


def field(page, label):
    """The form field labelled exactly so. crispy-forms appends "*" to a required field's label,
    so an exact string would not match, and a substring would make "Password" ambiguous."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def confirmation_link(live_server, address) -> str:
    """The link in the confirmation e-mail sent to `address` (the live server runs in this
    process, so its e-mails are in Django's test outbox)."""
    [message] = [m for m in mail.outbox if m.to == [address]]
    path = re.search(r"http://[^/\s]+(/accounts/confirm-email/\S+/)", message.body).group(1)
    return live_server.url + path


def test_a_new_learner_signs_up_confirms_the_address_logs_in_again_and_opens_the_demo_module(
    page, live_server, site_url, demo_module
):
    """A visitor opens the catalog and follows "Sign up". After giving an e-mail address,
    first and last name and a password twice, they are asked to check their e-mail. The link
    in it asks them to confirm the address; once they do, they are signed in and land on
    their profile page, welcomed. They log out from the navigation bar, log in again through
    the log-in page and find the demo module in the catalog. Its page shows the article and
    the post-test rules: passing score 70%, three attempts."""
    email = "ada.rivera@example.org"
    password = "Vivid-lantern-2931"

    page.goto(site_url("courses:catalog"))
    expect(page.get_by_role("heading", level=1)).to_have_text("CME activities")

    page.get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(site_url("account_signup"))
    field(page, "E-mail address").fill(email)
    field(page, "First name").fill("Ada")
    field(page, "Last name").fill("Rivera")
    field(page, "Password").fill(password)
    field(page, "Password confirmation").fill(password)
    page.get_by_role("button", name="Sign up").click()

    expect(page).to_have_url(site_url("account_email_verification_sent"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    page.goto(confirmation_link(live_server, email))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your e-mail address")
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(site_url("accounts:profile"))
    expect(page.get_by_role("status").first).to_contain_text("Welcome!")
    expect(page.get_by_role("heading", level=1)).to_have_text("My professional profile")

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)

    page.get_by_role("link", name="Log in").click()
    expect(page).to_have_url(site_url("account_login"))
    field(page, "E-mail address").fill(email.upper())  # any case will do
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


def test_a_staff_member_sets_up_the_authenticator_app_at_the_first_log_in(
    page, site_url, axe_check
):
    """An author whose account has no authenticator app yet logs in with the password. The
    site says author accounts log in in two steps and, after the password once more, shows
    a QR code and the secret key. The code the app then shows turns two-step log-in on and
    the recovery codes are listed; from then on the author pages open."""
    from django.contrib.auth.models import Group

    from accounts.roles import COURSE_AUTHORS
    from tests.factories import UserFactory, totp_code

    author = UserFactory(email="new.author@example.org", is_staff=True, totp=False)
    author.groups.add(Group.objects.get(name=COURSE_AUTHORS))

    page.goto(site_url("account_login"))
    field(page, "E-mail address").fill(author.email)
    field(page, "Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(site_url("courses:author_modules"))

    expect(page.get_by_role("status").first).to_contain_text(
        "Author and administrator accounts log in with a code from an authenticator app"
    )
    field(page, "Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    expect(page.get_by_role("img", name="QR code for adding this site")).to_be_visible()
    axe_check()
    secret = page.get_by_label("Secret key").input_value()
    field(page, "Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on two-step log-in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
    expect(
        page.get_by_role("list", name="Unused recovery codes").get_by_role("listitem")
    ).to_have_count(10)
    page.goto(site_url("courses:author_modules"))
    expect(page).to_have_url(site_url("courses:author_modules"))
