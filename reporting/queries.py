"""Reads about deliveries: what the learner's transcript says per credit line, and what the
reconciliation page and the daily warning list."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.urls import reverse

from accounts.identifiers import identifier_label, profile_url_for
from core.formats import format_day
from reporting.deliveries import DELETE, REGISTRY_NAMES, SENDABLE, line_value
from reporting.models import Delivery, DeliveryStatus
from reporting.rules import REFUSING_LATE_REGISTRIES

UNSENT = (
    DeliveryStatus.WAITING,
    DeliveryStatus.READY,
    DeliveryStatus.CORRECTED,
    DeliveryStatus.REJECTED,
)
WARNING_DAYS = 7


class LineStatus(str):
    """The text the transcript shows for a credit line's delivery ("Reported to ABIM on 3
    December 2026"), with `url` (the profile page at the field to fill or correct, or "")
    for pages that can link it. A str, so that the PDF and the CSV print it as it is."""

    url: str = ""

    def __new__(cls, text: str, *, url: str = ""):
        status = super().__new__(cls, text)
        status.url = url
        return status


def destination(delivery: Delivery) -> str:
    """Where the learner's credit goes, as they know it: the MOC board ("ABIM"), else the
    registry ("ACCME PARS", "CPE Monitor")."""
    return delivery.record.get("moc_board") or REGISTRY_NAMES[delivery.registry]


def line_statuses(lines: Iterable) -> dict[int, LineStatus]:
    """For each of these credit lines (certificates.CreditLine) that has a delivery, line
    id → what the learner reads about it (one query for all lines; dates in the current
    time zone):

        waiting    "Waiting for your NABP e-Profile ID — add it to your profile" (url: the
                   profile page at that field)
        ready, corrected   "To be reported to ABIM by 3 December 2026"
        sent       "Sent to ABIM on 3 December 2026, waiting for its answer"
        accepted   "Reported to ABIM on 3 December 2026"
        rejected   "Rejected by CPE Monitor: birth date does not match — update your
                   profile" (url: the profile page)
        deleted    "Withdrawn from ABIM (the credit was revoked)"
        a delete record to send  "Being withdrawn from ABIM (the credit was revoked)"
        missed     "Not reported: deadline passed on 29 January 2027"

    Registered with certificates.queries.register_line_status (ReportingConfig.ready)."""
    lines = list(lines)
    deliveries = Delivery.objects.filter(line__in=[line.pk for line in lines]).select_related(
        "line__credit_type", "line__designation"
    )
    return {delivery.line_id: delivery_status_text(delivery) for delivery in deliveries}


def delivery_status_text(delivery: Delivery) -> LineStatus:
    """What the learner reads about one delivery (see line_statuses)."""
    where = destination(delivery)
    status = delivery.status
    if delivery.record.get("action") == DELETE and status != DeliveryStatus.DELETED:
        return LineStatus(f"Being withdrawn from {where} (the credit was revoked)")
    if status == DeliveryStatus.WAITING:
        missing = _and(delivery.missing) or "your details"
        pronoun = "it" if len(delivery.missing) <= 1 else "them"
        return LineStatus(
            f"Waiting for {missing} — add {pronoun} to your profile",
            url=_profile_url(delivery),
        )
    if status in SENDABLE:
        return LineStatus(f"To be reported to {where} by {format_day(delivery.deadline)}")
    if status == DeliveryStatus.SENT:
        return LineStatus(
            f"Sent to {where} on {format_day(delivery.sent_at)}, waiting for its answer"
        )
    if status == DeliveryStatus.ACCEPTED:
        return LineStatus(f"Reported to {where} on {format_day(delivery.sent_at)}")
    if status == DeliveryStatus.REJECTED:
        return LineStatus(
            f"Rejected by {REGISTRY_NAMES[delivery.registry]}: {delivery.reason} — update "
            "your profile",
            url=_profile_url(delivery),
        )
    if status == DeliveryStatus.DELETED:
        return LineStatus(f"Withdrawn from {where} (the credit was revoked)")
    return LineStatus(f"Not reported: deadline passed on {format_day(delivery.deadline)}")


def _profile_url(delivery: Delivery) -> str:
    """The profile page at the first missing identifier's field, else the page itself."""
    line = delivery.line
    board = line_value(line, "moc_board")
    for code in line.credit_type.learner_identifiers:
        if identifier_label(code, board=board) in delivery.missing:
            return profile_url_for(code, board=board)
    return reverse("accounts:profile")


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# The reconciliation page ----------------------------------------------------------


@dataclass(frozen=True)
class DeliveryFilter:
    """The page's filters: a registry (Registry value or "") and a status (a
    DeliveryStatus value, "due" for unsent with a deadline within 7 days, "overdue" for
    unsent past the deadline, or "")."""

    registry: str = ""
    status: str = ""


OVERDUE = "overdue"
DUE = "due"


def deliveries(filter: DeliveryFilter, *, today: datetime.date) -> QuerySet[Delivery]:
    """Deliveries matching `filter`, soonest deadline first, with what the page shows."""
    rows = Delivery.objects.select_related(
        "line__claim__learner", "line__claim__module", "line__credit_type"
    ).order_by("deadline", "pk")
    if filter.registry:
        rows = rows.filter(registry=filter.registry)
    if filter.status == OVERDUE:
        rows = rows.filter(status__in=UNSENT, deadline__lt=today)
    elif filter.status == DUE:
        rows = rows.filter(pk__in=due_within(today=today, days=WARNING_DAYS).values("pk"))
    elif filter.status:
        rows = rows.filter(status=filter.status)
    return rows


@dataclass(frozen=True)
class Panel:
    """One summary panel of the reconciliation page: its title, how many deliveries it
    holds and the status filter that lists them."""

    title: str
    count: int
    status: str


def reconciliation_panels(*, today: datetime.date) -> list[Panel]:
    """What needs an administrator, as counts that link to the list: due within 7 days,
    waiting for the learner's data, rejected by the registry, past the deadline (missed,
    or unsent after it)."""
    return [
        Panel("Due within 7 days", due_within(today=today, days=WARNING_DAYS).count(), DUE),
        Panel(
            "Waiting for the learner's data",
            Delivery.objects.filter(status=DeliveryStatus.WAITING).count(),
            DeliveryStatus.WAITING,
        ),
        Panel(
            "Rejected by the registry",
            Delivery.objects.filter(status=DeliveryStatus.REJECTED).count(),
            DeliveryStatus.REJECTED,
        ),
        Panel(
            "Missed the deadline",
            Delivery.objects.filter(status=DeliveryStatus.MISSED).count(),
            DeliveryStatus.MISSED,
        ),
        Panel(
            "Past the deadline, unsent",
            Delivery.objects.filter(status__in=UNSENT, deadline__lt=today).count(),
            OVERDUE,
        ),
    ]


def due_within(*, today: datetime.date, days: int) -> QuerySet[Delivery]:
    """Deliveries not yet sent (waiting, ready, corrected, rejected) whose deadline falls in
    [today, today + days], soonest first."""
    return (
        Delivery.objects.select_related(
            "line__claim__learner", "line__claim__module", "line__credit_type"
        )
        .filter(
            status__in=UNSENT,
            deadline__gte=today,
            deadline__lte=today + datetime.timedelta(days=days),
        )
        .exclude(record__action=DELETE)
        .order_by("deadline", "pk")
    )


def sendable(registry: str, *, today: datetime.date) -> QuerySet[Delivery]:
    """What may go to `registry` today: ready or corrected, past its earliest day, and not
    past the deadline of a registry that refuses late records."""
    rows = Delivery.objects.filter(registry=registry, status__in=SENDABLE).filter(
        Q(earliest__isnull=True) | Q(earliest__lte=today)
    )
    if registry in REFUSING_LATE_REGISTRIES:
        rows = rows.filter(deadline__gte=today)
    return rows.order_by("deadline", "pk")
