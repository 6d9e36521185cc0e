from playwright.sync_api import expect

from tests.factories import UserFactory


def test_the_site_works_under_its_content_security_policy(browser, site_url, demo_module):
    """With the Content-Security-Policy enforced (no bypass), the catalog, the module page and
    the certificate-less learner pages load their styles and scripts without a single
    violation reported by the browser, and Bootstrap's script runs (the mobile menu opens)."""
    context = browser.new_context(viewport={"width": 480, "height": 900})
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    learner = UserFactory()
    try:
        page.goto(site_url("account_login"))
        page.get_by_label("E-mail address").fill(learner.email)
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Log in").click()
        for url in (
            site_url("courses:catalog"),
            site_url("courses:module", slug=demo_module.slug),
            site_url("certificates:transcript"),
            site_url("accounts:profile"),
        ):
            response = page.goto(url)
            assert "default-src 'self'" in response.headers["content-security-policy"]
        page.get_by_role("button", name="Toggle navigation").click()
        expect(page.get_by_role("link", name="My transcript")).to_be_visible()
    finally:
        context.close()

    assert violations == []
