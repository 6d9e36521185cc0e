"""A CME administrator reads the credits earned, exports them and revokes a certificate, in
the browser.

Completions are prepared through the domain functions (pass, evaluate, claim, issue); the
administrator works only through the pages: the credits dashboard with its date filter and
CSV download, the PARS page, a learner's record, the certificate and its revocation, and the
audit log in the admin.
"""

import codecs
import csv
import datetime
import io
import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts.roles import CME_ADMINISTRATORS
from certificates.models import CertificateStatus
from tests.browser.conftest import log_in_through_the_pages
from tests.certificates.test_views import make_certificate
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"
AMA_CREDIT = "AMA PRA Category 1 Credit™"
REASON = "Claimed by mistake for a colleague's session (support ticket 4182)."
CSV_HEADER = [
    "Completed on", "Last name", "First name", "E-mail", "Profession", "Activity", "Edition",
    "Credit type", "Certificate kind", "Credits", "Certificate number", "Certificate status",
]  # fmt: skip


# --- Helpers -------------------------------------------------------------------------------


def labelled(text):
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def log_in(page, site_url, user):
    log_in_through_the_pages(page, site_url, user, PASSWORD)


def nav_link(page, name):
    return page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name=name, exact=True
    )


def totals(page):
    return page.get_by_role("region", name="Totals")


def completions_table(page):
    return page.get_by_role("table", name="Completions, newest first")


def completion_rows(page):
    return completions_table(page).locator("tbody").get_by_role("row")


@pytest.fixture
def cme_administrator(transactional_db):
    user = UserFactory(email="cme-admin@example.com", is_staff=True)
    user.groups.add(Group.objects.get(name=CME_ADMINISTRATORS))
    return user


@pytest.fixture
def completions(transactional_db):
    """Three issued certificates: two of Ana Ruiz's in 2025, one of Ben Okafor's in 2026."""
    ana = UserFactory(first_name="Ana", last_name="Ruiz", email="ana.ruiz@example.com")
    ben = UserFactory(first_name="Ben", last_name="Okafor", email="ben.okafor@example.com")
    return {
        "ana_march": make_certificate(ana, completed_on=datetime.date(2025, 3, 1), amount="0.75"),
        "ana_november": make_certificate(
            ana, completed_on=datetime.date(2025, 11, 30), amount="0.50"
        ),
        "ben": make_certificate(ben, completed_on=datetime.date(2026, 2, 14), amount="1.00"),
    }


# --- The journey ---------------------------------------------------------------------------


def test_an_administrator_filters_exports_and_revokes_a_certificate_with_a_reason(
    page, site_url, cme_administrator, completions, axe_check
):
    """A CME administrator logs in and opens "Credits" in the navigation: 2 learners, 3
    completions, 2.25 AMA PRA Category 1 Credits™. They filter completions from 1 January
    to 31 December 2025: the totals become 1 learner, 2 completions, 1.25 credits, and the
    table lists Ana Ruiz's two completions only. "Download CSV now" downloads those two
    rows under the report's header. The PARS page opens with the same filter.

    From the completions table they open Ana Ruiz's record, then her March certificate,
    press "Revoke…", give a reason and revoke it. The certificate page says it is revoked and
    its audit trail shows the revocation with the reason; the filtered totals drop to 1
    completion. In the admin's audit log, the entry of the certificate's revocation, by
    the administrator, shows the reason too."""
    march, november, ben = completions["ana_march"], completions["ana_november"], completions["ben"]
    assert {c.status for c in (march, november, ben)} == {CertificateStatus.ISSUED}

    log_in(page, site_url, cme_administrator)
    nav_link(page, "Credits").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Credits earned")
    expect(totals(page)).to_contain_text("2 learners, 3 completions.")
    expect(totals(page).get_by_role("listitem")).to_have_text(
        [f"2.25 {AMA_CREDIT} in 3 completions"]
    )
    expect(completion_rows(page)).to_have_count(3)
    axe_check()

    # Filter by the completion date.
    filter_form = page.get_by_role("form", name="Filter completions")
    filter_form.get_by_label("Completed from").fill("2025-01-01")
    filter_form.get_by_label("to", exact=True).fill("2025-12-31")
    filter_form.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"start=2025-01-01.*end=2025-12-31"))
    expect(totals(page)).to_contain_text("1 learner, 2 completions.")
    expect(totals(page).get_by_role("listitem")).to_have_text(
        [f"1.25 {AMA_CREDIT} in 2 completions"]
    )
    expect(completion_rows(page)).to_have_count(2)
    expect(completion_rows(page).first).to_contain_text("30 November 2025")
    expect(completion_rows(page).last).to_contain_text("1 March 2025")
    expect(completions_table(page)).not_to_contain_text("Ben Okafor")

    # The CSV of what the filter shows.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV now").click()
    download = download_info.value
    assert download.suggested_filename == "cme-completions.csv"
    with open(download.path(), "rb") as file:
        data = file.read()
    assert data.startswith(codecs.BOM_UTF8)  # so that Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == CSV_HEADER
    by_number = {row[10]: row for row in rows[1:]}
    assert set(by_number) == {march.number, november.number}
    assert by_number[march.number][:5] == [
        "2025-03-01", "Ruiz", "Ana", "ana.ruiz@example.com", "MD",
    ]  # fmt: skip
    assert by_number[march.number][7:] == [
        AMA_CREDIT, "credit", "0.75", march.number, "issued",
    ]  # fmt: skip
    assert by_number[november.number][0] == "2025-11-30"
    assert by_number[november.number][9] == "0.50"

    # The PARS page keeps the filter.
    page.get_by_role("link", name="PARS reporting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reporting completions to ACCME PARS")
    expect(page.get_by_label("Completed from")).to_have_value("2025-01-01")
    axe_check()
    page.get_by_role("link", name="← Credits").click()
    expect(totals(page)).to_contain_text("1 learner, 2 completions.")

    # Completions table → learner record → certificate → Revoke….
    completions_table(page).get_by_role("link", name="Ana Ruiz").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ana Ruiz")
    certificates = page.get_by_role("region", name="Certificates")
    expect(certificates.get_by_role("listitem")).to_have_count(2)
    certificates.get_by_role("link", name=march.number).click()
    expect(page.get_by_role("main")).to_contain_text(march.number)
    page.get_by_role("link", name="Revoke…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Revoke certificate {march.number}")
    page.get_by_label(labelled("Reason")).fill(REASON)
    page.get_by_role("button", name="Revoke", exact=True).click()

    expect(page.get_by_role("status").first).to_have_text(f"Certificate {march.number} revoked.")
    expect(page.locator("#certificate-status")).to_contain_text("This certificate was revoked on")
    expect(page.locator("#certificate-status")).to_contain_text(f"Reason: {REASON}")
    expect(page.get_by_role("link", name="Revoke…")).to_have_count(0)
    expect(page.locator("#audit-trail")).to_contain_text(
        f"Revoked by {cme_administrator.email} — “{REASON}”"
    )
    march.refresh_from_db()
    assert march.status == CertificateStatus.REVOKED

    # The revoked credit no longer counts.
    nav_link(page, "Credits").click()
    expect(totals(page)).to_contain_text("2 learners, 2 completions.")

    # The audit log in the admin: the certificate's revocation, by whom and why.
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("log entr", re.I))
    page.get_by_role("textbox", name="Search").fill(march.number)
    page.get_by_role("button", name="Search").click()
    entries = page.locator("#result_list tbody tr")
    revocation = entries.filter(has_text=cme_administrator.email)
    expect(revocation).to_have_count(1)
    expect(revocation).to_contain_text(f"Certificate {march.number}")
    expect(revocation).to_contain_text("status")
    expect(revocation).to_contain_text(REASON)
    revocation.get_by_role("link").first.click()
    expect(page.get_by_role("main")).to_contain_text("revoked")
    expect(page.get_by_role("main"), "the reason is not shown in the audit log").to_contain_text(
        REASON
    )
