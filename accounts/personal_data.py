"""A learner's personal data: everything the site holds about them, and closing the account.

Closing removes what identifies the learner from the account and profile. Records of
completion (attempts, evaluations, claims, certificates) are kept, because accreditors
audit them for at least six years; certificates already issued stay verifiable, showing
the name they were issued to.
"""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.records import personal_data_sections
from accounts.registration import profile_of
from core.audit import recorded_as
from core.audit_redaction import redact_from_audit_log


def personal_data(user: User) -> dict:
    """Everything the site holds about `user`, as JSON-ready data: the account and the
    profile, then the sections the other apps register (accounts.records: disclosures
    shown, post-tests with their attempts, evaluations, certificates)."""
    profile = profile_of(user)
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "profile": {
            "certificate_name": profile.certificate_name,
            "designation": profile.designation_label,
            "npi": profile.npi,
            "birth_month": profile.birth_month,
            "birth_day": profile.birth_day,
            "country": str(profile.country),
            "region": profile.region,
            "time_zone": profile.time_zone,
            "reports_to_boards": profile.reports_to_boards,
            "reports_to_boards_changed_at": _iso(profile.reports_to_boards_changed_at),
            "board_ids": {b.board: b.identifier for b in profile.board_ids.all()},
            "nabp_epid": profile.nabp_epid,
            "reports_to_cpe_monitor": profile.reports_to_cpe_monitor,
            "reports_to_cpe_monitor_changed_at": _iso(profile.reports_to_cpe_monitor_changed_at),
            "nccpa_id": profile.nccpa_id,
            "state_licenses": [
                {"state": lic.state, "number": lic.number, "profession": lic.profession}
                for lic in profile.state_licenses.all()
            ],
            "reports_to_state_boards": profile.reports_to_state_boards,
            "reports_to_state_boards_changed_at": _iso(profile.reports_to_state_boards_changed_at),
        },
        **personal_data_sections(user),
    }


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


@transaction.atomic
def close_account(user: User, *, password: str) -> User:
    """Close the learner's account at their request (they confirm with their password).

    The profile's identifiers (NPI, NABP e-Profile ID, NCCPA ID, board IDs, state
    licenses) are removed and every channel's consent is withdrawn, dated now.

    In the same transaction, the NPI and the e-mail address are redacted from every past
    audit-log entry (the closure's own included), which keep their actor, action, time and
    changed fields (core.audit_redaction). The ePID, NCCPA ID and license numbers are
    redacted from the entries about this learner's profile and licenses only: they can be
    short numbers, which may stand for something else in other entries.
    """
    if not user.check_password(password):
        raise PermissionDenied("That is not your password; the account is still open.")
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    profile = profile_of(user)
    addresses = list(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    personal_texts = [profile.npi, user.email, *addresses]
    licenses = list(profile.state_licenses.all())
    identifier_texts = [profile.nabp_epid, profile.nccpa_id, *(lic.number for lic in licenses)]
    own_entries = _audit_entries_about([profile, *licenses])
    with recorded_as(user, reason="Account closed at the learner's request"):
        profile.npi = ""
        profile.birth_month = profile.birth_day = None
        profile.region = ""
        profile.country = ""
        profile.nabp_epid = profile.nccpa_id = ""
        now = timezone.now()
        profile.reports_to_boards = False
        profile.reports_to_boards_changed_at = now
        profile.reports_to_cpe_monitor = False
        profile.reports_to_cpe_monitor_changed_at = now
        profile.reports_to_state_boards = False
        profile.reports_to_state_boards_changed_at = now
        profile.save()
        profile.board_ids.all().delete()
        profile.state_licenses.all().delete()
        user.email = f"closed-{user.pk}@closed.invalid"
        user.first_name = user.last_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        # allauth's record of the address (and whether it was confirmed) goes with it.
        EmailAddress.objects.filter(user=user).delete()
        # So do its authenticator app's secret and recovery codes (allauth.mfa).
        Authenticator.objects.filter(user=user).delete()
    redact_from_audit_log(texts=personal_texts)
    redact_from_audit_log(texts=identifier_texts, within=own_entries)
    return user


def _audit_entries_about(objects) -> QuerySet[LogEntry]:
    """The audit-log entries about these rows (whatever happens to the rows later)."""
    about = Q(pk__in=[])
    for obj in objects:
        content_type = ContentType.objects.get_for_model(obj)
        about |= Q(content_type=content_type, object_pk=str(obj.pk))
    return LogEntry.objects.filter(about)
