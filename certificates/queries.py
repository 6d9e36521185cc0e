"""Reads for the learner's certificates and transcript."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet

from accounts.models import User
from certificates.models import Certificate, CertificateStatus, CreditClaim
from quizzes.queries import StatusBadge

COUNTED = (CertificateStatus.ISSUED, CertificateStatus.PENDING)
CREDIT_CLAIMED = StatusBadge("Credit claimed", "primary")


def claimed_module_ids(learner: User, module_ids) -> set[int]:
    return set(
        CreditClaim.objects.filter(learner=learner, module__in=module_ids).values_list(
            "module_id", flat=True
        )
    )


def learner_certificates(learner: User) -> QuerySet[Certificate]:
    """The learner's current certificates (superseded ones are replaced by their
    successors), newest completion first."""
    return (
        Certificate.objects.filter(claim__learner=learner)
        .exclude(status=CertificateStatus.SUPERSEDED)
        .select_related("claim")
        .order_by("-claim__completed_on", "-created_at")
    )


@dataclass
class TranscriptYear:
    year: int
    certificates: list = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class Transcript:
    years: list[TranscriptYear]
    totals: dict[str, Decimal]
    start: datetime.date | None
    end: datetime.date | None


def transcript(
    learner: User, *, start: datetime.date | None = None, end: datetime.date | None = None
) -> Transcript:
    """Certificates completed in [start, end], grouped by year, with credit totals per credit
    type for each year and for the whole range. Revoked credit is listed but not counted."""
    certificates = learner_certificates(learner)
    if start:
        certificates = certificates.filter(claim__completed_on__gte=start)
    if end:
        certificates = certificates.filter(claim__completed_on__lte=end)
    years: dict[int, TranscriptYear] = {}
    totals: dict[str, Decimal] = {}
    for certificate in certificates:
        claim = certificate.claim
        entry = years.setdefault(claim.completed_on.year, TranscriptYear(claim.completed_on.year))
        entry.certificates.append(certificate)
        if certificate.status in COUNTED:
            name = credit_label(certificate)
            entry.totals[name] = entry.totals.get(name, Decimal(0)) + claim.amount
            totals[name] = totals.get(name, Decimal(0)) + claim.amount
    return Transcript(
        years=sorted(years.values(), key=lambda y: y.year, reverse=True),
        totals=totals,
        start=start,
        end=end,
    )


def credit_label(certificate: Certificate) -> str:
    name = certificate.printed["credit_type_name"]
    if certificate.printed.get("kind") == "participation":
        return f"Participation (hours) — activity designated for {name}"
    return name
