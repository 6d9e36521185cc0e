"""Claiming credit: the learner's claim, its snapshot, and the certificate it orders."""

import secrets
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateformat import format as format_date

from accounts.emails import has_confirmed_email
from accounts.models import User
from accounts.registration import profile_of
from accounts.timezones import learner_today
from certificates.evaluations import has_evaluated
from certificates.exceptions import AlreadyDone, InvalidAmount, NotEligible
from certificates.models import (
    Certificate,
    CertificateEvent,
    CertificateEventKind,
    CertificateKind,
    CreditClaim,
)
from certificates.queueing import schedule_issuance
from courses.models import CreditType, Module, ModuleCredit, format_credits
from quizzes.models import Attempt

CREDIT_STEP = Decimal("0.25")
ALREADY_CLAIMED = "You have already claimed credit for this activity."
ATTESTATION = (
    "I claim only the credit commensurate with the extent of my participation in the activity."
)


@dataclass(frozen=True)
class CreditOption:
    offering: ModuleCredit
    kind: str

    @property
    def label(self) -> str:
        name = self.offering.credit_type.name
        if self.kind == CertificateKind.PARTICIPATION:
            return f"Certificate of participation (activity designated for {name})"
        return name


def credit_options(learner: User, module: Module) -> list[CreditOption]:
    """What this learner may claim: the module's credit types meant for their profession;
    where it offers none of theirs, a certificate of participation."""
    designation = profile_of(learner).designation
    offerings = list(module.credits.select_related("credit_type"))
    own = [
        CreditOption(o, CertificateKind.CREDIT)
        for o in offerings
        if not o.credit_type.for_designations or designation in o.credit_type.for_designations
    ]
    return own or [CreditOption(o, CertificateKind.PARTICIPATION) for o in offerings]


def validate_amount(amount, *, maximum: Decimal) -> Decimal:
    try:
        amount = Decimal(str(amount))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidAmount("Enter the credit as a number, e.g. 0.25.") from exc
    if amount <= 0:
        raise InvalidAmount("Claim more than zero credit.")
    if amount % CREDIT_STEP:
        raise InvalidAmount("Credit is claimed in steps of 0.25 (0.25, 0.5, 0.75, 1 …).")
    if amount > maximum:
        raise InvalidAmount(
            f"This activity is designated for at most {format_credits(maximum)} credit."
        )
    return amount


def new_certificate_number(today) -> str:
    return f"CME-{today:%Y}-{secrets.token_hex(4).upper()}"


def printed_fields(claim: CreditClaim, learner: User) -> dict:
    """Everything a certificate prints: the claim's snapshot with the learner's name and
    designation as they are now (a re-issue after a name correction takes the new name)."""
    profile = profile_of(learner)
    return {
        **claim.snapshot,
        "learner_name": profile.printed_name(),
        "learner_designation": profile.designation_label,
        "amount": str(claim.amount),
        "completed_on": claim.completed_on.isoformat(),
        "kind": claim.kind,
    }


def create_certificate(claim: CreditClaim, *, learner: User) -> Certificate:
    return Certificate.objects.create(
        claim=claim,
        number=new_certificate_number(timezone.localdate()),
        printed=printed_fields(claim, learner),
    )


@transaction.atomic
def claim_credit(
    learner: User, *, module: Module, credit_type: CreditType, amount, attested: bool
) -> CreditClaim:
    """Record the learner's credit claim and order its certificate.

    Requires a passed post-test, a completed evaluation, the attestation, a credit type
    fit for the learner's profession and an amount on the 0.25 grid within the maximum.
    One claim per learner and activity, whatever the credit type (the database constraint
    `one_claim_per_learner_and_module`): a second claim raises AlreadyDone, also when
    requests race, because the losing INSERT waits for the winner's commit and then
    violates the constraint. A revoked claim is not claimed again.
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
            f"This activity expired on {format_date(module.expiration_date, 'j F Y')} (the end "
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
    option = next(
        (o for o in credit_options(learner, module) if o.offering.credit_type_id == credit_type.pk),
        None,
    )
    if option is None:
        raise NotEligible("This credit type is not offered to your profession for this activity.")
    amount = validate_amount(amount, maximum=option.offering.max_credits)

    completed_on = passed.graded_at.astimezone(zoneinfo.ZoneInfo(profile.time_zone)).date()
    try:
        with transaction.atomic():
            claim = CreditClaim.objects.create(
                learner=learner,
                module=module,
                credit_type=credit_type,
                kind=option.kind,
                amount=amount,
                attempt=passed,
                completed_on=completed_on,
                attested_at=timezone.now(),
                snapshot=option.offering.certificate_snapshot(),
            )
    except IntegrityError as exc:
        raise AlreadyDone(ALREADY_CLAIMED) from exc
    certificate = create_certificate(claim, learner=learner)
    CertificateEvent.objects.create(
        certificate=certificate, kind=CertificateEventKind.CLAIMED, actor=learner
    )
    schedule_issuance(certificate)
    return claim
