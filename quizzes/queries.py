"""Reads about a learner's standing on post-tests, for pages and the catalog."""

import dataclasses
import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from accounts.models import User
from accounts.timezones import learner_time_zone
from quizzes.delays import waiting_until
from quizzes.models import Attempt, AttemptQuestion, AttemptStatus, Choice, Participation, PostTest


@dataclass(frozen=True)
class StatusBadge:
    label: str
    style: str  # a Bootstrap colour name


class ProgressStatus:
    NOT_STARTED = StatusBadge("Not started", "light")
    IN_PROGRESS = StatusBadge("Post-test in progress", "info")
    PASSED = StatusBadge("Passed", "success")
    NO_ATTEMPTS_LEFT = StatusBadge("No attempts left", "secondary")
    ATTEMPTS_LEFT = StatusBadge("Not passed yet", "warning")


@dataclass(frozen=True)
class Standing:
    """Where a learner stands on one post-test."""

    attempts_used: int
    attempt_limit: int | None
    in_progress: Attempt | None
    passed_attempt: Attempt | None
    # When the post-test's delay between attempts lets the learner start again, if that is
    # still to come (aware, in the learner's time zone); None when they may start now.
    next_attempt_at: datetime.datetime | None = None

    @property
    def attempts_left(self) -> int | None:
        if self.attempt_limit is None:
            return None
        return max(self.attempt_limit - self.attempts_used, 0)

    @property
    def has_passed(self) -> bool:
        return self.passed_attempt is not None

    @property
    def can_start(self) -> bool:
        if self.has_passed:
            return False
        return self.in_progress is not None or self.attempts_left != 0

    @property
    def status(self) -> StatusBadge:
        if self.has_passed:
            return ProgressStatus.PASSED
        if self.in_progress is not None:
            return ProgressStatus.IN_PROGRESS
        if self.attempts_used == 0:
            return ProgressStatus.NOT_STARTED
        if self.attempts_left == 0:
            return ProgressStatus.NO_ATTEMPTS_LEFT
        return ProgressStatus.ATTEMPTS_LEFT


def _standing(post_test: PostTest, participation: Participation | None, attempts) -> Standing:
    extra = participation.extra_attempts if participation else 0
    limit = None if post_test.max_attempts is None else post_test.max_attempts + extra
    return Standing(
        attempts_used=len(attempts),
        attempt_limit=limit,
        in_progress=next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None),
        passed_attempt=next((a for a in attempts if a.passed), None),
    )


def standing_on(learner: User, post_test: PostTest) -> Standing:
    if not learner.is_authenticated:
        return _standing(post_test, None, [])
    participation = (
        Participation.objects.filter(learner=learner, post_test=post_test)
        .prefetch_related("attempts")
        .first()
    )
    attempts = list(participation.attempts.all()) if participation else []
    standing = _standing(post_test, participation, attempts)
    if standing.has_passed or standing.in_progress or standing.attempts_left == 0:
        return standing
    waiting = waiting_until(
        post_test, attempts=attempts, time_zone=learner_time_zone(learner), now=timezone.now()
    )
    return dataclasses.replace(standing, next_attempt_at=waiting)


def standings_by_module(learner: User, post_tests: list[PostTest]) -> dict[int, Standing]:
    """Standing on each post-test, keyed by module ID, in two queries whatever the count."""
    participations = {
        p.post_test_id: p
        for p in Participation.objects.filter(
            learner=learner, post_test__in=post_tests
        ).prefetch_related("attempts")
    }
    result = {}
    for post_test in post_tests:
        participation = participations.get(post_test.pk)
        attempts = list(participation.attempts.all()) if participation else []
        result[post_test.module_id] = _standing(post_test, participation, attempts)
    return result


def catalog_standings(learner: User, modules: list) -> dict[int, StatusBadge]:
    """The catalog's badge of the learner's standing on each module's post-test, by module
    pk (registered with courses.learner_status). Two queries whatever the count."""
    post_tests = [m.post_test for m in modules if hasattr(m, "post_test")]
    return {
        module_id: standing.status
        for module_id, standing in standings_by_module(learner, post_tests).items()
    }


def module_page_standing(user, module) -> dict:
    """The module page's "post_test" (None when the module has none) and the visitor's
    "standing" on it (registered with courses.learner_status)."""
    post_test = getattr(module, "post_test", None)
    return {
        "post_test": post_test,
        "standing": standing_on(user, post_test) if post_test else None,
    }


def attempt_items(attempt: Attempt) -> list[AttemptQuestion]:
    """The attempt's items in order, each with its question version and:

    - `ordered_choices`: the version's choices in the order the learner saw them;
    - `selected_ids`: the IDs of the choices the learner selected.

    At most three queries whatever the number of questions. For an attempt in progress,
    `selected_ids` are the answers saved so far (`quizzes.attempts.save_answer`); a graded
    one also comes with each question's learning objective, for its result page."""
    items = attempt.items.select_related("question_version").prefetch_related("responses")
    if attempt.is_graded:
        items = items.select_related("question_version__question__objective")
    items = list(items)
    choices_of: dict[int, dict[int, Choice]] = defaultdict(dict)
    for choice in Choice.objects.filter(version__in={item.question_version_id for item in items}):
        choices_of[choice.version_id][choice.pk] = choice
    for item in items:
        by_id = choices_of[item.question_version_id]
        item.ordered_choices = [by_id[pk] for pk in item.choice_order if pk in by_id]
        item.selected_ids = {response.choice_id for response in item.responses.all()}
    return items


@dataclass
class PreviewItem:
    """A question as an attempt would give it, for previews that write nothing."""

    pk: int
    position: int
    question_version: object
    ordered_choices: list
    correct_ids: set[int]
    selected_ids: set[int] = dataclasses.field(default_factory=set)
    is_correct: bool | None = None


def preview_items(post_test: PostTest) -> list[PreviewItem]:
    questions = (
        post_test.questions.filter(is_active=True, current_version__isnull=False)
        .select_related("current_version")
        .prefetch_related("current_version__choices")
        .order_by("position", "pk")
    )
    items = []
    for position, question in enumerate(questions, start=1):
        choices = list(question.current_version.choices.all())
        items.append(
            PreviewItem(
                pk=question.pk,
                position=position,
                question_version=question.current_version,
                ordered_choices=choices,
                correct_ids={c.pk for c in choices if c.is_correct},
            )
        )
    return items
