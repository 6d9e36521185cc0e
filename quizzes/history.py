"""A question's history, for its author: each version with what changed from the one
before and the attempts that were given it (reads only).

A version is made when a question that learners have answered is edited
(`quizzes.authoring.revise_question`); edits before anyone answered correct the version in
place, so they leave no trace here."""

from dataclasses import dataclass

from django.db.models import Count, Q

from quizzes.models import (
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Question,
    QuestionKind,
    QuestionVersion,
)

# Attempts listed by name per version, for administrators; the counts cover them all.
MAX_LISTED_ATTEMPTS = 50


@dataclass(frozen=True)
class VersionHistory:
    """One version: `changes` names what differs from the previous version (in a fixed
    order: type, wording, choices, correct answer, rationale), or says it is the first;
    `graded` and `in_progress` count the attempts given it; `attempts` lists the first
    MAX_LISTED_ATTEMPTS of them, newest first, when asked for."""

    version: QuestionVersion
    changes: tuple[str, ...]
    graded: int
    in_progress: int
    attempts: tuple[Attempt, ...]

    @property
    def is_current(self) -> bool:
        return self.version.pk == self.version.question.current_version_id


def describe_changes(before: QuestionVersion | None, after: QuestionVersion) -> tuple[str, ...]:
    """What differs between two versions of a question, in words an author reads."""
    if before is None:
        return ("First version",)
    kinds = dict(QuestionKind.choices)
    changes = []
    if before.kind != after.kind:
        changes.append(f"Type: {kinds[before.kind]} → {kinds[after.kind]}")
    if before.stem.strip() != after.stem.strip():
        changes.append("Wording of the question")
    old = [(c.text, c.is_correct) for c in before.choices.all()]
    new = [(c.text, c.is_correct) for c in after.choices.all()]
    if [text for text, _ in old] != [text for text, _ in new]:
        changes.append("Choices")
    if {text for text, ok in old if ok} != {text for text, ok in new if ok}:
        changes.append("Correct answer")
    if before.rationale.strip() != after.rationale.strip():
        changes.append("Rationale")
    return tuple(changes) or ("No change in the wording",)


def question_history(question: Question, *, with_attempts: bool = False) -> list[VersionHistory]:
    """The question's versions, newest first, each with what changed and the attempts that
    were given it. `with_attempts` also lists those attempts (with their learners), for
    administrators. Three queries, four with the attempts."""
    versions = list(
        QuestionVersion.objects.filter(question=question)
        .select_related("question")
        .prefetch_related("choices")
        .order_by("number")
    )
    counts = {
        row["question_version_id"]: row
        for row in AttemptQuestion.objects.filter(question_version__in=versions)
        .values("question_version_id")
        .annotate(
            graded=Count("pk", filter=Q(attempt__status=AttemptStatus.GRADED)),
            in_progress=Count("pk", filter=Q(attempt__status=AttemptStatus.IN_PROGRESS)),
        )
        .order_by()
    }
    listed: dict[int, list[Attempt]] = {}
    if with_attempts:
        items = (
            AttemptQuestion.objects.filter(question_version__in=versions)
            .select_related("attempt__learner")
            .order_by("-attempt__started_at", "-pk")
        )
        for item in items[: MAX_LISTED_ATTEMPTS * len(versions)]:
            attempts = listed.setdefault(item.question_version_id, [])
            if len(attempts) < MAX_LISTED_ATTEMPTS:
                attempts.append(item.attempt)
    history = []
    previous = None
    for version in versions:
        row = counts.get(version.pk, {})
        history.append(
            VersionHistory(
                version=version,
                changes=describe_changes(previous, version),
                graded=row.get("graded", 0),
                in_progress=row.get("in_progress", 0),
                attempts=tuple(listed.get(version.pk, ())),
            )
        )
        previous = version
    return history[::-1]
