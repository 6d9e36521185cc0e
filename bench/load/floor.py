"""The floor: the least a web request can do to store a post-test submission, to compare the
real submit with.

It goes through the same middleware as every page (session, authentication, CSRF, security
headers) and, in one transaction, writes what storing a learner's answers takes in this
schema: one attempt row, one row per question (answers hang off it) and one row per selected
choice. It does not check the attempt limit, lock anything or grade; that is exactly the
work the real submit adds on top. The answers arrive as the `choice` values of a form
(choice IDs) with the attempt `number` the client counts itself.

The attempt model is in the audit log (django-auditlog), so the floor's new attempt row
writes an audit entry, which the real submit does not (the attempt is created when it
starts; the grade is saved with the audit log off). The load test's floor keeps it, as the
targets of issue 15 were set against it; /bench/floor/submit-unaudited/ stores the same
rows without it, for bench/load/profile_pages.py to show what the entry costs.

This module is also the URL configuration of bench/load/floor_settings.py: the project's
URLs plus /bench/floor/submit/ and /bench/floor/submit-unaudited/.
"""

from contextlib import nullcontext
from decimal import Decimal
from functools import cache

from auditlog.context import disable_auditlog
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from cme_site.urls import urlpatterns as site_urlpatterns
from demo.content import SLUG
from quizzes.models import (
    Attempt,
    AttemptQuestion,
    AttemptResponse,
    AttemptStatus,
    Choice,
    Participation,
    PostTest,
)


@cache
def demo_sheet() -> tuple[int, list[int], dict[int, int]]:
    """(post-test ID, its current question versions in order, choice ID → version ID),
    read once per process."""
    post_test = PostTest.objects.get(module__slug=SLUG)
    versions = list(
        post_test.questions.filter(is_active=True)
        .order_by("position")
        .values_list("current_version_id", flat=True)
    )
    version_of = dict(Choice.objects.filter(version__in=versions).values_list("pk", "version_id"))
    return post_test.pk, versions, version_of


@login_required
@require_POST
def submit_floor(request, *, audited: bool = True):
    """Store the posted answers as a graded attempt: 204, or 400 for a malformed form."""
    post_test_id, versions, version_of = demo_sheet()
    try:
        number = int(request.POST["number"])
        choices = [int(value) for value in request.POST.getlist("choice")]
    except (KeyError, ValueError):
        return HttpResponseBadRequest("number and choice are required")
    if not choices or any(choice not in version_of for choice in choices):
        return HttpResponseBadRequest("unknown choice")

    with transaction.atomic(), nullcontext() if audited else disable_auditlog():
        participation_id = Participation.objects.values_list("pk", flat=True).get(
            learner=request.user, post_test_id=post_test_id
        )
        attempt = Attempt.objects.create(
            participation_id=participation_id,
            learner=request.user,
            post_test_id=post_test_id,
            number=number,
            status=AttemptStatus.GRADED,
            graded_at=timezone.now(),
            score=Decimal(0),
            question_count=len(versions),
        )
        items = AttemptQuestion.objects.bulk_create(
            AttemptQuestion(
                attempt=attempt, question_version_id=version, position=position, choice_order=[]
            )
            for position, version in enumerate(versions, start=1)
        )
        item_of = {item.question_version_id: item.pk for item in items}
        AttemptResponse.objects.bulk_create(
            AttemptResponse(item_id=item_of[version_of[choice]], choice_id=choice)
            for choice in choices
        )
    return HttpResponse(status=204)


urlpatterns = [
    path("bench/floor/submit/", submit_floor, name="bench_floor_submit"),
    path(
        "bench/floor/submit-unaudited/",
        submit_floor,
        {"audited": False},
        name="bench_floor_submit_unaudited",
    ),
    *site_urlpatterns,
]
