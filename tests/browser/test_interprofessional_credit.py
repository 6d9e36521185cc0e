"""Issue 13 in the browser: one activity, credit for the whole healthcare team, delivered to
the registries that need it.

A pharmacist, a nurse practitioner and an internist each complete the demo module (read,
pass, evaluate, claim), with a real Celery worker issuing their certificates, and see their
own credit lines on the claim page, the certificate and the transcript. A CME administrator
then sends the ready ACCME PARS and NABP CPE Monitor records, downloads both files, and
imports the registries' results files: CPE Monitor rejects the pharmacist's record because
the birth date does not match. The pharmacist reads the rejection on the transcript, follows
its link to the profile and corrects the day of birth (the documented correction path,
reporting.deliveries.refresh_learner_deliveries); the record is ready again and the
administrator sends it in a new batch.

Everything runs on loopback: the registries are files here, never reached.
"""

import csv
import io
import subprocess

import pytest
from playwright.sync_api import expect

from accounts.models import BoardIdentifier, Designation
from certificates.models import Certificate, CertificateStatus, CreditClaim
from core.formats import format_day
from demo.content import DEMO_PARS_ACTIVITY_ID, DEMO_UAN, OBJECTIVES
from reporting.models import Delivery, DeliveryBatch, DeliveryStatus, Registry
from tests.browser.conftest import log_in_through_the_pages
from tests.browser.test_certificate_journey import (
    ATTESTATION,
    ISSUE_TIMEOUT_MS,
    PASSWORD,
    answer_every_question_correctly,
    definition,
    labelled,
    pick,
)
from tests.factories import UserFactory

PROVIDER_ID = "1234567"
AMA_CREDIT = "AMA PRA Category 1 Credit™"
ABIM_MOC = "ABIM MOC point (Medical Knowledge)"
MOC_ON_CERTIFICATE = "MOC point (ABIM, Medical Knowledge)"
ANCC_HOUR = "ANCC contact hour"
ACPE_HOUR = "ACPE contact hour"
DOWNLOAD = "Download certificate (PDF)"
CPE_MONITOR_HEADER = ["ePID", "Birth MMDD", "UAN", "Completion Date", "Contact Hours", "Action"]
PARS_HEADER = [
    "Provider ID", "Activity ID", "First Name", "Last Name", "Birth Month", "Birth Day",
    "Completion Date", "Unique ID Domain", "Unique ID Value", "Credit Kind", "MOC Category",
    "Amount", "Action", "Record ID",
]  # fmt: skip
SEND = "Send the selected ready or corrected records now"
REJECTION = "birth date does not match"

# The pharmacist typed 4 March for a birthday of 14 March; CPE Monitor will not match it.
EPID = "7654321"
WRONG_BIRTH_DAY, RIGHT_BIRTH_DAY = 4, 14
ABIM_ID = "248613"


# --- Helpers -------------------------------------------------------------------------------


def open_page(new_context):
    """A browser of its own for one person (their own cookies), failing fast like `page`."""
    page = new_context().new_page()
    page.set_default_timeout(10_000)
    return page


def pdftotext(path) -> str:
    """The PDF's text as poppler's pdftotext reads it, runs of whitespace made one space."""
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    return " ".join(text.split())


def complete_the_demo(page, site_url, module, learner):
    """Log in, open the module, pass the post-test and evaluate; ends on the claim page."""
    log_in_through_the_pages(page, site_url, learner, PASSWORD)
    page.goto(site_url("courses:module", slug=module.slug))
    expect(page.get_by_role("heading", level=1)).to_have_text(module.title)
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
    expect(page).to_have_url(site_url("certificates:claim", slug=module.slug))
    expect(page.get_by_role("heading", level=1)).to_have_text("Claim your credit")


def credit_lines(page):
    """The claim page's lines, each as the learner reads it (first line of each item)."""
    items = page.locator("#credit-lines li.credit-line strong")
    return [text.strip() for text in items.all_inner_texts()]


def claim_and_wait_for_the_certificate(page, learner):
    """Attest, claim, and wait (the page updates itself) for the worker's certificate."""
    page.get_by_role("checkbox", name=labelled(ATTESTATION)).check()
    page.get_by_role("button", name="Claim credit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your certificate")
    status = page.locator("#certificate-status")
    expect(status.get_by_role("link", name=DOWNLOAD)).to_be_visible(timeout=ISSUE_TIMEOUT_MS)
    certificate = Certificate.objects.get(claim__learner=learner)
    assert certificate.status == CertificateStatus.ISSUED
    return certificate


def download_pdf_text(page):
    with page.expect_download() as download_info:
        page.locator("#certificate-status").get_by_role("link", name=DOWNLOAD).click()
    return pdftotext(download_info.value.path())


def transcript_lines(page, site_url, certificate):
    """The transcript's row of `certificate`: its credit lines as the learner reads them."""
    page.goto(site_url("certificates:transcript"))
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=certificate.number))
    expect(row).to_have_count(1)
    return row.locator(".credit-lines li")


def delivery_of(learner, code) -> Delivery:
    return Delivery.objects.get(line__claim__learner=learner, line__credit_type__code=code)


def tsv_rows(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as file:
        return [row for row in csv.reader(file, delimiter="\t") if row]


def results_file(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def send_from_the_reconciliation_page(page, site_url, deliveries):
    """Tick `deliveries` on the reconciliation page and send them; waits for the page that
    says what was sent."""
    page.goto(site_url("reporting:deliveries"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Registry deliveries")
    for delivery in deliveries:
        page.get_by_role("checkbox", name=f"Select delivery #{delivery.pk}").check()
    page.get_by_label("Action").select_option(label=SEND)
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("status").filter(has_text="Sent ").first).to_be_visible()


def download_batch(page, batch):
    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Text (tab-delimited) of batch #{batch.pk}").click()
    return download_info.value


def upload_results(page, *, registry, name, content):
    form = page.get_by_role("region", name="Import a results file")
    form.get_by_label("Registry").select_option(label=registry)
    form.get_by_label("Results file").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
    )
    form.get_by_role("button", name="Import the results").click()


# --- The journey ---------------------------------------------------------------------------


@pytest.fixture
def provider_id(settings):
    """The ACCME provider ID the PARS file starts each record with (a 7-digit setting)."""
    settings.CME_ACCME_PROVIDER_ID = PROVIDER_ID
    return PROVIDER_ID


def test_the_team_claims_the_demo_and_the_registries_get_their_records(
    page,
    new_context,
    site_url,
    demo_module,
    celery_worker_process,
    cme_administrator,
    provider_id,
):
    """Three learners complete the demo, each with the lines of their profession; the
    administrator sends the PARS and CPE Monitor records as files, imports the answers (one
    rejection), the pharmacist corrects the birth date, and the record goes again in a new
    batch."""
    pharmacist = UserFactory(
        first_name="Priya",
        last_name="Natarajan",
        profile__designation=Designation.PHARMD,
        profile__nabp_epid=EPID,
        profile__birth_month=3,
        profile__birth_day=WRONG_BIRTH_DAY,
        profile__reports_to_cpe_monitor=True,
    )
    nurse_practitioner = UserFactory(
        first_name="Grace", last_name="Okafor", profile__designation=Designation.NP
    )
    internist = UserFactory(
        first_name="Tomás",
        last_name="Herrera",
        profile__designation=Designation.MD,
        profile__birth_month=11,
        profile__birth_day=2,
        profile__reports_to_boards=True,
    )
    BoardIdentifier.objects.create(profile=internist.profile, board="ABIM", identifier=ABIM_ID)

    # 1. The pharmacist: ACPE contact hours, as a record of participation (CPE Monitor holds
    # the credit).
    complete_the_demo(page, site_url, demo_module, pharmacist)
    expect(page.locator("#credit-lines")).to_contain_text(
        "A record of participation: your official credit is what NABP's CPE Monitor records."
    )
    assert credit_lines(page) == [f"0.25 {ACPE_HOUR}"]
    expect(page.locator("#credit-lines")).to_contain_text(DEMO_UAN)
    expect(page.locator(".missing-identifier")).to_have_count(0)
    certificate = claim_and_wait_for_the_certificate(page, pharmacist)
    expect(page.locator("#certificate-lines li")).to_have_text(
        [f"0.25 {ACPE_HOUR} (UAN {DEMO_UAN})"]
    )
    expect(definition(page, "Credit")).to_contain_text(
        "A record of participation: NABP's CPE Monitor holds your official record of this credit."
    )
    text = download_pdf_text(page)
    assert "Record of Participation" in text
    assert f"0.25 {ACPE_HOUR}" in text
    assert f"Universal Activity Number {DEMO_UAN}" in text
    assert "NABP's CPE Monitor holds the pharmacist's official record of this credit." in text
    acpe = delivery_of(pharmacist, "acpe-contact-hours")
    lines = transcript_lines(page, site_url, certificate)
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text(f"0.25 {ACPE_HOUR} (UAN {DEMO_UAN})")
    expect(lines.first).to_contain_text(
        f"To be reported to CPE Monitor by {format_day(acpe.deadline)}"
    )
    pharmacist_certificate = certificate

    # 2. The nurse practitioner: ANCC contact hours, and AMA credit ticked.
    np_page = open_page(new_context)
    complete_the_demo(np_page, site_url, demo_module, nurse_practitioner)
    assert credit_lines(np_page) == [f"0.25 {ANCC_HOUR}"]
    ama_box = np_page.get_by_role("checkbox", name=AMA_CREDIT)
    expect(ama_box).not_to_be_checked()
    ama_box.check()
    np_page.get_by_role("button", name="Update the amounts").click()
    assert credit_lines(np_page) == [f"0.25 {AMA_CREDIT}", f"0.25 {ANCC_HOUR}"]
    certificate = claim_and_wait_for_the_certificate(np_page, nurse_practitioner)
    expect(np_page.locator("#certificate-lines li")).to_have_text(
        [f"0.25 {AMA_CREDIT}", f"0.25 {ANCC_HOUR}"]
    )
    text = download_pdf_text(np_page)
    assert "Certificate of Credit" in text
    assert f"0.25 {AMA_CREDIT}" in text
    assert f"0.25 {ANCC_HOUR}" in text
    lines = transcript_lines(np_page, site_url, certificate)
    expect(lines).to_have_count(2)
    expect(lines.nth(0)).to_have_text(f"0.25 {AMA_CREDIT}")
    expect(lines.nth(1)).to_have_text(f"0.25 {ANCC_HOUR}")
    # No PARS consent: the NP's AMA credit is reported nowhere.
    assert not Delivery.objects.filter(line__claim__learner=nurse_practitioner).exists()

    # 3. The internist with an ABIM ID and PARS consent: AMA credit and ABIM MOC points,
    # the MOC line ticked because the profile holds the ABIM ID.
    md_page = open_page(new_context)
    complete_the_demo(md_page, site_url, demo_module, internist)
    expect(md_page.get_by_role("checkbox", name=ABIM_MOC)).to_be_checked()
    assert credit_lines(md_page) == [f"0.25 {AMA_CREDIT}", f"0.25 {ABIM_MOC}"]
    expect(md_page.locator(".missing-identifier")).to_have_count(0)
    certificate = claim_and_wait_for_the_certificate(md_page, internist)
    expect(md_page.locator("#certificate-lines li")).to_have_text(
        [f"0.25 {AMA_CREDIT}", f"0.25 {MOC_ON_CERTIFICATE}"]
    )
    text = download_pdf_text(md_page)
    assert f"0.25 {AMA_CREDIT}" in text
    assert f"0.25 {MOC_ON_CERTIFICATE}" in text
    ama, moc = delivery_of(internist, "ama-pra-category-1"), delivery_of(internist, "moc-points")
    lines = transcript_lines(md_page, site_url, certificate)
    expect(lines).to_have_count(2)
    expect(lines.nth(0)).to_contain_text(f"0.25 {AMA_CREDIT}")
    expect(lines.nth(0)).to_contain_text(
        f"To be reported to ACCME PARS by {format_day(ama.deadline)}"
    )
    # The transcript names the board and the MOC category.
    expect(lines.nth(1)).to_contain_text("0.25 MOC point (ABIM, Medical Knowledge)")
    expect(lines.nth(1)).to_contain_text(f"To be reported to ABIM by {format_day(moc.deadline)}")
    assert {d.status for d in (acpe, ama, moc)} == {DeliveryStatus.READY}

    # 4. The administrator sends the ready records and downloads both files.
    admin_page = open_page(new_context)
    log_in_through_the_pages(admin_page, site_url, cme_administrator, PASSWORD)
    send_from_the_reconciliation_page(admin_page, site_url, [acpe, ama, moc])
    pars_batch = DeliveryBatch.objects.get(registry=Registry.PARS)
    cpe_batch = DeliveryBatch.objects.get(registry=Registry.CPE_MONITOR)
    messages = admin_page.get_by_role("status")
    expect(messages.filter(has_text="Sent 2 records to ACCME PARS")).to_have_text(
        f"Sent 2 records to ACCME PARS (batch #{pars_batch.pk})."
    )
    expect(messages.filter(has_text="NABP CPE Monitor")).to_have_text(
        f"Sent 1 record to NABP CPE Monitor (batch #{cpe_batch.pk})."
    )

    admin_page.goto(site_url("reporting:registries:batches"))
    completed = CreditClaim.objects.get(learner=pharmacist).completed_on
    cpe_file = tsv_rows(download_batch(admin_page, cpe_batch).path())
    assert cpe_file == [
        CPE_MONITOR_HEADER,
        [EPID, f"03{WRONG_BIRTH_DAY:02d}", DEMO_UAN, completed.strftime("%m/%d/%Y"), "0.25",
         "Add"],
    ]  # fmt: skip
    pars_file = tsv_rows(download_batch(admin_page, pars_batch).path())
    assert pars_file[0] == PARS_HEADER
    by_record = {row[-1]: row for row in pars_file[1:]}
    assert sorted(by_record) == sorted([str(ama.pk), str(moc.pk)])
    md_completed = CreditClaim.objects.get(learner=internist).completed_on.strftime("%m/%d/%Y")
    assert by_record[str(moc.pk)] == [
        PROVIDER_ID, DEMO_PARS_ACTIVITY_ID, "Tomás", "Herrera", "11", "02", md_completed,
        "ABIM", ABIM_ID, "moc-points", "MK", "0.25", "Add", str(moc.pk),
    ]  # fmt: skip
    assert by_record[str(ama.pk)][7:10] == ["ABIM", ABIM_ID, "ama-pra-category-1"]

    # The answers: CPE Monitor rejects the pharmacist's record, PARS accepts both.
    upload_results(
        admin_page,
        registry="NABP CPE Monitor",
        name="cpe-monitor-results.csv",
        content=results_file(
            [
                ["ePID", "UAN", "Completion Date", "Status", "Reason"],
                [EPID, DEMO_UAN, completed.strftime("%m/%d/%Y"), "Rejected", REJECTION],
            ]
        ),
    )
    expect(admin_page.get_by_text("Results imported: 0 accepted, 1 rejected.")).to_be_visible()
    upload_results(
        admin_page,
        registry="ACCME PARS",
        name="pars-results.csv",
        content=results_file(
            [
                ["Record ID", "Status", "Reason"],
                [str(ama.pk), "accepted", ""],
                [str(moc.pk), "accepted", ""],
            ]
        ),
    )
    expect(admin_page.get_by_text("Results imported: 2 accepted, 0 rejected.")).to_be_visible()
    for delivery in (acpe, ama, moc):
        delivery.refresh_from_db()
    assert (acpe.status, acpe.reason) == (DeliveryStatus.REJECTED, REJECTION)
    assert (ama.status, moc.status) == (DeliveryStatus.ACCEPTED, DeliveryStatus.ACCEPTED)

    # The reconciliation page lists the rejection with CPE Monitor's reason.
    admin_page.goto(site_url("reporting:deliveries") + "?status=rejected")
    rejected = admin_page.get_by_role("row").filter(has_text="Priya Natarajan")
    expect(rejected).to_have_count(1)
    expect(rejected).to_contain_text(REJECTION)

    # The internist's transcript says the boards have the records.
    lines = transcript_lines(md_page, site_url, certificate)
    expect(lines.nth(0)).to_contain_text(f"Reported to ACCME PARS on {format_day(ama.sent_at)}")
    expect(lines.nth(1)).to_contain_text(f"Reported to ABIM on {format_day(moc.sent_at)}")

    # 5. The pharmacist reads the rejection, corrects the birth day in the profile, and the
    # record is ready to go again.
    lines = transcript_lines(page, site_url, pharmacist_certificate)
    status = lines.first.locator(".delivery-status")
    expect(status).to_have_text(f"Rejected by CPE Monitor: {REJECTION} — update your profile")
    status.get_by_role("link").click()
    expect(page).to_have_url(site_url("accounts:profile"))
    day = page.get_by_role("spinbutton", name=labelled("Day of birth"))
    expect(day).to_have_value(str(WRONG_BIRTH_DAY))
    day.fill(str(RIGHT_BIRTH_DAY))
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile has been saved.")).to_be_visible()
    acpe.refresh_from_db()
    assert acpe.status == DeliveryStatus.CORRECTED
    assert acpe.record["birth_mmdd"] == f"03{RIGHT_BIRTH_DAY:02d}"
    lines = transcript_lines(page, site_url, pharmacist_certificate)
    expect(lines.first.locator(".delivery-status")).to_have_text(
        f"To be reported to CPE Monitor by {format_day(acpe.deadline)}"
    )

    # The administrator sends it again: a new batch with the corrected birth date.
    send_from_the_reconciliation_page(admin_page, site_url, [acpe])
    resent = DeliveryBatch.objects.filter(registry=Registry.CPE_MONITOR).exclude(pk=cpe_batch.pk)
    assert resent.count() == 1
    second_batch = resent.get()
    expect(admin_page.get_by_role("status")).to_have_text(
        f"Sent 1 record to NABP CPE Monitor (batch #{second_batch.pk})."
    )
    admin_page.goto(site_url("reporting:registries:batches"))
    assert tsv_rows(download_batch(admin_page, second_batch).path())[1][:2] == [
        EPID,
        f"03{RIGHT_BIRTH_DAY:02d}",
    ]

    # Final state of every delivery, and the pharmacist's record's history.
    acpe.refresh_from_db()
    assert (acpe.status, acpe.batch_id) == (DeliveryStatus.SENT, second_batch.pk)
    assert [event.status for event in acpe.events.all()] == [
        DeliveryStatus.READY,
        DeliveryStatus.SENT,
        DeliveryStatus.REJECTED,
        DeliveryStatus.CORRECTED,
        DeliveryStatus.SENT,
    ]
    assert sorted(
        Delivery.objects.values_list("line__claim__learner__email", "registry", "status")
    ) == sorted(
        [
            (pharmacist.email, Registry.CPE_MONITOR, DeliveryStatus.SENT),
            (internist.email, Registry.PARS, DeliveryStatus.ACCEPTED),
            (internist.email, Registry.PARS, DeliveryStatus.ACCEPTED),
        ]
    )
    lines = transcript_lines(page, site_url, pharmacist_certificate)
    expect(lines.first.locator(".delivery-status")).to_have_text(
        f"Sent to CPE Monitor on {format_day(acpe.sent_at)}, waiting for its answer"
    )
