"""Regrading after an author corrects a question's answer key.

A regrade is first planned (a dry run that writes nothing and says whose outcome would
change), then applied with a reason. Learners who now pass can evaluate and claim at once;
certificates of learners who no longer pass are not revoked: they are listed on the regrade
for an administrator's decision.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from cme_site.audit import recorded_as
from quizzes.exceptions import PostTestError
from quizzes.grading import grade_count, is_item_correct
from quizzes.models import Attempt, AttemptQuestion, QuestionVersion, Regrade, validate_choices


class RegradeRefused(PostTestError):
    pass


@dataclass(frozen=True)
class AttemptChange:
    attempt_id: int
    learner_id: int
    number: int
    old_score: Decimal
    new_score: Decimal
    old_passed: bool
    new_passed: bool
    new_correct: int

    @property
    def outcome_changed(self) -> bool:
        return self.old_passed != self.new_passed


@dataclass
class RegradePlan:
    version: QuestionVersion
    old_key: set[int]
    new_key: set[int]
    attempts_regraded: int = 0
    changes: list[AttemptChange] = field(default_factory=list)

    @property
    def now_passing(self) -> list[AttemptChange]:
        return [c for c in self.changes if c.new_passed and not c.old_passed]

    @property
    def now_failing(self) -> list[AttemptChange]:
        return [c for c in self.changes if c.old_passed and not c.new_passed]


def plan_regrade(version: QuestionVersion, *, correct_choice_ids: set[int]) -> RegradePlan:
    """What the corrected key would change, writing nothing."""
    choices = list(version.choices.all())
    if not correct_choice_ids <= {c.pk for c in choices}:
        raise RegradeRefused("The corrected key names a choice this question does not have.")
    try:
        validate_choices(version.kind, [(c.text, c.pk in correct_choice_ids) for c in choices])
    except ValidationError as problem:
        raise RegradeRefused(" ".join(problem.messages)) from problem
    old_key = {c.pk for c in choices if c.is_correct}
    plan = RegradePlan(version=version, old_key=old_key, new_key=set(correct_choice_ids))
    if old_key == plan.new_key:
        raise RegradeRefused("The corrected key is the same as the current one.")

    items = (
        AttemptQuestion.objects.filter(question_version=version, attempt__status="graded")
        .select_related("attempt__post_test")
        .prefetch_related("responses")
        .order_by("attempt_id")
    )
    for item in items:
        attempt = item.attempt
        selected = {r.choice_id for r in item.responses.all()}
        now_correct = is_item_correct(selected, plan.new_key)
        plan.attempts_regraded += 1
        correct = attempt.correct_count - int(bool(item.is_correct)) + int(now_correct)
        grade = grade_count(
            correct, attempt.question_count, passing_score=attempt.post_test.passing_score
        )
        if grade.score != attempt.score or grade.passed != attempt.passed:
            plan.changes.append(
                AttemptChange(
                    attempt_id=attempt.pk,
                    learner_id=attempt.learner_id,
                    number=attempt.number,
                    old_score=attempt.score,
                    new_score=grade.score,
                    old_passed=bool(attempt.passed),
                    new_passed=grade.passed,
                    new_correct=grade.correct,
                )
            )
    return plan


@transaction.atomic
def apply_regrade(
    version: QuestionVersion, *, correct_choice_ids: set[int], reason: str, by: User
) -> Regrade:
    """Correct the key of `version` and regrade every graded attempt that was given it."""
    from certificates.models import Certificate, CertificateStatus

    reason = reason.strip()
    if not reason:
        raise RegradeRefused("Give a reason: it is kept with the regrade.")
    version = QuestionVersion.objects.select_for_update().get(pk=version.pk)
    attempt_ids = AttemptQuestion.objects.filter(question_version=version).values("attempt_id")
    list(Attempt.objects.select_for_update().filter(pk__in=attempt_ids).order_by("pk"))
    plan = plan_regrade(version, correct_choice_ids=correct_choice_ids)

    with recorded_as(by, reason=reason):
        for choice in version.choices.all():
            choice.is_correct = choice.pk in plan.new_key
            choice.save(update_fields=["is_correct"])
        items = AttemptQuestion.objects.filter(question_version=version, attempt__status="graded")
        for item in items.prefetch_related("responses"):
            selected = {r.choice_id for r in item.responses.all()}
            item.is_correct = is_item_correct(selected, plan.new_key)
            item.save(update_fields=["is_correct"])
        attempts = Attempt.objects.in_bulk([c.attempt_id for c in plan.changes])
        for change in plan.changes:
            attempt = attempts[change.attempt_id]
            attempt.score, attempt.passed = change.new_score, change.new_passed
            attempt.correct_count = change.new_correct
            attempt.save(update_fields=["score", "passed", "correct_count"])

    failing = {c.learner_id for c in plan.now_failing}
    still_passing = set(
        Attempt.objects.filter(
            learner_id__in=failing, post_test=version.question.post_test, passed=True
        ).values_list("learner_id", flat=True)
    )
    to_review = list(
        Certificate.objects.filter(
            claim__learner_id__in=failing - still_passing,
            claim__module=version.question.post_test.module,
            status__in=[CertificateStatus.ISSUED, CertificateStatus.PENDING],
        ).values_list("pk", flat=True)
    )
    return Regrade.objects.create(
        question_version=version,
        old_key=sorted(plan.old_key),
        new_key=sorted(plan.new_key),
        reason=reason,
        applied_by=by,
        changes=[
            {
                "attempt": c.attempt_id,
                "learner": c.learner_id,
                "score": [str(c.old_score), str(c.new_score)],
                "passed": [c.old_passed, c.new_passed],
            }
            for c in plan.changes
        ],
        certificates_to_review=to_review,
    )
