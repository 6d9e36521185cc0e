import re

from playwright.sync_api import expect
from pypdf import PdfReader

from certificates.issuance import revoke_certificate
from certificates.models import Certificate
from demo.content import OBJECTIVES, QUESTIONS
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"
LEARNER_NAME = "Ana Sofía Ruiz"
AMA_CREDIT = "AMA PRA Category 1 Credit™"
ATTESTATION = (
    "I claim only the credit commensurate with the extent of my participation in the activity."
)
REVOCATION_REASON = "The post-test was taken on a shared account."
BEING_PREPARED = "Your certificate is being prepared."
DOWNLOAD = "Download certificate (PDF)"
# Long enough for a real worker to render and store the PDF; the page polls every 2 s.
ISSUE_TIMEOUT_MS = 30_000


def labelled(text):
    """An accessible name that is `text`, give or take the "*" crispy-forms appends to the
    label (or legend) of a required field."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def field(page, label):
    return page.get_by_label(labelled(label))


def radio_group(page, legend):
    """The group of radio buttons named by `legend` (crispy-forms renders one fieldset each)."""
    return page.get_by_role("group", name=labelled(legend))


def pick(page, legend, answer):
    radio_group(page, legend).get_by_role("radio", name=answer, exact=True).check()


def log_in(page, site_url, user):
    page.goto(site_url("account_login"))
    field(page, "E-mail address").fill(user.email)
    field(page, "Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="My profile")).to_be_visible()


def answer_every_question_correctly(page):
    """Each question is the group named by its legend, found by its stem whatever the order."""
    for _, _, stem, choices, _ in QUESTIONS:
        question = page.get_by_role("group", name=stem)
        for text, is_correct in choices:
            if is_correct:
                question.get_by_label(text, exact=True).check()


def definition(page, term):
    """The <dd> that follows the <dt> `term` in a description list."""
    return page.locator("dt", has_text=re.compile(rf"^{re.escape(term)}$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def pdf_text(path):
    """The PDF's text, with runs of whitespace (line breaks included) made single spaces."""
    reader = PdfReader(path)
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_a_learner_passes_evaluates_claims_and_downloads_a_certificate_that_verifies(
    page, site_url, live_server, demo_module, axe_check, celery_worker_process, cme_administrator
):
    """A physician (MD) whose certificate name is "Ana Sofía Ruiz" logs in, opens the demo
    module (its disclosures are shown), starts the post-test, answers every question
    correctly and passes. "Evaluate and claim credit" leads to the evaluation: a Likert
    rating for each learning objective, "free of commercial bias" Yes, relevance and
    overall quality. Once it is submitted, the claim page offers the AMA PRA Category 1
    credit, already selected, for 0.25 credit; the learner ticks the attestation and
    claims. The certificate page says the certificate is being prepared and then, without
    being reloaded, offers "Download certificate (PDF)" once the Celery worker has issued
    it. The PDF names the learner, the activity, 0.25 credit and the certificate
    number the page shows, and prints a verification URL; that page, public, says the
    certificate is valid and whose it is. The worker e-mailed the certificate exactly once,
    and the certificate is listed in "My transcript". axe finds nothing serious on the
    evaluation, claim, certificate, verification and transcript pages. Then an
    administrator revokes it: the transcript and the certificate page say revoked (the
    page with the reason), the download is a copy stamped "REVOKED on …", the
    verification page says "Revoked" without the reason, the catalog says "Credit
    revoked", and the worker e-mails the learner the reason once."""
    learner = UserFactory(profile__certificate_name=LEARNER_NAME)
    title = demo_module.title

    log_in(page, site_url, learner)
    page.goto(site_url("courses:module", slug=demo_module.slug))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_role("button", name="Start the post-test").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Post-test")
    answer_every_question_correctly(page)
    page.get_by_role("button", name="Submit my answers").click()
    outcome = page.get_by_role("region", name="You passed")
    expect(outcome).to_contain_text(f"Score: 100% ({len(QUESTIONS)} of {len(QUESTIONS)} correct)")

    # The evaluation.
    page.get_by_role("link", name="Evaluate and claim credit").click()
    expect(page).to_have_url(site_url("certificates:evaluate", slug=demo_module.slug))
    expect(page.get_by_role("heading", level=1)).to_have_text("Evaluate this activity")
    for objective in OBJECTIVES:
        pick(page, objective, "Agree")
    pick(page, "Was the content free of commercial bias?", "Yes")
    pick(page, "The content is relevant to my practice.", "Strongly agree")
    pick(page, "Overall quality of the activity", "Very good")
    axe_check()
    page.get_by_role("button", name="Submit my evaluation").click()

    # The claim.
    expect(page).to_have_url(site_url("certificates:claim", slug=demo_module.slug))
    expect(page.get_by_role("heading", level=1)).to_have_text("Claim your credit")
    expect(page.get_by_role("status")).to_contain_text("Thank you for your evaluation.")
    # One claim, several lines: the physician gets AMA credit, and may add ABIM MOC points
    # (the demo's designations); each line shows its amount before the claim.
    expect(field(page, "Hours you spent on this activity")).to_have_value("0.25")
    lines = page.locator("#credit-lines")
    expect(lines).to_contain_text(f"0.25 {AMA_CREDIT}")
    expect(
        page.get_by_role("checkbox", name="ABIM MOC point (Medical Knowledge)")
    ).not_to_be_checked()
    attestation = page.get_by_role("checkbox", name=labelled(ATTESTATION))
    expect(attestation).not_to_be_checked()
    axe_check()
    attestation.check()

    # The certificate page shows progress while the worker is held back, then updates itself
    # (htmx, no reload) with the download once the worker has issued the certificate.
    with celery_worker_process.paused():
        page.get_by_role("button", name="Claim credit", exact=True).click()
        certificate = Certificate.objects.get(claim__learner=learner)
        certificate_url = site_url("certificates:detail", pk=certificate.pk)
        expect(page).to_have_url(certificate_url)
        status = page.locator("#certificate-status")
        expect(status).to_contain_text(BEING_PREPARED)
        expect(status.get_by_role("link", name="Refresh")).to_be_visible()
        page.evaluate("window.__notReloaded = true")
    expect(status.get_by_role("link", name=DOWNLOAD)).to_be_visible(timeout=ISSUE_TIMEOUT_MS)
    assert page.url == certificate_url
    assert page.evaluate("window.__notReloaded") is True, "the page was reloaded"
    expect(status).not_to_contain_text(BEING_PREPARED)

    expect(page.get_by_role("heading", level=1)).to_have_text("Your certificate")
    number = definition(page, "Certificate number").inner_text().strip()
    certificate.refresh_from_db()
    assert number == certificate.number
    expect(definition(page, "Name")).to_have_text(f"{LEARNER_NAME}, MD")
    expect(definition(page, "Credit")).to_contain_text(f"0.25 {AMA_CREDIT}")
    axe_check()

    # The PDF.
    with page.expect_download() as download_info:
        status.get_by_role("link", name=DOWNLOAD).click()
    download = download_info.value
    assert download.suggested_filename == f"{number}.pdf"
    text = pdf_text(download.path())
    assert LEARNER_NAME in text
    assert title in text
    assert "0.25" in text
    assert number in text
    found = re.search(r"https?://\S+?(/verify/[A-Za-z0-9_-]+/)", text)
    assert found, f"no verification URL in the PDF text: {text!r}"
    verification_path = found.group(1)
    assert verification_path == certificate.get_verification_path()

    # The public verification page.
    page.goto(live_server.url + verification_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Certificate verification")
    expect(page.locator("#verification-status")).to_have_text("Valid")
    expect(definition(page, "Holder")).to_have_text(f"{LEARNER_NAME}, MD")
    expect(definition(page, "Certificate number")).to_have_text(number)
    axe_check()

    # The e-mail: one, sent by the worker.
    celery_worker_process.wait_until_idle()
    emails = [m for m in celery_worker_process.sent_emails() if number in m]
    assert len(emails) == 1, f"{len(emails)} e-mails for certificate {number}"
    assert learner.email in emails[0]

    # The transcript.
    page.goto(certificate_url)
    page.get_by_role("link", name="My transcript").click()
    expect(page).to_have_url(site_url("certificates:transcript"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My CME transcript")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=number))
    expect(row).to_contain_text(title)
    expect(row).to_contain_text(f"0.25 {AMA_CREDIT}")
    axe_check()

    # Revoked by an administrator: every page says so, the download is a stamped copy, and
    # the worker e-mails the learner the reason.
    revoke_certificate(certificate, by=cme_administrator, reason=REVOCATION_REASON)
    page.reload()
    expect(row).to_contain_text("(revoked on ")
    page.goto(certificate_url)
    revocation = page.locator("#revocation")
    expect(revocation).to_contain_text("This certificate was revoked on ")
    expect(revocation).to_contain_text(f"Reason: {REVOCATION_REASON}")
    expect(page.get_by_role("link", name=DOWNLOAD)).to_have_count(0)
    axe_check()
    with page.expect_download() as download_info:
        revocation.get_by_role("link", name="Download a copy marked as revoked (PDF)").click()
    assert download_info.value.suggested_filename == f"{number}-revoked.pdf"
    assert "REVOKED on " in pdf_text(download_info.value.path())
    page.goto(live_server.url + verification_path)
    expect(page.locator("#verification-status")).to_have_text("Revoked")
    expect(page.get_by_text(REVOCATION_REASON)).to_have_count(0)
    page.goto(site_url("courses:catalog"))
    expect(page.get_by_text("Credit revoked", exact=True)).to_be_visible()
    celery_worker_process.wait_until_idle()
    notices = [m for m in celery_worker_process.sent_emails() if "has been revoked" in m]
    assert len(notices) == 1, f"{len(notices)} revocation notices"
    assert REVOCATION_REASON in notices[0]
