"""Reads for the learner's certificates and transcript."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import User
from certificates.models import Certificate, CertificateStatus, CreditClaim
from courses.credit_rules import MocCategory
from quizzes.queries import StatusBadge

COUNTED = (CertificateStatus.ISSUED, CertificateStatus.PENDING)
CREDIT_CLAIMED = StatusBadge("Credit claimed", "primary")
CREDIT_REVOKED = StatusBadge("Credit revoked", "danger")


def credit_badges(learner: User, module_ids) -> dict[int, StatusBadge]:
    """For each of these modules the learner has claimed credit for, module id → its badge:
    "Credit revoked" once the claim's certificate was revoked (revocation is final: a
    revoked certificate is never re-issued), otherwise "Credit claimed". One query."""
    revoked = Certificate.objects.filter(claim=OuterRef("pk"), status=CertificateStatus.REVOKED)
    rows = (
        CreditClaim.objects.filter(learner=learner, module__in=module_ids)
        .annotate(revoked=Exists(revoked))
        .values_list("module_id", "revoked")
    )
    return {
        module_id: CREDIT_REVOKED if is_revoked else CREDIT_CLAIMED
        for module_id, is_revoked in rows
    }


def catalog_credit_badges(learner: User, modules: list) -> dict[int, StatusBadge]:
    """The catalog's credit badges for these modules (registered with
    courses.learner_status, where they outrank the post-test standing). One query."""
    return credit_badges(learner, [m.pk for m in modules])


def module_page_credit(user, module) -> dict:
    """The module page's "credit_status" (the badge, or None when the visitor has not
    claimed credit or is anonymous) and "has_claimed" (registered with
    courses.learner_status)."""
    credit_status = (
        credit_badges(user, [module.pk]).get(module.pk) if user.is_authenticated else None
    )
    return {"has_claimed": credit_status is not None, "credit_status": credit_status}


def certificates_to_review(*, learner_ids: set[int], module) -> list[int]:
    """The pks of the certificates for `module` of these learners that still attest the
    credit (issued, or pending issue): after a regrade they no longer pass, and an
    administrator decides (registered with quizzes.regrading)."""
    return list(
        Certificate.objects.filter(
            claim__learner_id__in=learner_ids,
            claim__module=module,
            status__in=[CertificateStatus.ISSUED, CertificateStatus.PENDING],
        ).values_list("pk", flat=True)
    )


# Extension point: functions giving, for credit lines, line id → the text the transcript
# shows about the line (reporting says where its registry delivery stands).
_line_status_sources: list = []


def register_line_status(source) -> None:
    """Have `source(lines) -> dict[line_id, str]` asked by `line_statuses`. Filled by apps
    above certificates in their AppConfig.ready(); registering twice is harmless."""
    if source not in _line_status_sources:
        _line_status_sources.append(source)


def line_statuses(lines) -> dict[int, str]:
    """What the registered sources say about these credit lines (line id → text; a str
    that may carry a `url` to link); lines nobody speaks of are left out."""
    lines = list(lines)
    statuses: dict[int, str] = {}
    for source in _line_status_sources:
        statuses.update(source(lines))
    return statuses


def learner_certificates(learner: User) -> QuerySet[Certificate]:
    """The learner's current certificates (superseded ones are replaced by their
    successors), newest completion first."""
    return (
        Certificate.objects.filter(claim__learner=learner)
        .exclude(status=CertificateStatus.SUPERSEDED)
        .select_related("claim")
        .order_by("-claim__completed_on", "-created_at")
    )


@dataclass(frozen=True)
class TranscriptLine:
    """One credit line as the transcript shows it: `name` groups the totals (the kind's
    name, or what a record of participation was designated for), `detail` the MOC board
    and category or the UAN (`line_detail`),
    `status` what the registry reporting says of it ("" when the line is reported nowhere;
    a str that may carry a `url` to the profile field to fix)."""

    name: str
    amount: Decimal
    detail: str
    status: str


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
    """Certificates completed in [start, end], grouped by year, each with its credit lines
    (`certificate.lines_shown`, TranscriptLine) and their delivery status, with totals per
    kind of credit for each year and for the whole range. Revoked credit is listed but not
    counted."""
    certificates = learner_certificates(learner).prefetch_related("claim__lines")
    if start:
        certificates = certificates.filter(claim__completed_on__gte=start)
    if end:
        certificates = certificates.filter(claim__completed_on__lte=end)
    certificates = list(certificates)
    statuses = line_statuses(line for c in certificates for line in c.claim.lines.all())
    years: dict[int, TranscriptYear] = {}
    totals: dict[str, Decimal] = {}
    for certificate in certificates:
        claim = certificate.claim
        entry = years.setdefault(claim.completed_on.year, TranscriptYear(claim.completed_on.year))
        certificate.lines_shown = [
            _transcript_line(certificate, line, statuses.get(line.pk, ""))
            for line in claim.lines.all()
        ]
        entry.certificates.append(certificate)
        if certificate.status in COUNTED:
            for line in certificate.lines_shown:
                entry.totals[line.name] = entry.totals.get(line.name, Decimal(0)) + line.amount
                totals[line.name] = totals.get(line.name, Decimal(0)) + line.amount
    return Transcript(
        years=sorted(years.values(), key=lambda y: y.year, reverse=True),
        totals=totals,
        start=start,
        end=end,
    )


def _transcript_line(certificate: Certificate, line, status: str) -> TranscriptLine:
    snapshot = line.snapshot
    participation = certificate.printed.get("kind") == "participation" and (
        snapshot.get("migrated") or snapshot.get("label", "").startswith("Record of participation")
    )
    name = credit_label(certificate) if participation else snapshot.get("name", "")
    return TranscriptLine(
        name=name, amount=line.amount, detail=line_detail(snapshot), status=status
    )


def line_detail(snapshot: dict) -> str:
    """What tells a line apart from others of its kind, from its claim-time snapshot: the
    MOC board and category ("ABIM, Medical Knowledge") and the ACPE Universal Activity
    Number ("UAN JA4008162-0000-26-123-H01-P"), which boards and CPE Monitor ask for; ""
    for a line that has neither."""
    parts = []
    board, category = snapshot.get("moc_board", ""), snapshot.get("moc_category", "")
    if board:
        label = MocCategory(category).label if category in MocCategory.values else category
        parts.append(f"{board}, {label}" if label else board)
    if snapshot.get("uan"):
        parts.append(f"UAN {snapshot['uan']}")
    return "; ".join(parts)


def credit_label(certificate: Certificate) -> str:
    name = certificate.printed.get("credit_type_name") or certificate.claim.credit_type.name
    if certificate.printed.get("kind") == "participation":
        return f"Participation (hours) — activity designated for {name}"
    return name


@dataclass
class ObjectiveSummary:
    objective: object
    counts: dict[int, int]  # Likert value → number of learners
    mean: Decimal | None


@dataclass
class EvaluationSummary:
    evaluations: int
    objectives: list[ObjectiveSummary]
    relevance_mean: Decimal | None
    quality_mean: Decimal | None
    bias_free: int
    bias_reported: list  # evaluations answering "no", with their comments
    commitments: list[str]


def evaluation_summary(module) -> EvaluationSummary:
    """The Likert results per objective and the commercial-bias answers with their comments,
    as accreditors ask for them; aggregated in the database."""
    from django.db.models import Avg, Count, Q

    from certificates.models import Evaluation, ObjectiveRating

    evaluations = Evaluation.objects.filter(module=module)
    overall = evaluations.aggregate(
        total=Count("pk"),
        relevance=Avg("relevance"),
        quality=Avg("overall_quality"),
        bias_free=Count("pk", filter=Q(free_of_commercial_bias=True)),
    )
    counts: dict[int, dict[int, int]] = {}
    for objective_id, rating, count in (
        ObjectiveRating.objects.filter(evaluation__module=module)
        .values_list("objective_id", "rating")
        .annotate(n=Count("pk"))
    ):
        counts.setdefault(objective_id, {})[rating] = count
    means = dict(
        ObjectiveRating.objects.filter(evaluation__module=module)
        .values_list("objective_id")
        .annotate(mean=Avg("rating"))
    )
    objectives = [
        ObjectiveSummary(
            objective=objective,
            counts={value: counts.get(objective.pk, {}).get(value, 0) for value in range(1, 6)},
            mean=_rounded(means.get(objective.pk)),
        )
        for objective in module.objectives.all()
    ]
    return EvaluationSummary(
        evaluations=overall["total"],
        objectives=objectives,
        relevance_mean=_rounded(overall["relevance"]),
        quality_mean=_rounded(overall["quality"]),
        bias_free=overall["bias_free"],
        bias_reported=list(
            evaluations.filter(free_of_commercial_bias=False)
            .order_by("-submitted_at")
            .values("submitted_at", "bias_comment")
        ),
        commitments=list(
            evaluations.exclude(commitment_to_change="")
            .order_by("-submitted_at")
            .values_list("commitment_to_change", flat=True)[:200]
        ),
    )


def _rounded(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))
