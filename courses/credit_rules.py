"""The rules of each kind of credit, in one place (docs/decisions/0006).

A credit kind (courses.CreditType) names its amount rule, what a designation of it must
carry and how it is reported; the rules themselves are the small functions and patterns
below, so that a new kind following an existing rule is a new row, not a code branch.

Sources: AMA PRA Booklet (0.25-credit steps claimed by the physician); ANCC (60 minutes =
1 contact hour, decimals allowed); AAPA (hours rounded to the nearest quarter hour); ACPE
(Universal Activity Number, contact hours); ACCME PARS and the boards' MOC rules (points
equal the credit; the American Board of Pediatrics takes the full amount once); Joint
Accreditation (IPCE statement). See shared/DOMAIN.md.
"""

import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.db import models

QUARTER = Decimal("0.25")
HUNDREDTH = Decimal("0.01")


class AmountRule(models.TextChoices):
    """How a credit line's amount follows from the hours the learner claims."""

    CLAIMED_QUARTERS = "claimed_quarters", "Claimed by the learner in 0.25 steps (AMA)"
    HOURS_TWO_DECIMALS = "hours_two_decimals", "Hours claimed, to two decimals (ANCC, ACPE)"
    NEAREST_QUARTER_HOUR = "nearest_quarter_hour", "Hours rounded to the nearest quarter (AAPA)"
    SAME_AS_CLAIMED = "same_as_claimed", "Equal to the credit claimed (MOC points)"
    FULL_MAXIMUM = "full_maximum", "The full designated amount (ABP MOC, IPCE)"


def _claimed_quarters(hours: Decimal, maximum: Decimal) -> Decimal:
    return min(hours, maximum)


def _hours_two_decimals(hours: Decimal, maximum: Decimal) -> Decimal:
    return min(hours.quantize(HUNDREDTH, rounding=ROUND_HALF_UP), maximum)


def _nearest_quarter_hour(hours: Decimal, maximum: Decimal) -> Decimal:
    quarters = (hours / QUARTER).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return min(quarters * QUARTER, maximum)


def _full_maximum(hours: Decimal, maximum: Decimal) -> Decimal:
    return maximum


AMOUNT_RULES: dict[str, Callable[[Decimal, Decimal], Decimal]] = {
    AmountRule.CLAIMED_QUARTERS: _claimed_quarters,
    AmountRule.HOURS_TWO_DECIMALS: _hours_two_decimals,
    AmountRule.NEAREST_QUARTER_HOUR: _nearest_quarter_hour,
    AmountRule.SAME_AS_CLAIMED: _claimed_quarters,
    AmountRule.FULL_MAXIMUM: _full_maximum,
}


def line_amount(rule: str, *, hours: Decimal, maximum: Decimal) -> Decimal:
    """The amount of a credit line under `rule` for `hours` claimed (on the 0.25 grid, more
    than zero), never above the designated `maximum`. Raises KeyError for an unknown rule
    (a kind naming a rule this module does not have is a configuration error)."""
    return AMOUNT_RULES[rule](Decimal(hours), Decimal(maximum))


class ReportingChannel(models.TextChoices):
    NONE = "none", "Not reported"
    PARS = "pars", "ACCME PARS"
    CPE_MONITOR = "cpe_monitor", "NABP CPE Monitor"


class RecordKind(models.TextChoices):
    CERTIFICATE = "certificate", "Certificate of credit"
    PARTICIPATION_RECORD = "participation_record", "Record of participation"


class DesignationRequirement(models.TextChoices):
    """What a designation of a kind must carry before its module can be published."""

    UAN = "uan", "ACPE Universal Activity Number"
    MOC_BOARD = "moc_board", "MOC board"
    MOC_CATEGORY = "moc_category", "MOC category"


class MocCategory(models.TextChoices):
    """The boards' MOC credit categories as PARS records them."""

    MEDICAL_KNOWLEDGE = "MK", "Medical Knowledge"
    PRACTICE_ASSESSMENT = "PA", "Practice Assessment"
    PATIENT_SAFETY = "PS", "Patient Safety"
    LIFELONG_LEARNING = "LL", "Lifelong Learning"
    SELF_ASSESSMENT = "SA", "Self-Assessment"


# The ACPE Universal Activity Number: provider number (4 digits, or JA and 7 digits for a
# jointly accredited provider) - joint-provider number - two-digit year - sequence - format
# letter (H home study, L live, B blended) with a two-digit topic designator - audience (P
# pharmacists, T pharmacy technicians). E.g. JA4008162-0000-26-123-H01-P.
UAN_PATTERN = re.compile(r"^(?:JA\d{7}|\d{4})-\d{4}-\d{2}-\d{3}-[HLB]\d{2}-[PT]$")


def uan_problem(uan: str) -> str:
    """ "" when `uan` has the shape of a Universal Activity Number, else why not."""
    if UAN_PATTERN.match(uan or ""):
        return ""
    return (
        f"“{uan}” is not a Universal Activity Number; it looks like "
        "JA4008162-0000-26-123-H01-P (provider, joint provider, year, sequence, format and "
        "topic, P or T)."
    )


def uan_audience(uan: str) -> str:
    """The audience letter at the end of a UAN: "P" (pharmacists) or "T" (technicians)."""
    return uan[-1:] if UAN_PATTERN.match(uan or "") else ""


ACCME_STATEMENT = (
    "{provider} is accredited by the Accreditation Council for Continuing Medical Education "
    "(ACCME) to provide continuing medical education for physicians."
)
JOINT_ACCREDITATION_STATEMENT = (
    "In support of improving patient care, {provider} is jointly accredited by the "
    "Accreditation Council for Continuing Medical Education (ACCME), the Accreditation "
    "Council for Pharmacy Education (ACPE), and the American Nurses Credentialing Center "
    "(ANCC), to provide continuing education for the healthcare team."
)


def accreditation_statement(*, provider: str, jointly_accredited: bool) -> str:
    """The provider's accreditation statement: the Joint Accreditation one for a jointly
    accredited provider, else the ACCME one (wording from ACCME and Joint Accreditation)."""
    template = JOINT_ACCREDITATION_STATEMENT if jointly_accredited else ACCME_STATEMENT
    return template.format(provider=provider)
