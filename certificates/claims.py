"""Claiming credit: the learner's claim, its snapshot, and the certificate it orders."""

import secrets
import zoneinfo
from collections.abc import Callable
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.emails import has_confirmed_email
from accounts.identifiers import identifier_label, missing_identifier_codes, profile_url_for
from accounts.models import User
from accounts.registration import profile_of
from accounts.timezones import learner_today
from certificates.credit_lines import ClaimQuote, line_snapshot, quote_lines, validate_hours
from certificates.evaluations import has_evaluated
from certificates.exceptions import AlreadyDone, NotEligible
from certificates.models import (
    Certificate,
    CertificateEvent,
    CertificateEventKind,
    CertificateKind,
    CreditClaim,
    CreditLine,
)
from certificates.queueing import schedule_issuance
from core.formats import format_day
from courses.credit_rules import MocCategory, RecordKind
from courses.models import Module
from quizzes.models import Attempt

ALREADY_CLAIMED = "You have already claimed credit for this activity."
ATTESTATION = (
    "I claim only the credit commensurate with the extent of my participation in the activity."
)


# Extension point: functions called with each new claim, inside its transaction, once its
# credit lines exist (reporting registers the creation of its deliveries).
_claim_listeners: list[Callable[[CreditClaim], None]] = []


def register_claim_listener(listener: Callable[[CreditClaim], None]) -> None:
    """Have `listener(claim)` called for every new claim, inside the claim's transaction
    (so what it writes commits or rolls back with the claim). Filled by apps above
    certificates in their AppConfig.ready(); registering twice is harmless."""
    if listener not in _claim_listeners:
        _claim_listeners.append(listener)


def claim_quote(
    learner: User, module: Module, *, hours=None, chosen_optional: set[int] | None = None
) -> ClaimQuote:
    """The credit lines a claim by `learner` would give for `module` (certificates.
    credit_lines), each with what the learner's profile lacks for its registry; with
    `hours` None the amounts are not worked out yet."""
    profile = profile_of(learner)

    def missing_for(designation) -> list[tuple[str, str]]:
        """(what the profile lacks, the profile page opened at that field) for the line."""
        needs = list(designation.credit_type.learner_identifiers or [])
        board = designation.moc_board
        return [
            (identifier_label(code, board=board), profile_url_for(code, board=board))
            for code in missing_identifier_codes(profile, needs, board=board)
        ]

    return quote_lines(
        profile, module, hours=hours, chosen_optional=chosen_optional, missing_for=missing_for
    )


def largest_designation(module: Module) -> Decimal:
    return max((d.max_credits for d in module.credits.all()), default=Decimal(0))


def new_certificate_number(today) -> str:
    return f"CME-{today:%Y}-{secrets.token_hex(4).upper()}"


def printed_fields(claim: CreditClaim, learner: User) -> dict:
    """Everything a certificate prints: the claim's snapshot and its credit lines, with the
    learner's name and designation as they are now (a re-issue after a name correction
    takes the new name)."""
    profile = profile_of(learner)
    return {
        **claim.snapshot,
        "learner_name": profile.printed_name(),
        "learner_designation": profile.designation_label,
        "amount": str(claim.amount),
        "completed_on": claim.completed_on.isoformat(),
        "kind": claim.kind,
        "lines": [
            {
                "label": line.snapshot.get("label", line.name),
                "name": line.name,
                "detail": _line_detail(line.snapshot),
                "amount": str(line.amount),
                "italic": line.snapshot.get("italic", False),
                "statement": line.snapshot.get("statement", ""),
                "statement_html": line.snapshot.get("statement_html", ""),
                "record_kind": line.record_kind,
                "reporting_channel": line.reporting_channel,
            }
            for line in claim.lines.all()
        ],
    }


def _line_detail(snapshot: dict) -> str:
    """What a certificate prints after a line's name: the MOC board and category, or the
    ACPE Universal Activity Number."""
    if snapshot.get("moc_board"):
        category = snapshot.get("moc_category", "")
        label = MocCategory(category).label if category in MocCategory.values else category
        return ", ".join(part for part in (snapshot["moc_board"], label) if part)
    if snapshot.get("uan"):
        return f"UAN {snapshot['uan']}"
    return ""


def create_certificate(claim: CreditClaim, *, learner: User) -> Certificate:
    return Certificate.objects.create(
        claim=claim,
        number=new_certificate_number(timezone.localdate()),
        printed=printed_fields(claim, learner),
    )


@transaction.atomic
def claim_credit(
    learner: User,
    *,
    module: Module,
    hours,
    attested: bool,
    chosen_optional: set[int] | None = None,
) -> CreditClaim:
    """Record the learner's one claim for `module`, with a credit line per designation they
    receive (docs/decisions/0006), and order its certificate.

    `hours` is the time of participation on the 0.25 grid (for a physician the AMA credit
    claimed); each line's amount follows its kind's rule, never above its designation.
    `chosen_optional` holds the designation ids of optional lines the learner ticked (None:
    the defaults shown on the claim page). Requires a confirmed e-mail address, a passed
    post-test, a completed evaluation, the attestation and a profession; a line whose
    registry needs an identifier the profile lacks is still given (its delivery waits).
    One claim per learner and activity (the constraint `one_claim_per_learner_and_module`):
    a second claim raises AlreadyDone, also when requests race, because the losing INSERT
    waits for the winner's commit and then violates the constraint. A revoked claim is not
    claimed again. Listeners (register_claim_listener) run inside the transaction.
    """
    if CreditClaim.objects.filter(learner=learner, module=module).exists():
        raise AlreadyDone(ALREADY_CLAIMED)
    if not attested:
        raise NotEligible(f"Tick the attestation: “{ATTESTATION}”")
    if not has_confirmed_email(learner):
        raise NotEligible(
            f"Confirm your e-mail address {learner.email} before you claim credit: your "
            "certificate is sent there. Follow the link we e-mailed you, or ask for a new one "
            "from your account's e-mail page."
        )
    profile = profile_of(learner)
    if not profile.designation:
        raise NotEligible(
            "Add your professional designation to your profile: it decides which credit you "
            "can claim and prints on your certificate."
        )
    if module.is_expired(learner_today(learner)):
        raise NotEligible(
            f"This activity expired on {format_day(module.expiration_date)} (the end "
            "of that day in your time zone); credit can no longer be claimed."
        )
    passed = (
        Attempt.objects.filter(learner=learner, post_test__module=module, passed=True)
        .order_by("graded_at")
        .first()
    )
    if passed is None:
        raise NotEligible("Pass the post-test before you claim credit.")
    if not has_evaluated(learner, module):
        raise NotEligible("Please evaluate the activity before you claim credit.")
    maximum = largest_designation(module)
    if not maximum:
        raise NotEligible("This activity offers no credit to claim.")
    hours = validate_hours(hours, maximum=maximum)
    quote = claim_quote(learner, module, hours=hours, chosen_optional=chosen_optional)
    lines = quote.chosen
    if not lines:
        raise NotEligible("This activity offers no credit to claim.")

    first = lines[0].designation
    participation = all(line.record_kind == RecordKind.PARTICIPATION_RECORD for line in lines)
    completed_on = passed.graded_at.astimezone(zoneinfo.ZoneInfo(profile.time_zone)).date()
    try:
        with transaction.atomic():
            claim = CreditClaim.objects.create(
                learner=learner,
                module=module,
                credit_type=first.credit_type,
                kind=CertificateKind.PARTICIPATION if participation else CertificateKind.CREDIT,
                amount=hours,
                attempt=passed,
                completed_on=completed_on,
                attested_at=timezone.now(),
                snapshot={
                    **first.certificate_snapshot(),
                    "participation_only": quote.participation_only,
                },
            )
    except IntegrityError as exc:
        raise AlreadyDone(ALREADY_CLAIMED) from exc
    CreditLine.objects.bulk_create(
        CreditLine(
            claim=claim,
            designation=line.designation,
            credit_type=line.designation.credit_type,
            position=position,
            amount=line.amount,
            record_kind=line.record_kind,
            reporting_channel=line.reporting_channel,
            snapshot=line_snapshot(line),
        )
        for position, line in enumerate(lines)
    )
    for listener in _claim_listeners:
        listener(claim)
    certificate = create_certificate(claim, learner=learner)
    CertificateEvent.objects.create(
        certificate=certificate, kind=CertificateEventKind.CLAIMED, actor=learner
    )
    schedule_issuance(certificate)
    return claim
