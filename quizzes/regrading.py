"""Regrading after an author corrects a question's answer key.

A regrade is first planned (a dry run that writes nothing and says whose outcome would
change), then applied with a reason. A question revised after learners answered it has
several versions; a wrong key usually survives the revision, so the regrade reaches every
version that shares it: the corrected key is carried to each such version by the choices'
wording, all of them are regraded by default, and the author may leave some out. Learners
who now pass can evaluate and claim at once; certificates of learners who no longer pass
are not revoked: they are listed on the regrade for an administrator's decision.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from core.audit import recorded_as
from quizzes.exceptions import PostTestError
from quizzes.grading import grade_count, is_item_correct
from quizzes.models import (
    Attempt,
    AttemptQuestion,
    Choice,
    QuestionVersion,
    Regrade,
    validate_choices,
)
from quizzes.tallies import learners_attempts, tally_attempts, withdraw_attempts


class RegradeRefused(PostTestError):
    pass


CertificatesToReview = Callable[..., list[int]]

_certificates_to_review: list[CertificatesToReview] = []


def register_certificates_to_review(finder: CertificatesToReview) -> None:
    """Add a finder of the certificates an administrator should review after a regrade.

    `finder(learner_ids=..., module=...)` receives the set of the learners' pks who passed
    before the regrade and no longer pass any attempt on the module's post-test, and the
    Module; it returns the pks of their certificates that still attest the credit, which
    `apply_regrade` stores on `Regrade.certificates_to_review` (nothing is revoked).
    Filled by certificates. Registering the same finder twice keeps one.
    """
    if finder not in _certificates_to_review:
        _certificates_to_review.append(finder)


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
class VersionPlan:
    """What the corrected key changes for the attempts given one version."""

    version: QuestionVersion
    old_key: set[int]
    new_key: set[int]
    attempts_regraded: int = 0
    changes: list[AttemptChange] = field(default_factory=list)


@dataclass
class RegradePlan:
    """The dry run of a regrade: one VersionPlan per version regraded (the version the
    author corrected first, if chosen), and the versions that share the wrong key but whose
    choices no longer include the corrected answer's wording (they cannot be regraded by
    wording and are listed for the author)."""

    version: QuestionVersion
    versions: list[VersionPlan]
    sharing: list[QuestionVersion] = field(default_factory=list)
    unmatched: list[QuestionVersion] = field(default_factory=list)

    @property
    def old_key(self) -> set[int]:
        return self._own.old_key

    @property
    def new_key(self) -> set[int]:
        return self._own.new_key

    @property
    def _own(self) -> VersionPlan:
        return next((p for p in self.versions if p.version.pk == self.version.pk), self.versions[0])

    @property
    def attempts_regraded(self) -> int:
        return sum(p.attempts_regraded for p in self.versions)

    @property
    def changes(self) -> list[AttemptChange]:
        return [change for p in self.versions for change in p.changes]

    @property
    def now_passing(self) -> list[AttemptChange]:
        return [c for c in self.changes if c.new_passed and not c.old_passed]

    @property
    def now_failing(self) -> list[AttemptChange]:
        return [c for c in self.changes if c.old_passed and not c.new_passed]


def _wording(text: str) -> str:
    return " ".join(text.split()).casefold()


def _keys_for_versions(
    version: QuestionVersion, correct_choice_ids: set[int]
) -> tuple[dict[int, tuple[set[int], set[int]]], list[QuestionVersion], list[QuestionVersion]]:
    """For the corrected version and every other version of its question that has the same
    (wrong) key, by the choices' wording: version id → (old key, new key) of the versions the
    key can be carried to, the versions in order, and those it cannot be carried to."""
    choices = list(version.choices.all())
    if not correct_choice_ids <= {c.pk for c in choices}:
        raise RegradeRefused("The corrected key names a choice this question does not have.")
    try:
        validate_choices(version.kind, [(c.text, c.pk in correct_choice_ids) for c in choices])
    except ValidationError as problem:
        raise RegradeRefused(" ".join(problem.messages)) from problem
    old_texts = {_wording(c.text) for c in choices if c.is_correct}
    new_texts = {_wording(c.text) for c in choices if c.pk in correct_choice_ids}
    if old_texts == new_texts:
        raise RegradeRefused("The corrected key is the same as the current one.")

    keys = {
        version.pk: ({c.pk for c in choices if c.is_correct}, set(correct_choice_ids)),
    }
    sharing, unmatched = [version], []
    others = (
        QuestionVersion.objects.filter(question_id=version.question_id, kind=version.kind)
        .exclude(pk=version.pk)
        .prefetch_related("choices")
        .order_by("number")
    )
    for other in others:
        other_choices = list(other.choices.all())
        if {_wording(c.text) for c in other_choices if c.is_correct} != old_texts:
            continue  # this version's key differs: not the same mistake
        new_key = {c.pk for c in other_choices if _wording(c.text) in new_texts}
        if len({_wording(c.text) for c in other_choices if c.pk in new_key}) != len(new_texts):
            unmatched.append(other)
            continue
        keys[other.pk] = ({c.pk for c in other_choices if c.is_correct}, new_key)
        sharing.append(other)
    sharing.sort(key=lambda v: (v.pk != version.pk, v.number))
    return keys, sharing, unmatched


def _plan_version(version: QuestionVersion, old_key: set[int], new_key: set[int]) -> VersionPlan:
    plan = VersionPlan(version=version, old_key=old_key, new_key=new_key)
    items = (
        AttemptQuestion.objects.filter(question_version=version, attempt__status="graded")
        .select_related("attempt__post_test")
        .prefetch_related("responses")
        .order_by("attempt_id")
    )
    for item in items:
        attempt = item.attempt
        selected = {r.choice_id for r in item.responses.all()}
        now_correct = is_item_correct(selected, new_key)
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


def plan_regrade(
    version: QuestionVersion,
    *,
    correct_choice_ids: set[int],
    version_ids: set[int] | None = None,
) -> RegradePlan:
    """What the corrected key would change, writing nothing.

    `correct_choice_ids` are choices of `version`. Every version of the question that has
    the same wrong key is regraded too (`version_ids` None), or only those listed in
    `version_ids`. Raises RegradeRefused for a key that is not a fair key, the current key
    itself, no version chosen, or a version that does not share the key."""
    keys, sharing, unmatched = _keys_for_versions(version, correct_choice_ids)
    if version_ids is None:
        chosen = sharing
    else:
        if not version_ids:
            raise RegradeRefused("Choose at least one version to regrade.")
        if not version_ids <= set(keys):
            raise RegradeRefused(
                "A chosen version does not share this key; show what would change again."
            )
        chosen = [v for v in sharing if v.pk in version_ids]
    return RegradePlan(
        version=version,
        versions=[_plan_version(v, *keys[v.pk]) for v in chosen],
        sharing=sharing,
        unmatched=unmatched,
    )


@transaction.atomic
def apply_regrade(
    version: QuestionVersion,
    *,
    correct_choice_ids: set[int],
    reason: str,
    by: User,
    version_ids: set[int] | None = None,
) -> Regrade:
    """Correct the key of `version` and of every other version that shares its wrong key
    (or those in `version_ids`), and regrade every graded attempt given one of them. One
    Regrade row per version, the later ones `part_of` the first, which is returned. The
    certificates of learners who no longer pass are listed on it by the registered finders
    (`register_certificates_to_review`)."""
    reason = reason.strip()
    if not reason:
        raise RegradeRefused("Give a reason: it is kept with the regrade.")
    versions = QuestionVersion.objects.select_for_update().filter(question_id=version.question_id)
    list(versions.order_by("pk"))
    attempt_ids = AttemptQuestion.objects.filter(question_version__in=versions).values("attempt_id")
    # Every attempt of the learners concerned is locked, not only those given the question:
    # an earlier attempt's outcome decides whether a later one is the first to pass, which
    # the tallies count. Their tallied figures are withdrawn before anything changes and
    # added again, as regraded, at the end (quizzes.tallies).
    concerned = learners_attempts(
        version.question.post_test_id,
        Attempt.objects.filter(pk__in=attempt_ids).values("learner_id"),
    )
    list(concerned.select_for_update().order_by("pk").values_list("pk", flat=True))
    withdrawn = withdraw_attempts(concerned)
    plan = plan_regrade(
        QuestionVersion.objects.get(pk=version.pk),
        correct_choice_ids=correct_choice_ids,
        version_ids=version_ids,
    )

    first = None
    post_test = version.question.post_test
    with recorded_as(by, reason=reason):
        for part in plan.versions:
            for choice in Choice.objects.filter(version=part.version):
                if choice.is_correct != (choice.pk in part.new_key):
                    choice.is_correct = choice.pk in part.new_key
                    choice.save(update_fields=["is_correct"])
            items = AttemptQuestion.objects.filter(
                question_version=part.version, attempt__status="graded"
            )
            for item in items.prefetch_related("responses"):
                selected = {r.choice_id for r in item.responses.all()}
                item.is_correct = is_item_correct(selected, part.new_key)
                item.save(update_fields=["is_correct"])
            attempts = Attempt.objects.in_bulk([c.attempt_id for c in part.changes])
            for change in part.changes:
                attempt = attempts[change.attempt_id]
                attempt.score, attempt.passed = change.new_score, change.new_passed
                attempt.correct_count = change.new_correct
                attempt.save(update_fields=["score", "passed", "correct_count"])
            record = Regrade.objects.create(
                question_version=part.version,
                part_of=first,
                old_key=sorted(part.old_key),
                new_key=sorted(part.new_key),
                reason=reason,
                applied_by=by,
                changes=[
                    {
                        "attempt": c.attempt_id,
                        "learner": c.learner_id,
                        "score": [str(c.old_score), str(c.new_score)],
                        "passed": [c.old_passed, c.new_passed],
                    }
                    for c in part.changes
                ],
            )
            first = first or record

    failing = {c.learner_id for c in plan.now_failing}
    still_passing = set(
        Attempt.objects.filter(
            learner_id__in=failing, post_test=post_test, passed=True
        ).values_list("learner_id", flat=True)
    )
    first.certificates_to_review = [
        certificate_id
        for finder in _certificates_to_review
        for certificate_id in finder(learner_ids=failing - still_passing, module=post_test.module)
    ]
    first.save(update_fields=["certificates_to_review"])
    tally_attempts(withdrawn)
    return first
