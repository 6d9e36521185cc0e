"""Reads for the catalog and the module page."""

import datetime

from django.db.models import Prefetch, Q, QuerySet

from courses.models import FacultyMember, Module, ModuleCredit, Topic

CATALOG_PAGE_SIZE = 10


def catalog_modules(
    *, search: str = "", topic: str = "", today: datetime.date | None = None
) -> QuerySet[Module]:
    """Published modules a learner can take on `today` (their own date,
    accounts.timezones.learner_today; None: open somewhere on earth now), newest first, with
    what the catalog shows."""
    modules = (
        Module.objects.open_for_credit(today)
        .select_related("post_test")
        .prefetch_related(
            "topics",
            Prefetch("credits", queryset=ModuleCredit.objects.select_related("credit_type")),
        )
        .order_by("-release_date", "title")
    )
    if search:
        modules = modules.filter(Q(title__icontains=search) | Q(summary__icontains=search))
    if topic:
        modules = modules.filter(topics__slug=topic)
    return modules


def catalog_topics() -> QuerySet[Topic]:
    return Topic.objects.filter(modules__in=Module.objects.open_for_credit()).distinct()


def module_page_queryset() -> QuerySet[Module]:
    """Everything the module page shows, in a fixed number of queries."""
    return Module.objects.select_related("post_test").prefetch_related(
        "topics",
        "objectives",
        "references",
        Prefetch(
            "faculty",
            queryset=FacultyMember.objects.prefetch_related("financial_relationships"),
        ),
        Prefetch("credits", queryset=ModuleCredit.objects.select_related("credit_type")),
    )
