import datetime
import io

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from certificates.exceptions import CertificateActionRefused
from certificates.issuance import (
    issue_certificate,
    reissue_certificate,
    requeue_stale_certificates,
    revoke_certificate,
)
from certificates.models import Certificate, CertificateEventKind, CertificateStatus
from certificates.tasks import issue_certificate as issue_certificate_task
from tests.certificates.conftest import claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(evaluated_learner, module):
    profile = evaluated_learner.profile
    profile.certificate_name = "José A. Ñúñez"
    profile.save()
    return claim(evaluated_learner, module).certificates.get()


def pdf_text(certificate) -> str:
    with certificate.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(page.extract_text() for page in reader.pages)


def test_issuing_renders_stores_and_emails_the_certificate(certificate, module):
    issued = issue_certificate(certificate.pk)

    assert issued.status == CertificateStatus.ISSUED
    assert issued.issued_at is not None and issued.emailed_at is not None
    text = pdf_text(issued)
    for expected in ("José A. Ñúñez, MD", module.title, "0.25", issued.number, "Credit™"):
        assert expected in text
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [certificate.claim.learner.email]
    assert message.attachments[0][0] == f"{issued.number}.pdf"
    assert issued.get_verification_path() in message.body


def test_the_pdf_is_tagged_with_a_title_and_a_language(certificate):
    issued = issue_certificate(certificate.pk)

    with issued.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"]) is True
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "en"
    assert reader.metadata.title.startswith(f"CME certificate {issued.number}")


def test_issuing_twice_gives_one_file_one_number_and_one_email(certificate):
    first = issue_certificate(certificate.pk)
    second = issue_certificate(certificate.pk)

    assert (second.number, second.pdf.name, second.issued_at) == (
        first.number,
        first.pdf.name,
        first.issued_at,
    )
    assert len(mail.outbox) == 1
    kinds = list(first.events.values_list("kind", flat=True))
    assert kinds.count(CertificateEventKind.ISSUED) == 1
    assert kinds.count(CertificateEventKind.EMAILED) == 1


def test_the_task_body_takes_the_id_and_is_idempotent(certificate):
    assert issue_certificate_task.apply(args=[certificate.pk]).get() == "issued"
    assert issue_certificate_task.apply(args=[certificate.pk]).get() == "issued"

    assert len(mail.outbox) == 1


def test_a_later_profile_or_module_edit_does_not_change_an_issued_certificate(certificate, module):
    issued = issue_certificate(certificate.pk)
    with issued.pdf.open("rb") as handle:
        before = handle.read()

    profile = issued.claim.learner.profile
    profile.certificate_name = "Somebody Else"
    profile.save()
    module.title = "A new title"
    module.save()
    issue_certificate(certificate.pk)

    issued.refresh_from_db()
    with issued.pdf.open("rb") as handle:
        assert handle.read() == before
    assert "Somebody Else" not in pdf_text(issued)


def test_revoking_keeps_who_when_and_why(certificate, cme_administrator):
    issue_certificate(certificate.pk)

    revoked = revoke_certificate(certificate, by=cme_administrator, reason="Claim was a test.")

    assert revoked.status == CertificateStatus.REVOKED
    event = revoked.events.get(kind=CertificateEventKind.REVOKED)
    assert (event.actor, event.reason) == (cme_administrator, "Claim was a test.")


def test_revoking_needs_a_reason_and_a_valid_certificate(certificate, cme_administrator):
    with pytest.raises(CertificateActionRefused, match="Give a reason"):
        revoke_certificate(certificate, by=cme_administrator, reason=" ")
    with pytest.raises(CertificateActionRefused, match="this one is being prepared"):
        revoke_certificate(certificate, by=cme_administrator, reason="x")


def test_reissuing_after_a_name_correction_supersedes_the_old_certificate(
    certificate, cme_administrator, django_capture_on_commit_callbacks, sent_tasks
):
    old = issue_certificate(certificate.pk)
    profile = old.claim.learner.profile
    profile.certificate_name = "José Antonio Ñúñez"
    profile.save()

    with django_capture_on_commit_callbacks(execute=True):
        new = reissue_certificate(old, by=cme_administrator, reason="Legal name corrected.")
    new = issue_certificate(new.pk)

    old.refresh_from_db()
    assert old.status == CertificateStatus.SUPERSEDED
    assert old.superseded_by == new
    assert new.number != old.number
    assert new.verification_code != old.verification_code
    assert new.status == CertificateStatus.ISSUED
    assert "José Antonio Ñúñez" in pdf_text(new)
    assert "José A. Ñúñez" in pdf_text(old)
    event = old.events.get(kind=CertificateEventKind.REISSUED)
    assert (event.actor, event.reason) == (cme_administrator, "Legal name corrected.")


def test_certificates_left_pending_are_queued_again(certificate, sent_tasks):
    later = timezone.now() + datetime.timedelta(minutes=10)

    assert requeue_stale_certificates(now=timezone.now()) == 0
    assert requeue_stale_certificates(now=later) == 1

    assert sent_tasks.args_of("certificates.tasks.issue_certificate") == [(certificate.pk,)]
    certificate.refresh_from_db()
    assert certificate.last_queued_at is not None
    assert certificate.events.filter(kind=CertificateEventKind.REQUEUED).count() == 1


def test_requeueing_with_the_broker_still_down_leaves_them_pending(certificate, dead_broker):
    later = timezone.now() + datetime.timedelta(minutes=10)

    assert requeue_stale_certificates(now=later) == 0

    assert Certificate.objects.get().status == CertificateStatus.PENDING


def test_the_requeue_command_reports_what_it_queued(certificate, sent_tasks, capsys):
    from django.core.management import call_command

    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Certificate.objects.filter(pk=certificate.pk).update(
        created_at=an_hour_ago, last_queued_at=an_hour_ago
    )

    call_command("requeue_pending_certificates")

    assert "Queued 1 pending certificate again." in capsys.readouterr().out
    assert sent_tasks.args_of("certificates.tasks.issue_certificate") == [(certificate.pk,)]


def test_revocation_and_reissue_are_in_the_audit_log(certificate, cme_administrator, sent_tasks):
    from auditlog.models import LogEntry

    issued = issue_certificate(certificate.pk)
    reissue_certificate(issued, by=cme_administrator, reason="Name corrected.")

    entries = LogEntry.objects.get_for_object(issued).filter(actor=cme_administrator)
    status_change = next(e for e in entries if "status" in e.changes_dict)
    assert status_change.additional_data == {"reason": "Name corrected."}
    assert status_change.changes_dict["status"] == ["issued", "superseded"]


def test_a_certificate_issued_but_never_emailed_is_queued_again(certificate, sent_tasks):
    from certificates.issuance import render_and_store

    render_and_store(certificate.pk)  # a worker died before the e-mail step
    later = timezone.now() + datetime.timedelta(minutes=10)

    assert requeue_stale_certificates(now=later) == 1
    assert sent_tasks.args_of("certificates.tasks.issue_certificate") == [(certificate.pk,)]
    assert issue_certificate(certificate.pk).emailed_at is not None
    assert requeue_stale_certificates(now=later + datetime.timedelta(minutes=10)) == 0


def test_the_certificate_e_mail_greets_the_learner_by_name_as_written(certificate, module):
    """The field's example began `Hello Siobhán O&#x27;Brien &amp; Søn,`."""
    profile = certificate.claim.learner.profile
    profile.certificate_name = "Siobhán O'Brien & Søn"
    profile.save()
    module.title = "Itch & scratch: O'Brien's <guide>"
    module.save()
    certificate.printed = {
        **certificate.printed,
        "learner_name": "Siobhán O'Brien & Søn",
        "activity_title": module.title,
    }
    certificate.save()

    issue_certificate(certificate.pk)

    (message,) = mail.outbox
    assert message.body.startswith("Hello Siobhán O'Brien & Søn,")
    assert "Your certificate for “Itch & scratch: O'Brien's <guide>” is attached." in message.body
    assert message.subject == "Your CME certificate: Itch & scratch: O'Brien's <guide>"


def test_the_pdfs_title_and_file_name_carry_no_html_escaping(certificate, module):
    module.title = "Itch & scratch"
    module.save()
    certificate.printed = {**certificate.printed, "activity_title": module.title}
    certificate.save()

    issued = issue_certificate(certificate.pk)

    with issued.pdf.open("rb") as handle:
        title = PdfReader(io.BytesIO(handle.read())).metadata.title
    assert title == f"CME certificate {issued.number}: Itch & scratch"
    assert mail.outbox[0].attachments[0][0] == f"{issued.number}.pdf"


def test_certificates_whose_tasks_still_wait_in_a_long_queue_are_not_queued_again(
    certificate, module
):
    """A surge longer than REQUEUE_AFTER: tasks still wait in the broker's queue (a real
    Redis queue of this test's own, with no worker), so the re-queue leaves that many of
    the unfinished certificates to them and queues only the rest, the one never queued
    first."""
    import uuid

    from celery import current_app

    from certificates.queueing import enqueue_issuance
    from core.tasks import waiting_messages
    from tests.certificates.conftest import evaluate, pass_post_test
    from tests.factories import UserFactory

    others = []
    for _ in range(2):
        learner = UserFactory()
        pass_post_test(learner, module.post_test)
        evaluate(learner, module)
        others.append(claim(learner, module).certificates.get())
    queue = f"cme-test-requeue-{uuid.uuid4().hex[:8]}"
    default_queue = current_app.conf.task_default_queue
    current_app.conf.task_default_queue = queue
    try:
        for waiting in (certificate, others[0]):  # queued and still waiting
            assert enqueue_issuance(waiting.pk)
        assert waiting_messages() == 2  # others[1]'s task was never sent (broker down)
        later = timezone.now() + datetime.timedelta(minutes=10)

        assert requeue_stale_certificates(now=later) == 1

        assert waiting_messages() == 3
        requeued = Certificate.objects.filter(events__kind=CertificateEventKind.REQUEUED)
        assert list(requeued.values_list("pk", flat=True)) == [others[1].pk]
    finally:
        with current_app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)
        current_app.conf.task_default_queue = default_queue


def test_with_nothing_waiting_every_unfinished_certificate_is_queued_again(certificate):
    """After a broker that lost its messages (Redis restarted empty), nothing waits."""
    from core.tasks import waiting_messages

    assert waiting_messages("cme-test-a-queue-nobody-declared") == 0
