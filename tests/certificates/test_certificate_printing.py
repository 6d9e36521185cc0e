"""Certificates print every learner correctly: any script, any length the forms accept,
one page, nothing overlapping; and a certificate that would print an empty box instead of
a letter is not issued."""

import logging
import re
import subprocess
import xml.etree.ElementTree as ET
from itertools import combinations

import pytest
from django.core import mail

from certificates.exceptions import CertificateActionRefused
from certificates.issuance import (
    issue_certificate,
    render_and_store,
    requeue_stale_certificates,
    retry_printing,
)
from certificates.models import Certificate, CertificateEventKind, CertificateStatus
from courses.models import CreditType
from tests.certificates.conftest import claim

pytestmark = pytest.mark.django_db

BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u200e\u200f"))


def pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.translate(BIDI_CONTROLS).split())


def certificate_for(learner, module, *, name: str) -> Certificate:
    profile = learner.profile
    profile.certificate_name = name
    profile.save()
    return claim(learner, module).certificates.get()


@pytest.mark.parametrize(
    "name",
    [
        "山田 太郎",  # Japanese (kanji), the field's example
        "김민준",  # Korean (Hangul)
        "محمد عبد الرحمن",  # Arabic
        "דוד כהן",  # Hebrew
        "प्रिया राम",  # Devanagari
        "สมชาย ใจดี",  # Thai
        "Γιώργος Παπαδόπουλος",  # Greek
        "Анна Иванова",  # Cyrillic
        "Nguyễn Thị Minh Khai",  # Vietnamese (Latin with stacked diacritics)
    ],
)
def test_a_name_in_any_script_prints_with_every_glyph(evaluated_learner, module, name, caplog):
    """The field's example: a name in kanji printed as empty boxes (.notdef), and the
    certificate was still issued and e-mailed."""
    certificate = certificate_for(evaluated_learner, module, name=name)

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        issued = issue_certificate(certificate.pk)

    assert issued.status == CertificateStatus.ISSUED
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]
    assert name in pdf_text(issued.pdf.path)


def test_a_name_no_font_can_print_is_not_issued_and_the_administrator_is_told(
    evaluated_learner, module, caplog, cme_administrator
):
    name = "Ada \ue000 Lovelace"  # a private-use character: no font has a glyph for it
    certificate = certificate_for(evaluated_learner, module, name=name)

    with caplog.at_level(logging.ERROR, logger="certificates.issuance"):
        result = issue_certificate(certificate.pk)

    assert result.status == CertificateStatus.PENDING
    assert not result.pdf
    assert result.print_problem == (
        "No installed font has these characters, so the certificate would print empty boxes: "
        "\ue000 (U+E000). Install a font for them (see bin/_common.sh), then print it again."
    )
    assert result.events.filter(kind=CertificateEventKind.PRINT_FAILED).exists()
    assert f"certificate {result.number} not issued" in caplog.text
    assert mail.outbox == []
    assert requeue_stale_certificates(now=result.created_at.replace(year=2100)) == 0

    profile = evaluated_learner.profile
    profile.certificate_name = "Ada Lovelace"
    profile.save()
    retry_printing(result, by=cme_administrator)
    issued = issue_certificate(result.pk)

    assert issued.status == CertificateStatus.ISSUED
    assert "Ada Lovelace" in pdf_text(issued.pdf.path)
    assert issued.events.filter(kind=CertificateEventKind.PRINT_RETRIED, actor=cme_administrator)


def test_retrying_a_certificate_without_a_print_problem_is_refused(
    evaluated_learner, module, cme_administrator
):
    certificate = issue_certificate(claim(evaluated_learner, module).certificates.get().pk)

    with pytest.raises(CertificateActionRefused, match="no printing problem"):
        retry_printing(certificate, by=cme_administrator)


# Layout


def text_lines(path) -> tuple[tuple[float, float], list[tuple[str, tuple[float, ...]]]]:
    """(page width, height) and each line of text with its box (xMin, yMin, xMax, yMax), from
    `pdftotext -bbox-layout`; fails unless the PDF has exactly one page."""
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    out = re.sub(r"<!DOCTYPE[^>]*>", "", out).replace('xmlns="http://www.w3.org/1999/xhtml"', "")
    pages = ET.fromstring(out).findall(".//page")
    assert len(pages) == 1, f"the certificate has {len(pages)} pages"
    page = pages[0]
    lines = []
    for line in page.iter("line"):
        box = tuple(float(line.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))
        lines.append((" ".join(w.text or "" for w in line.iter("word")), box))
    return (float(page.get("width")), float(page.get("height"))), lines


def overlap(a, b, tolerance=0.5) -> bool:
    return (
        a[0] < b[2] - tolerance
        and b[0] < a[2] - tolerance
        and a[1] < b[3] - tolerance
        and b[1] < a[3] - tolerance
    )


def test_the_longest_values_the_forms_accept_fit_one_page_without_overlap(
    evaluated_learner, module, settings
):
    """The field's example: a 166-character name with a 160-character title printed the
    credit statement over "Date of completion" and "Certificate number"."""
    settings.CME_PROVIDER_NAME = "Interprofessional Continuing Education Collaborative " * 2
    module.title = ("Nemolizumab-associated cutaneous eruptions in atopic dermatitis " * 4)[:250]
    module.accreditation_statement = ("In support of improving patient care, " * 20)[:600]
    module.save()
    CreditType.objects.filter(pk=module.credits.get().credit_type_id).update(
        name="AMA PRA Category 1 Credit™ " * 4, name_plural="AMA PRA Category 1 Credits™ " * 4
    )
    profile = evaluated_learner.profile
    profile.designation, profile.designation_other = "other", "D" * 50
    profile.save()
    name = ("Maria Guadalupe Fernández de la Santísima Trinidad " * 4)[:200]
    certificate = certificate_for(evaluated_learner, module, name=name)

    issued = render_and_store(certificate.pk)

    (width, height), lines = text_lines(issued.pdf.path)
    for text, box in lines:
        assert box[0] >= 0 and box[2] <= width and box[1] >= 0 and box[3] <= height, text
    for (text_a, a), (text_b, b) in combinations(lines, 2):
        assert not overlap(a, b), f"“{text_a}” overlaps “{text_b}”"
    printed = pdf_text(issued.pdf.path)
    for part in ("Date of completion", "Certificate number", "Verify at", name[:40]):
        assert part in printed


def test_a_certificate_prints_the_accreditation_statement_activity_type_and_release_date(
    evaluated_learner, module
):
    certificate = issue_certificate(claim(evaluated_learner, module).certificates.get().pk)

    printed = pdf_text(certificate.pdf.path)
    assert " ".join(module.accreditation_statement.split()) in printed
    assert "Activity type: Enduring material" in printed
    assert f"Released {module.release_date:%-d %B %Y}" in printed


def test_administrators_find_certificates_that_cannot_be_printed_and_print_them_again(
    client, evaluated_learner, module, cme_administrator
):
    from django.urls import reverse

    certificate = certificate_for(evaluated_learner, module, name="Ada \ue000")
    issue_certificate(certificate.pk)
    profile = evaluated_learner.profile
    profile.certificate_name = "Ada Lovelace"
    profile.save()
    client.force_login(cme_administrator)
    changelist = reverse("admin:certificates_certificate_changelist")

    listed = client.get(changelist, {"printing": "problem"}).content.decode()
    response = client.post(
        changelist, {"action": "print_again", "_selected_action": [certificate.pk]}, follow=True
    )

    assert certificate.number in listed and "No installed font has these characters" in listed
    assert f"{certificate.number} queued to be printed again." in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.print_problem == ""
    assert certificate.printed["learner_name"] == "Ada Lovelace"


# One claim, several credit lines (docs/decisions/0006)


def designate_for_the_team(module):
    """AMA, ABIM and ABP MOC, ANCC, ACPE and AAPA designations of 0.75 each."""
    from decimal import Decimal

    from courses.credit_kinds import (
        AAPA_CATEGORY_1,
        ACPE_CONTACT_HOURS,
        ANCC_CONTACT_HOURS,
        MOC_POINTS,
        standard_kind,
    )
    from courses.models import ModuleCredit

    module.credits.update(max_credits=Decimal("0.75"))
    for code, extra in (
        (MOC_POINTS, {"moc_board": "ABIM", "moc_category": "MK"}),
        (MOC_POINTS, {"moc_board": "ABP", "moc_category": "LL"}),
        (ANCC_CONTACT_HOURS, {}),
        (ACPE_CONTACT_HOURS, {"uan": "JA4008162-0000-26-123-H01-P"}),
        (AAPA_CATEGORY_1, {}),
    ):
        ModuleCredit.objects.create(
            module=module, credit_type=standard_kind(code), max_credits=Decimal("0.75"), **extra
        )


def test_a_physician_s_certificate_lists_every_line_with_its_statement(evaluated_learner, module):
    designate_for_the_team(module)
    moc = set(module.credits.exclude(moc_board="").values_list("pk", flat=True))

    certificate = render_and_store(
        claim(evaluated_learner, module, amount="0.5", chosen_optional=moc).certificates.get().pk
    )

    printed = pdf_text(certificate.pdf.path)
    assert "Certificate of Credit" in printed
    for line in (
        "0.5 AMA PRA Category 1 Credit™",  # singular up to 1, as the AMA's statement
        "0.5 MOC point (ABIM, Medical Knowledge)",
        "0.5 MOC point (ABP, Lifelong Learning)",
    ):
        assert line in printed
    assert "American Board of Internal Medicine's (ABIM) Maintenance of Certification" in printed
    assert "designates this enduring material for a maximum of 0.75" in printed
    _, lines = text_lines(certificate.pdf.path)
    for (text_a, a), (text_b, b) in combinations(lines, 2):
        assert not overlap(a, b), f"“{text_a}” overlaps “{text_b}”"


def test_a_pharmacist_receives_a_record_of_participation_naming_cpe_monitor(module):
    from tests.certificates.conftest import evaluate, pass_post_test
    from tests.factories import UserFactory

    designate_for_the_team(module)
    pharmacist = UserFactory(profile__designation="PharmD")
    pass_post_test(pharmacist, module.post_test)
    evaluate(pharmacist, module)

    certificate = render_and_store(claim(pharmacist, module, amount="0.5").certificates.get().pk)

    printed = pdf_text(certificate.pdf.path)
    assert "Record of Participation" in printed
    assert "0.5 ACPE contact hour (UAN JA4008162-0000-26-123-H01-P)" in printed
    assert "NABP's CPE Monitor holds the pharmacist's official record of this credit." in printed
    assert "AMA PRA" not in printed.split("Pharmacists:")[0]
