"""A revoked certificate stops working: the learner is told why, by e-mail, once; a copy
stamped "REVOKED" replaces the original for its owner, and the stored original stays as
issued for the audit."""

import datetime
import io

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.dateformat import format as format_date
from pypdf import PdfReader

from certificates.issuance import (
    issue_certificate,
    reissue_certificate,
    requeue_stale_certificates,
    revoke_certificate,
)
from certificates.models import Certificate, CertificateEventKind, CertificateStatus
from certificates.revocation import email_revocation_notice, render_stamped_copy, stamp_text
from certificates.tasks import send_revocation_notice
from cme_site.celery import app as celery_app
from tests.certificates.conftest import claim
from tests.conftest import SentTask, SentTasks

pytestmark = pytest.mark.django_db

REASON = "The post-test was passed on a shared account."


@pytest.fixture
def issued(evaluated_learner, module):
    return issue_certificate(claim(evaluated_learner, module).certificates.get().pk)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def today_as_printed() -> str:
    return format_date(timezone.localdate(), "j F Y")


def test_revoking_keeps_the_date_and_reason_and_queues_the_notice_after_commit(
    issued, cme_administrator, django_capture_on_commit_callbacks, sent_tasks
):
    with django_capture_on_commit_callbacks() as callbacks:
        revoked = revoke_certificate(issued, by=cme_administrator, reason=f"  {REASON} ")
        assert sent_tasks == []

    for callback in callbacks:
        callback()
    revoked.refresh_from_db()
    assert revoked.status == CertificateStatus.REVOKED
    assert revoked.revocation_reason == REASON
    assert timezone.now() - revoked.revoked_at < datetime.timedelta(minutes=1)
    assert sent_tasks == [SentTask("certificates.tasks.send_revocation_notice", (revoked.pk,), {})]
    assert revoked.last_queued_at is not None


def test_the_learner_is_emailed_the_revocation_with_its_reason_once(issued, cme_administrator):
    mail.outbox.clear()
    revoke_certificate(issued, by=cme_administrator, reason=REASON)

    send_revocation_notice(issued.pk)
    send_revocation_notice(issued.pk)  # a duplicate delivery

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [issued.claim.learner.email]
    assert message.subject == f"Your CME certificate {issued.number} has been revoked"
    assert message.attachments == []
    assert (
        f"has revoked your certificate for “{issued.printed['activity_title']}” on "
        f"{today_as_printed()}. It no longer attests the credit below"
    ) in message.body
    assert f"The reason given:\n{REASON}\n" in message.body
    assert f"Certificate number: {issued.number}" in message.body
    assert f"/certificates/{issued.pk}/" in message.body
    issued.refresh_from_db()
    assert issued.revocation_emailed_at is not None
    assert issued.events.filter(kind=CertificateEventKind.REVOCATION_EMAILED).count() == 1


def test_the_notice_is_plain_text_and_does_not_escape_the_reason(issued, cme_administrator):
    mail.outbox.clear()
    revoke_certificate(issued, by=cme_administrator, reason="Learner's request <duplicate>")

    email_revocation_notice(issued.pk)

    assert "Learner's request <duplicate>" in mail.outbox[0].body


def test_no_notice_for_a_certificate_that_is_not_revoked(issued):
    mail.outbox.clear()

    email_revocation_notice(issued.pk)

    assert mail.outbox == []
    issued.refresh_from_db()
    assert issued.revocation_emailed_at is None


def test_a_revocation_stands_when_the_broker_is_down_and_its_notice_is_queued_again(
    issued, cme_administrator, django_capture_on_commit_callbacks, dead_broker, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        revoke_certificate(issued, by=cme_administrator, reason=REASON)
    issued.refresh_from_db()
    assert (issued.status, issued.last_queued_at) == (CertificateStatus.REVOKED, None)

    sent_tasks = SentTasks()  # from here on the tasks are kept, as if the broker were back
    monkeypatch.setattr(celery_app, "send_task", sent_tasks.record)
    later = timezone.now() + datetime.timedelta(minutes=10)
    assert requeue_stale_certificates(now=later) == 1
    assert sent_tasks.args_of("certificates.tasks.send_revocation_notice") == [(issued.pk,)]

    email_revocation_notice(issued.pk)
    assert requeue_stale_certificates(now=later + datetime.timedelta(minutes=10)) == 0


def test_the_stamped_copy_says_revoked_with_the_date_and_the_original_is_untouched(
    issued, cme_administrator
):
    with issued.pdf.open("rb") as handle:
        original = handle.read()
    revoke_certificate(issued, by=cme_administrator, reason=REASON)
    issued.refresh_from_db()

    copy = text_of(render_stamped_copy(issued))

    assert f"REVOKED on {today_as_printed()}. This copy attests no credit." in copy
    assert issued.number in copy
    assert issued.printed["learner_name"] in copy
    with issued.pdf.open("rb") as handle:
        assert handle.read() == original
    assert "REVOKED" not in text_of(original)


def test_a_superseded_copy_names_its_replacement(issued, cme_administrator, sent_tasks):
    new = reissue_certificate(issued, by=cme_administrator, reason="Name corrected.")
    old = Certificate.objects.get(pk=issued.pk)

    assert stamp_text(old) == f"SUPERSEDED by certificate {new.number}"
    assert f"SUPERSEDED by certificate {new.number}. This copy attests no credit." in text_of(
        render_stamped_copy(old)
    )


def test_a_valid_certificate_has_no_stamped_copy(issued):
    assert stamp_text(issued) == ""
    with pytest.raises(ValueError, match=f"Certificate {issued.number} is issued: no stamp."):
        render_stamped_copy(issued)
