"""PARS activity data: what ACCME needs each year about every activity (shared DOMAIN.md,
"PARS activity data"): the number of physician learners and of other learners (here by
profession), the credits awarded per kind, whether commercial support was received, and
the outcome measure used. Enduring materials stay open up to three years, so their counts
are cumulative from the release to 31 December of the reporting year.

Counted: claims whose certificate was not revoked (revoked credit was never awarded), by
the learner's completion date; a learner is counted under the profession on their profile.
"""

import datetime
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q, Sum

from accounts.models import PHYSICIAN_DESIGNATIONS, Designation
from certificates.models import Certificate, CertificateStatus, CreditClaim, CreditLine
from courses.models import CommercialSupport, Module, ModuleStatus, format_credits

# The outcome this product measures for every activity: the post-test assesses what the
# learner knows (DOMAIN.md, "Outcomes": learner knowledge).
OUTCOME_MEASURE = "Learner knowledge (post-test)"
NO_PROFESSION = "Not stated"


@dataclass
class ActivityYear:
    """One activity's data for one reporting year, counted from its release to `as_of`
    (31 December of `year`)."""

    module: Module
    year: int
    as_of: datetime.date
    physician_learners: int = 0
    other_learners: int = 0
    other_learners_by_profession: dict[str, int] = field(default_factory=dict)
    credits_by_kind: dict[str, Decimal] = field(default_factory=dict)
    commercial_support: str = ""
    outcome_measure: str = OUTCOME_MEASURE


def activity_year_data(*, year: int) -> list[ActivityYear]:
    """The activity data of every activity open during `year` (released on or before 31
    December and not expired before 1 January; drafts left out), by title and edition.
    Each counts the claims completed from the release up to 31 December of `year`."""
    start, as_of = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    modules = (
        Module.objects.exclude(status=ModuleStatus.DRAFT)
        .filter(Q(release_date__isnull=True) | Q(release_date__lte=as_of))
        .filter(Q(expiration_date__isnull=True) | Q(expiration_date__gte=start))
        .order_by("title", "edition")
    )
    return [_activity_year(module, year=year, as_of=as_of) for module in modules]


def _awarded_claims(module: Module, *, as_of: datetime.date):
    revoked = Certificate.objects.filter(claim=OuterRef("pk"), status=CertificateStatus.REVOKED)
    return CreditClaim.objects.filter(module=module, completed_on__lte=as_of).exclude(
        Exists(revoked)
    )


def _activity_year(module: Module, *, year: int, as_of: datetime.date) -> ActivityYear:
    claims = _awarded_claims(module, as_of=as_of)
    professions = Counter(
        designation or ""
        for designation in claims.values_list("learner__profile__designation", flat=True)
    )
    physicians = sum(n for code, n in professions.items() if code in PHYSICIAN_DESIGNATIONS)
    labels = dict(Designation.choices)
    credits = (
        # A record of participation for a profession the kind is not for awards no credit.
        CreditLine.objects.filter(claim__in=claims, record_kind=F("credit_type__record_kind"))
        .values_list("credit_type__name_plural")
        .annotate(total=Sum("amount"))
        .order_by("credit_type__position", "credit_type__name_plural")
    )
    return ActivityYear(
        module=module,
        year=year,
        as_of=as_of,
        physician_learners=physicians,
        other_learners=sum(professions.values()) - physicians,
        other_learners_by_profession={
            labels.get(code, code) if code else NO_PROFESSION: n
            for code, n in sorted(professions.items())
            if code not in PHYSICIAN_DESIGNATIONS
        },
        credits_by_kind=dict(credits),
        commercial_support=_commercial_support(module),
    )


def _commercial_support(module: Module) -> str:
    if module.commercial_support == CommercialSupport.RECEIVED:
        return f"Yes: {module.commercial_support_statement.strip()}"
    if module.commercial_support == CommercialSupport.NONE:
        return "No"
    return "Not stated"


ACTIVITY_DATA_HEADER = (
    "Activity",
    "Edition",
    "Reporting year",
    "Counted up to",
    "Physician learners",
    "Other learners",
    "Other learners by profession",
    "Credits awarded",
    "Commercial support received",
    "Outcome measure",
)


def activity_data_rows(*, year: int) -> Iterator[tuple]:
    """The activity data as rows for CSV and Excel, header first (ACTIVITY_DATA_HEADER);
    professions and credits as "NP (nurse practitioner): 3; RN (registered nurse): 1" and
    "AMA PRA Category 1 Credits™: 12.5; MOC points: 4"."""
    yield ACTIVITY_DATA_HEADER
    for data in activity_year_data(year=year):
        yield (
            data.module.title,
            data.module.edition,
            data.year,
            data.as_of,
            data.physician_learners,
            data.other_learners,
            "; ".join(f"{name}: {n}" for name, n in data.other_learners_by_profession.items()),
            "; ".join(
                f"{kind}: {format_credits(total)}" for kind, total in data.credits_by_kind.items()
            ),
            data.commercial_support,
            data.outcome_measure,
        )
