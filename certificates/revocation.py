"""What a revoked (or superseded) certificate becomes for its owner: a notice by e-mail with
the reason, and a stamped copy instead of the original PDF.

`revoke_certificate` (certificates/issuance.py) changes the status; this module carries the
consequences. The stored original PDF is never touched: accreditors audit it, and CME
administrators may still fetch it. Dates are shown in the site's time zone (UTC), as on
every page, so the stamp, the e-mail and the pages agree.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from accounts.timezones import learner_time_zone
from certificates.issuance import render_certificate_html, render_certificate_pdf
from certificates.models import (
    Certificate,
    CertificateEvent,
    CertificateEventKind,
    CertificateStatus,
)
from core.formats import format_day
from core.plaintext import render_plain_text

logger = logging.getLogger(__name__)


def email_revocation_notice(certificate_id: int) -> Certificate:
    """E-mail the learner that their certificate was revoked, with the date and the reason
    the administrator gave, once (`revocation_emailed_at`; at least once if a worker dies
    between sending and saving, as for the certificate e-mail, ADR 0003).

    A certificate that is not revoked, or whose notice was sent, is returned untouched.
    """
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(of=("self",))
            .select_related("claim__learner")
            .get(pk=certificate_id)
        )
        if certificate.status != CertificateStatus.REVOKED or certificate.revocation_emailed_at:
            return certificate
        printed = certificate.printed
        EmailMessage(
            subject=f"Your CME certificate {certificate.number} has been revoked",
            body=render_plain_text(
                "certificates/email/certificate_revoked.txt",
                {
                    "certificate": certificate,
                    "printed": printed,
                    "certificate_url": settings.SITE_URL.rstrip("/")
                    + certificate.get_absolute_url(),
                    "support_email": settings.CME_SUPPORT_EMAIL,
                },
                time_zone=learner_time_zone(certificate.claim.learner),
            ),
            to=[certificate.claim.learner.email],
        ).send()
        certificate.revocation_emailed_at = timezone.now()
        certificate.save(update_fields=["revocation_emailed_at"])
        CertificateEvent.objects.create(
            certificate=certificate, kind=CertificateEventKind.REVOCATION_EMAILED
        )
    return certificate


def stamp_text(certificate: Certificate) -> str:
    """The banner a copy of a certificate that no longer attests credit carries, e.g.
    "REVOKED on 3 May 2026" or "SUPERSEDED by certificate CME-2026-0A1B2C3D"; empty for a
    certificate that is valid or still being prepared."""
    if certificate.status == CertificateStatus.REVOKED:
        return f"REVOKED on {format_day(certificate.revoked_at)}"
    if certificate.status == CertificateStatus.SUPERSEDED:
        if certificate.superseded_by_id:
            return f"SUPERSEDED by certificate {certificate.superseded_by.number}"
        return "SUPERSEDED"
    return ""


def render_stamped_copy(certificate: Certificate) -> bytes:
    """The certificate as issued (the same template and the same fixed `printed` data),
    with `stamp_text` across it, as a tagged PDF. Rendered on request, never stored:
    revoked and superseded downloads are rare, and the stored original stays as issued.

    Raises ValueError for a certificate that needs no stamp.
    """
    stamp = stamp_text(certificate)
    if not stamp:
        raise ValueError(f"Certificate {certificate.number} is {certificate.status}: no stamp.")
    return render_certificate_pdf(
        render_certificate_html(certificate, stamp=stamp), every_glyph=False
    )
