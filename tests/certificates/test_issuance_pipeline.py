"""The certificate pipeline keeps its guarantees after the cuts of issue 15: the e-mail
attaches the very bytes that were stored (handed over in memory, or read back when the
e-mail step runs on its own), a mail server that refuses leaves the certificate issued
and e-mailed later without a second render, and the .notdef refusal does not depend on
how logging is configured."""

import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from certificates.issuance import email_certificate, issue_certificate, render_and_store
from certificates.models import CertificateEventKind, CertificateStatus
from tests.certificates.conftest import claim

pytestmark = pytest.mark.django_db


class RefusingEmailBackend(BaseEmailBackend):
    """A mail server that is down: every message is refused."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture
def certificate(evaluated_learner, module):
    return claim(evaluated_learner, module).certificates.get()


def stored_bytes(certificate) -> bytes:
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def test_the_e_mail_attaches_exactly_the_stored_file(certificate):
    issued = issue_certificate(certificate.pk)

    (name, content, mimetype), = mail.outbox[0].attachments  # fmt: skip
    assert (name, mimetype) == (f"{issued.number}.pdf", "application/pdf")
    assert content == stored_bytes(issued)
    assert content.startswith(b"%PDF-")


def test_an_e_mail_sent_on_its_own_reads_the_stored_file(certificate):
    issued = render_and_store(certificate.pk)
    assert mail.outbox == []

    emailed = email_certificate(issued.pk)

    assert emailed.emailed_at is not None
    assert mail.outbox[0].attachments[0][1] == stored_bytes(issued)


def test_a_refused_e_mail_leaves_the_certificate_issued_and_it_is_sent_later_without_a_new_render(
    certificate, settings
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingEmailBackend"
    with pytest.raises(smtplib.SMTPServerDisconnected):
        issue_certificate(certificate.pk)

    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.ISSUED
    assert certificate.emailed_at is None
    before = (certificate.issued_at, stored_bytes(certificate))
    assert not certificate.events.filter(kind=CertificateEventKind.EMAILED).exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    emailed = issue_certificate(certificate.pk)

    assert emailed.emailed_at is not None
    assert (emailed.issued_at, stored_bytes(emailed)) == before
    assert len(mail.outbox) == 1
    assert mail.outbox[0].attachments[0][1] == before[1]
    kinds = list(emailed.events.values_list("kind", flat=True))
    assert (
        kinds.count(CertificateEventKind.ISSUED),
        kinds.count(CertificateEventKind.EMAILED),
    ) == (
        1,
        1,
    )


def test_a_missing_glyph_is_refused_even_with_weasyprint_s_warnings_silenced(
    evaluated_learner, module, caplog
):
    """The refusal reads the rendered document's fonts, not WeasyPrint's log: an operator
    who quiets the "weasyprint" logger does not let empty boxes through."""
    profile = evaluated_learner.profile
    profile.certificate_name = "Ada \ue000\ue000 Lovelace \ue001"  # private use: no font has them
    profile.save()
    certificate = claim(evaluated_learner, module).certificates.get()
    caplog.set_level(logging.CRITICAL, logger="weasyprint")

    result = issue_certificate(certificate.pk)

    assert result.status == CertificateStatus.PENDING
    assert not result.pdf
    assert result.print_problem == (
        "No installed font has these characters, so the certificate would print empty boxes: "
        "\ue000 (U+E000), \ue001 (U+E001). Install a font for them (see bin/_common.sh), "
        "then print it again."
    )
    assert mail.outbox == []


def test_issuing_is_audited_pending_to_issued_with_both_events(certificate):
    from auditlog.models import LogEntry

    issued = issue_certificate(certificate.pk)

    changes = [entry.changes_dict for entry in LogEntry.objects.get_for_object(issued)]
    assert {"status": ["pending", "issued"]} in changes
    kinds = list(issued.events.order_by("pk").values_list("kind", flat=True))
    assert kinds[-2:] == [CertificateEventKind.ISSUED, CertificateEventKind.EMAILED]
    issued.refresh_from_db()
    assert issued.emailed_at >= issued.issued_at
