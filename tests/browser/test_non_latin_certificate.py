"""A learner whose legal name is written in Japanese goes from the module to the PDF in the
browser, and the certificate prints the name exactly (issue 12: the name came out as empty
boxes while the certificate was still marked issued and e-mailed)."""

import re
import subprocess

from playwright.sync_api import expect

from certificates.models import Certificate, CertificateStatus
from demo.content import OBJECTIVES
from tests.browser.test_certificate_journey import (
    ATTESTATION,
    ISSUE_TIMEOUT_MS,
    answer_every_question_correctly,
    definition,
    labelled,
    log_in,
    pick,
)
from tests.factories import UserFactory

JAPANESE_NAME = "山田 太郎"
DOWNLOAD = "Download certificate (PDF)"


def pdftotext(path) -> str:
    """The PDF's text as poppler's pdftotext reads it (UTF-8, reading order)."""
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout


def test_a_learner_named_in_japanese_gets_a_certificate_that_prints_the_name(
    page, site_url, live_server, demo_module, celery_worker_process
):
    """A physician whose certificate name is 山田 太郎 logs in, opens the demo module, passes
    the post-test, evaluates the activity and claims the credit. The Celery worker issues
    the certificate (it would stay unissued, with a print problem, had any glyph been
    missing); the certificate page and the public verification page name 山田 太郎, and the
    downloaded PDF, read by pdftotext, prints exactly "山田 太郎, MD" on a line of its own."""
    learner = UserFactory(profile__certificate_name=JAPANESE_NAME)

    log_in(page, site_url, learner)
    page.goto(site_url("courses:module", slug=demo_module.slug))
    expect(page.get_by_role("heading", level=1)).to_have_text(demo_module.title)
    page.get_by_role("button", name="Start the post-test").click()
    answer_every_question_correctly(page)
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("region", name="You passed")).to_be_visible()

    page.get_by_role("link", name="Evaluate and claim credit").click()
    for objective in OBJECTIVES:
        pick(page, objective, "Agree")
    pick(page, "Was the content free of commercial bias?", "Yes")
    pick(page, "The content is relevant to my practice.", "Strongly agree")
    pick(page, "Overall quality of the activity", "Very good")
    page.get_by_role("button", name="Submit my evaluation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Claim your credit")
    page.get_by_role("checkbox", name=labelled(ATTESTATION)).check()
    page.get_by_role("button", name=re.compile(r"^Claim credit")).click()

    status = page.locator("#certificate-status")
    expect(status.get_by_role("link", name=DOWNLOAD)).to_be_visible(timeout=ISSUE_TIMEOUT_MS)
    certificate = Certificate.objects.get(claim__learner=learner)
    assert (certificate.status, certificate.print_problem) == (CertificateStatus.ISSUED, "")
    expect(definition(page, "Name")).to_have_text(f"{JAPANESE_NAME}, MD")

    with page.expect_download() as download_info:
        status.get_by_role("link", name=DOWNLOAD).click()
    text = pdftotext(download_info.value.path())
    lines = [line.strip() for line in text.splitlines()]
    assert f"{JAPANESE_NAME}, MD" in lines, f"the name is not a line of {text!r}"
    assert "\ufffd" not in text  # no character pdftotext could not map back

    page.goto(live_server.url + certificate.get_verification_path())
    expect(page.locator("#verification-status")).to_have_text("Valid")
    expect(definition(page, "Holder")).to_have_text(f"{JAPANESE_NAME}, MD")
