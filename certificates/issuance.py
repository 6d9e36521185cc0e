"""Issuing, re-issuing and revoking certificates.

Issuing is idempotent: the certificate row is locked while its PDF is rendered and stored,
and a certificate already issued is left alone, so a retry, a duplicate delivery or two
workers yield one file, one number and one e-mail. The PDF is rendered once, at issue, and
never again: a later profile or module edit cannot change an issued certificate.
"""

import datetime
import logging
import smtplib

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.emails import has_confirmed_email
from accounts.models import User
from accounts.timezones import learner_time_zone
from certificates.claims import create_certificate, printed_fields
from certificates.exceptions import CertificateActionRefused, CertificateCannotBePrinted
from certificates.layout import type_sizes
from certificates.models import (
    Certificate,
    CertificateEvent,
    CertificateEventKind,
    CertificateStatus,
)
from certificates.queueing import (
    enqueue_issuance,
    enqueue_revocation_notice,
    schedule_issuance,
)
from core.audit import recorded_as
from core.plaintext import render_plain_text
from core.tasks import waiting_messages

logger = logging.getLogger(__name__)

# A certificate still pending this long after it was last queued is queued again.
REQUEUE_AFTER = datetime.timedelta(minutes=3)


def verification_url(certificate: Certificate) -> str:
    return settings.SITE_URL.rstrip("/") + certificate.get_verification_path()


def render_certificate_html(certificate: Certificate, *, stamp: str = "") -> str:
    """The certificate page as HTML from its fixed `printed` data; `stamp` (e.g. "REVOKED on
    3 May 2026") prints a banner across a copy of a certificate that no longer counts."""
    url = verification_url(certificate)
    return render_to_string(
        "certificates/pdf/certificate.html",
        {
            "certificate": certificate,
            "printed": certificate.printed,
            "verification_url": url,
            "qr_svg": segno.make(url, error="m").svg_inline(scale=3, dark="#000"),
            "stamp": stamp,
            "sizes": type_sizes(certificate.printed),
        },
    )


# The options of every PDF the site prints: tagged PDF/UA-1, with the title and language
# taken from the HTML's <title> and lang attribute.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "custom_metadata": True}


def write_pdf(html: str):
    """The bare HTML-to-PDF call that every certificate, stamped copy and transcript goes
    through: WeasyPrint, with the project's base URL and PDF_OPTIONS, and nothing else (the
    benchmark's "bare render" is this call). Returns (the PDF's bytes, WeasyPrint's
    Document, whose `fonts` say which characters were drawn as .notdef)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(**PDF_OPTIONS)
    return document.write_pdf(**PDF_OPTIONS), document


def missing_glyphs(document) -> list[str]:
    """The characters of a rendered WeasyPrint Document that no installed font has (drawn
    as .notdef, an empty box), as "X (U+XXXX)", in code point order; [] when every
    character has a glyph. Read from the fonts the PDF embeds, once per document: no
    second parse of the PDF and no dependence on how logging is configured."""
    codepoints = {codepoint for font in document.fonts.values() for codepoint in font.missing}
    return [f"{chr(codepoint)} (U+{codepoint:04X})" for codepoint in sorted(codepoints)]


def render_certificate_pdf(html: str, *, every_glyph: bool = True) -> bytes:
    """A tagged PDF/UA-1 document: its title and language come from the HTML's <title> and
    lang attribute, and its text stays text, so screen readers can read it.

    With `every_glyph` (certificates), raises CertificateCannotBePrinted when a character
    has no glyph in any installed font (WeasyPrint would draw an empty box and log
    ".notdef"); otherwise such characters are only logged (by WeasyPrint)."""
    pdf, document = write_pdf(html)
    if every_glyph and (missing := missing_glyphs(document)):
        raise CertificateCannotBePrinted(missing)
    return pdf


def render_and_store(certificate_id: int) -> Certificate:
    """Render and store the PDF of a pending certificate and mark it issued, without
    e-mailing it. A certificate that would print a character no font has is not issued:
    the problem is recorded on it (`print_problem`, an event, an error in the log) for an
    administrator, who prints it again with `retry_printing` once a font is installed or
    the name corrected. Returns the certificate as it stands afterwards."""
    with transaction.atomic():
        certificate = _locked(certificate_id)
        printable = (
            certificate.status == CertificateStatus.PENDING and not certificate.print_problem
        )
        if printable and _print_locked(certificate) is not None:
            _record(certificate, issued=True, emailed=False)
    return certificate


def email_certificate(certificate_id: int) -> Certificate:
    """E-mail an issued certificate to the learner, once, attaching the stored file; held
    while the learner's address is unconfirmed (send_held_certificates). Raises what the
    mail backend raises when the message is refused (nothing is recorded then).

    Delivery is at least once (docs/decisions/0003-certificate-email-at-least-once.md): the
    row lock stops duplicate deliveries and concurrent workers, but a worker killed after
    the mail server accepted the message and before `emailed_at` is saved sends it again
    on retry; a learner getting a second e-mail is better than getting none."""
    with transaction.atomic():
        certificate = _locked(certificate_id)
        unsent = certificate.status == CertificateStatus.ISSUED and certificate.emailed_at is None
        if unsent and _send_locked(certificate, pdf=None):
            _record(certificate, issued=False, emailed=True)
    return certificate


def issue_certificate(certificate_id: int) -> Certificate:
    """Issue one certificate from start to end, as its Celery task does, in one transaction
    holding the certificate's row lock: render and store the PDF, e-mail it with the bytes
    just rendered, then record both (one audited save, the ISSUED and EMAILED events).
    Harmless to call again: what is done is not done twice.

    A mail server that refuses the message does not undo the issue: the certificate is
    recorded as issued, the transaction commits, and the error (smtplib.SMTPException or
    OSError) is raised afterwards, so the task retries the e-mail alone. As with
    email_certificate, delivery is at least once (ADR 0003): a worker killed between the
    mail server's reply and the commit sends the e-mail again, with the same number."""
    refused = None
    with transaction.atomic():
        certificate = _locked(certificate_id)
        issued, emailed, pdf = False, False, None
        if certificate.status == CertificateStatus.PENDING:
            if certificate.print_problem:
                return certificate  # an administrator prints it again (retry_printing)
            pdf = _print_locked(certificate)
            if pdf is None:
                return certificate
            issued = True
        if certificate.status == CertificateStatus.ISSUED and certificate.emailed_at is None:
            try:
                emailed = _send_locked(certificate, pdf=pdf)
            except MAIL_ERRORS as error:
                refused = error  # recorded as issued, then raised once committed
        _record(certificate, issued=issued, emailed=emailed)
    if refused is not None:
        raise refused
    return certificate


# What a mail backend raises when the message is not accepted (connection errors and
# timeouts are OSErrors).
MAIL_ERRORS = (smtplib.SMTPException, OSError)


def _locked(certificate_id: int) -> Certificate:
    """The certificate, its row locked until the transaction ends, with its claim, learner
    and profile (the e-mail's address and time zone) read in the same query."""
    return (
        Certificate.objects.select_for_update(of=("self",))
        .select_related("claim__learner__profile")
        .get(pk=certificate_id)
    )


def _print_locked(certificate: Certificate) -> bytes | None:
    """Render and store the PDF of a pending certificate whose row is locked, and set its
    `pdf`, `status` and `issued_at` (saved by _record). Returns the PDF's bytes, or None
    when it cannot be printed: the problem is then saved on it, with its event."""
    try:
        pdf = render_certificate_pdf(render_certificate_html(certificate))
    except CertificateCannotBePrinted as problem:
        logger.error("certificate %s not issued: %s", certificate.number, problem)
        certificate.print_problem = str(problem)
        certificate.save(update_fields=["print_problem"])
        CertificateEvent.objects.create(
            certificate=certificate, kind=CertificateEventKind.PRINT_FAILED, reason=str(problem)
        )
        return None
    store_certificate_pdf(certificate, pdf)
    certificate.status = CertificateStatus.ISSUED
    certificate.issued_at = timezone.now()
    return pdf


def _send_locked(certificate: Certificate, *, pdf: bytes | None) -> bool:
    """E-mail an issued certificate whose row is locked, attaching `pdf` (read from storage
    when None), and set `emailed_at` (saved by _record). Returns False, sending nothing,
    while the learner's address is unconfirmed. Raises MAIL_ERRORS as the backend does."""
    learner = certificate.claim.learner
    if not has_confirmed_email(learner):
        # Held until the learner confirms an address (send_held_certificates).
        logger.info("certificate %s not e-mailed: address unconfirmed", certificate.number)
        return False
    if pdf is None:
        with certificate.pdf.open("rb") as stored:
            pdf = stored.read()
    send_certificate_email(certificate, learner=learner, pdf=pdf)
    certificate.emailed_at = timezone.now()
    return True


def _record(certificate: Certificate, *, issued: bool, emailed: bool) -> None:
    """Save what _print_locked and _send_locked set, and their events: an issue through
    save(), so the audit log records the status change; an e-mail alone as an UPDATE
    (emailed_at is not among the audited fields, certificates/apps.py, and the audit log's
    read of the row before a save would find nothing to record)."""
    kinds = [CertificateEventKind.ISSUED] * issued + [CertificateEventKind.EMAILED] * emailed
    if not kinds:
        return
    if issued:
        fields = ["pdf", "status", "issued_at"] + ["emailed_at"] * emailed
        certificate.save(update_fields=fields)
    else:
        Certificate.objects.filter(pk=certificate.pk).update(emailed_at=certificate.emailed_at)
    CertificateEvent.objects.bulk_create(
        [CertificateEvent(certificate=certificate, kind=kind) for kind in kinds]
    )


def store_certificate_pdf(certificate: Certificate, pdf: bytes) -> None:
    """Write `pdf` (bytes) as the certificate's file `certificates/<number>.pdf` through the
    default storage (the local folder or the object store), once, replacing a file that a
    killed earlier run left under that name. Sets `certificate.pdf`; does not save the row.
    Raises what the storage raises (OSError, botocore errors)."""
    name = f"{certificate.number}.pdf"
    if certificate.pdf.storage.exists(f"certificates/{name}"):
        certificate.pdf.storage.delete(f"certificates/{name}")  # a killed earlier run
    certificate.pdf.save(name, ContentFile(pdf), save=False)


def send_certificate_email(certificate: Certificate, *, learner: User, pdf: bytes) -> None:
    """Compose the certificate e-mail (plain text in the learner's time zone, with `pdf`
    attached as <number>.pdf) and hand it to the mail backend. Raises what the backend
    raises when the message is not accepted (smtplib.SMTPException, OSError)."""
    printed = certificate.printed
    message = EmailMessage(
        subject=f"Your CME certificate: {printed['activity_title']}",
        body=render_plain_text(
            "certificates/email/certificate_issued.txt",
            {
                "certificate": certificate,
                "printed": printed,
                "verification_url": verification_url(certificate),
            },
            time_zone=learner_time_zone(learner),
        ),
        to=[learner.email],
    )
    message.attach(f"{certificate.number}.pdf", pdf, "application/pdf")
    message.send()


def requeue_stale_certificates(*, now: datetime.datetime | None = None) -> int:
    """Queue again every certificate whose work is unfinished REQUEUE_AFTER after it was last
    queued (or never was, because the broker was down): still pending, or issued but not
    yet e-mailed (a worker died between the two steps); and every revoked certificate
    whose revocation notice has not been e-mailed (including any revoked before notices
    existed). The tasks are idempotent, so a certificate whose task is merely slow is not
    issued or notified twice. While tasks still wait in the broker's queue (a surge longer
    than REQUEUE_AFTER), that many of the unfinished certificates are left to them
    (core.tasks.waiting_messages): the 31 December drill queued 9,581 tasks again for
    3,800 certificates before this rule."""
    cutoff = (now or timezone.now()) - REQUEUE_AFTER
    unfinished = Q(status=CertificateStatus.PENDING) | Q(
        status=CertificateStatus.ISSUED, emailed_at__isnull=True
    )
    stale = Certificate.objects.filter(unfinished, created_at__lt=cutoff, print_problem="")
    stale = stale.exclude(last_queued_at__gte=cutoff).exclude(
        status=CertificateStatus.ISSUED, claim__learner__in=_learners_without_confirmed_email()
    )
    unnotified = Certificate.objects.filter(
        status=CertificateStatus.REVOKED,
        revocation_emailed_at__isnull=True,
        revoked_at__lt=cutoff,
    ).exclude(last_queued_at__gte=cutoff)
    # A task waiting in a long queue (a surge) is not lost: as many of the longest-waiting
    # certificates as there are messages still waiting are left to them, so a backlog
    # longer than REQUEUE_AFTER is not queued again and again. After a broker that lost
    # its messages, nothing waits, and every stale certificate is queued again.
    stale_ids = list(
        stale.order_by(F("last_queued_at").asc(nulls_first=True), "pk").values_list("pk", flat=True)
    )
    waiting = waiting_messages() if stale_ids else 0
    if waiting:
        logger.info(
            "%d unfinished certificates, %d tasks still waiting in the queue: %d queued again",
            len(stale_ids), waiting, max(0, len(stale_ids) - waiting),
        )  # fmt: skip
    count = 0
    for certificate_id in stale_ids[: max(0, len(stale_ids) - waiting)]:
        if enqueue_issuance(certificate_id):
            CertificateEvent.objects.create(
                certificate_id=certificate_id, kind=CertificateEventKind.REQUEUED
            )
            count += 1
    for certificate_id in unnotified.values_list("pk", flat=True):
        if enqueue_revocation_notice(certificate_id):
            CertificateEvent.objects.create(
                certificate_id=certificate_id, kind=CertificateEventKind.REQUEUED
            )
            count += 1
    return count


def _learners_without_confirmed_email():
    from allauth.account.models import EmailAddress

    confirmed = EmailAddress.objects.filter(
        user=OuterRef("pk"), email__iexact=OuterRef("email"), primary=True, verified=True
    )
    return get_user_model().objects.filter(~Exists(confirmed)).values("pk")


def send_held_certificates(learner: User) -> int:
    """Queue the e-mail of the learner's issued certificates that were held because their
    address was unconfirmed (called when they confirm one). Returns how many were queued."""
    if not has_confirmed_email(learner):
        return 0
    held = Certificate.objects.filter(
        claim__learner=learner, status=CertificateStatus.ISSUED, emailed_at__isnull=True
    ).values_list("pk", flat=True)
    return sum(1 for certificate_id in held if enqueue_issuance(certificate_id))


@transaction.atomic
def retry_printing(certificate: Certificate, *, by: User) -> Certificate:
    """Clear a certificate's print problem and queue it again (after a font was installed
    or the learner's name corrected), with an event saying who did it. Raises
    CertificateActionRefused for a certificate that has no print problem."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status != CertificateStatus.PENDING or not certificate.print_problem:
        raise CertificateActionRefused("This certificate has no printing problem to retry.")
    certificate.print_problem = ""
    certificate.printed = printed_fields(certificate.claim, certificate.claim.learner)
    certificate.save(update_fields=["print_problem", "printed"])
    CertificateEvent.objects.create(
        certificate=certificate, kind=CertificateEventKind.PRINT_RETRIED, actor=by
    )
    schedule_issuance(certificate)
    return certificate


# Extension point: functions called with each revoked certificate, inside the revocation's
# transaction (reporting withdraws the certificate's registry deliveries).
_revocation_listeners: list = []


def register_revocation_listener(listener) -> None:
    """Have `listener(certificate)` called for every revocation, inside its transaction
    (what it writes commits or rolls back with the revocation). Filled by apps above
    certificates in their AppConfig.ready(); registering twice is harmless."""
    if listener not in _revocation_listeners:
        _revocation_listeners.append(listener)


@transaction.atomic
def revoke_certificate(certificate: Certificate, *, by: User, reason: str) -> Certificate:
    """Revoke a valid certificate for good: it stops attesting credit everywhere (pages,
    transcript, reports, verification) and cannot be re-issued; its claim stays, so the
    learner cannot claim the activity again. The date and the reason are kept on the
    certificate and in its audit trail; the learner is e-mailed both once the revocation
    commits (`certificates.revocation.email_revocation_notice`). The stored PDF is kept
    as issued; the owner's download becomes a stamped copy.

    Raises CertificateActionRefused without a reason or for a certificate not valid.
    """
    reason = reason.strip()
    if not reason:
        raise CertificateActionRefused("Give a reason: it is kept with the revocation.")
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status != CertificateStatus.ISSUED:
        raise CertificateActionRefused(
            f"Only a valid certificate can be revoked; this one is "
            f"{certificate.get_status_display().lower()}."
        )
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revocation_reason = reason
    with recorded_as(by, reason=reason):
        certificate.save(update_fields=["status", "revoked_at", "revocation_reason"])
    CertificateEvent.objects.create(
        certificate=certificate, kind=CertificateEventKind.REVOKED, actor=by, reason=reason
    )
    for listener in _revocation_listeners:
        listener(certificate)
    transaction.on_commit(lambda: enqueue_revocation_notice(certificate.pk))
    return certificate


@transaction.atomic
def reissue_certificate(certificate: Certificate, *, by: User, reason: str) -> Certificate:
    """Issue a corrected certificate (e.g. after a legal-name correction) with a new number;
    the old one is marked superseded and stays verifiable as such."""
    reason = reason.strip()
    if not reason:
        raise CertificateActionRefused("Give a reason: it is kept with the re-issue.")
    old = (
        Certificate.objects.select_for_update()
        .select_related("claim__learner")
        .get(pk=certificate.pk)
    )
    if old.status != CertificateStatus.ISSUED:
        raise CertificateActionRefused(
            f"Only a valid certificate can be re-issued; this one is "
            f"{old.get_status_display().lower()}."
        )
    with recorded_as(by, reason=reason):
        old.status = CertificateStatus.SUPERSEDED  # first: one current certificate per claim
        old.save(update_fields=["status"])
        new = create_certificate(old.claim, learner=old.claim.learner)
        old.superseded_by = new
        old.save(update_fields=["superseded_by"])
    CertificateEvent.objects.create(
        certificate=old, kind=CertificateEventKind.REISSUED, actor=by, reason=reason
    )
    CertificateEvent.objects.create(
        certificate=new, kind=CertificateEventKind.CLAIMED, actor=by, reason=reason
    )
    schedule_issuance(new)
    return new
