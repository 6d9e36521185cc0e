"""Item analysis of a post-test: the figures a quiz statistics report gives (facility,
discrimination, distractor use, score distribution, pass rates), for authors reviewing
their questions.

Reads only. Every figure is over the post-test's graded attempts (attempts in progress are
ignored), read from the post-test's tallies plus its graded attempts not yet tallied
(quizzes.tallies): five queries, whatever the number of attempts or questions, each
returning at most a few hundred rows. No answer is loaded into Python.

Definitions:
- Score bins are 10 percentage points wide and closed on the left: 0 <= score < 10, ...,
  80 <= score < 90; the last bin, 90 <= score <= 100, includes 100.
- The pass rate is the share of graded attempts that passed; the first-attempt pass rate is
  the share of attempts number 1 that passed; the mean attempts to pass is the mean, over
  learners who passed, of the number of their (first) passing attempt.
- A question's figures pool all its versions (an edited question keeps its statistics); it is
  labelled with its current version's stem and its position.
- An attempt's total score is its number of items graded correct (`correct_count`).
- Every active question is reported, whether or not an attempt was given it: a post-test
  that draws from a pool (`PostTest.draw_per_objective`, `draw_total`) lists the questions
  no graded attempt has drawn yet with no figures ("not yet drawn"). Each figure of a drawn
  question counts only the attempts that drew it.
"""

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models import Avg, Count, Min, Q

from quizzes.models import (
    Attempt,
    AttemptQuestion,
    AttemptResponse,
    AttemptStatus,
    Choice,
    PostTest,
    Question,
    QuestionVersion,
)
from quizzes.tallies import tallied_rows

BIN_WIDTH = 10
BIN_COUNT = 10
TOO_EASY_ABOVE = 0.95
TOO_HARD_BELOW = 0.30
UPPER_LOWER_PERCENT = 27


@dataclass(frozen=True)
class ScoreBin:
    """Attempts scoring `low` <= score < `high` (%), or <= 100 in the last bin."""

    low: int
    high: int
    count: int

    @property
    def label(self) -> str:
        return f"{self.low}-{self.high}%"


@dataclass(frozen=True)
class ChoiceFrequency:
    """How often one choice was selected, pooled by its text across the question's versions.

    `count` is the number of responses (attempt items) that selected it and `share` that
    count over the question's responses (for a multiple-response question the shares add up
    to more than 1). A choice of the current version is listed even if nobody picked it; a
    choice only an earlier version had is listed with `in_current_version` False and
    `is_correct` True if it was picked where it was a correct choice.
    """

    text: str
    is_correct: bool
    in_current_version: bool
    count: int
    share: float | None


@dataclass(frozen=True)
class QuestionStatistics:
    """Figures of one question; see `item_analysis` for the formulas."""

    question_id: int
    position: int
    stem: str
    responses: int
    correct: int
    facility: float | None
    point_biserial: float | None
    upper_lower_index: float | None
    choices: tuple[ChoiceFrequency, ...]

    @property
    def not_yet_drawn(self) -> bool:
        """No graded attempt has been given this question yet: in a post-test that draws
        from a pool, a question the draws have not reached."""
        return self.responses == 0

    @property
    def too_easy(self) -> bool:
        return self.facility is not None and self.facility > TOO_EASY_ABOVE

    @property
    def too_hard(self) -> bool:
        return self.facility is not None and self.facility < TOO_HARD_BELOW

    @property
    def negative_discrimination(self) -> bool:
        return self.point_biserial is not None and self.point_biserial < 0

    @property
    def flags(self) -> tuple[str, ...]:
        """Readable names of the raised flags, in a fixed order."""
        raised = [
            (self.too_easy, "too easy"),
            (self.too_hard, "too hard"),
            (self.negative_discrimination, "negative discrimination"),
        ]
        return tuple(name for is_raised, name in raised if is_raised)


@dataclass(frozen=True)
class ItemAnalysis:
    """The post-test's figures over its graded attempts. Rates and means are None when
    there is nothing to divide by."""

    post_test_id: int
    attempts: int
    learners: int
    score_distribution: tuple[ScoreBin, ...]
    mean_score: float | None
    passed_attempts: int
    pass_rate: float | None
    first_attempts: int
    first_attempt_pass_rate: float | None
    learners_passed: int
    mean_attempts_to_pass: float | None
    upper_lower_group_size: int
    questions: tuple[QuestionStatistics, ...]


def _ratio(numerator, denominator) -> float | None:
    return float(numerator / denominator) if denominator else None


def upper_lower_group_size(attempts: int) -> int:
    """27% of the attempts, rounded half up to a whole attempt (13 attempts: 3.51 -> 4;
    50 attempts: 13.5 -> 14). Below 2 attempts the groups are empty."""
    return (attempts * UPPER_LOWER_PERCENT + 50) // 100


def group_weights(attempts_by_total: dict[int, int], size: int, *, upper: bool):
    """total score -> weight of each attempt with that total in the upper (or lower) group
    of `size` attempts: 1 above (below) the boundary total, 0 beyond it, and at the boundary
    the places left shared equally among the tied attempts (k places for m attempts: k/m
    each), so the group always weighs exactly `size` attempts."""
    weights: dict[int, Fraction] = {}
    left = size
    for total in sorted(attempts_by_total, reverse=upper):
        count = attempts_by_total[total]
        taken = min(left, count)
        weights[total] = Fraction(taken, count)
        left -= taken
    return weights


def point_biserial(
    *, responses: int, correct: int, sum_total: int, sum_total_sq: int, sum_total_correct: int
) -> float | None:
    """Pearson correlation of the item (x = 1 right, 0 wrong) with the rest score
    y = T - x, where T is the attempt's total, from integer sums (exact up to the final
    division). None when either x or y does not vary."""
    n, sx = responses, correct
    sy = sum_total - sx  # Σy = ΣT - Σx
    sxy = sum_total_correct - sx  # Σxy = Σx(T - x) = ΣxT - Σx, since x² = x
    syy = sum_total_sq - 2 * sum_total_correct + sx  # Σ(T - x)² = ΣT² - 2ΣxT + Σx
    variance_x = n * sx - sx * sx  # n Σx² - (Σx)²
    variance_y = n * syy - sy * sy
    if variance_x <= 0 or variance_y <= 0:
        return None
    return (n * sxy - sx * sy) / (math.sqrt(variance_x) * math.sqrt(variance_y))


def item_analysis(post_test: PostTest) -> ItemAnalysis:
    """Item analysis of `post_test` over its graded attempts.

    Per question (all versions pooled):
    - facility p = correct responses / responses (0..1);
    - point-biserial discrimination: the correlation of the item score x (1 right, 0 wrong)
      with the rest of the attempt's score y = T - x (T = items correct in the attempt), so
      that the item does not correlate with itself:

          r = (N Σxy - Σx Σy) / sqrt((N Σx² - (Σx)²) (N Σy² - (Σy)²))

      equivalently r = (M1 - M0) / s * sqrt(p (1 - p)), with M1 and M0 the mean rest score
      of those who got the item right and wrong and s its population standard deviation.
      None when everyone got it right (or wrong) or the rest score does not vary;
    - upper-lower 27% index D = p_upper - p_lower: the facility among the top group minus
      that among the bottom group of attempts by total score T. Each group holds
      n = 27% of the graded attempts, rounded half up (`upper_lower_group_size`). Attempts
      tied on the total at a group's boundary share its remaining places: if k places are
      left for m tied attempts, each counts with weight k/m (`group_weights`). So each group
      weighs exactly n attempts, and D does not depend on the order of the attempts (it is
      the average over every way of breaking the tie). Within a group, p is the weighted
      share of correct responses to this question (attempts not given it do not count).
      None when n is 0 (fewer than 2 attempts).
    Flags: too easy (p > 0.95), too hard (p < 0.30), negative discrimination (r < 0).

    Read from the post-test's tallies (quizzes.tallies) plus, worked out on the fly by the
    same rule, its graded attempts not yet tallied, so the figures are exact however recently
    an attempt was graded: five queries (attempt figures, responses per (version, total),
    selections per choice, choices, versions with their questions), each reading a few
    hundred tally rows and the untallied backlog, whatever the number of attempts. The same
    figures as `item_analysis_by_scan`, which reads every attempt's rows.
    """
    rows = tallied_rows(post_test)
    figures = _AttemptFigures()
    for number, total, score, passed, first_graded, first_passing, count in rows.attempts:
        figures.attempts += count
        figures.learners += count if first_graded else 0
        figures.bins[min(int(score // BIN_WIDTH), BIN_COUNT - 1)] += count
        figures.passed += count if passed else 0
        figures.first += count if number == 1 else 0
        figures.first_passed += count if number == 1 and passed else 0
        figures.learners_passed += count if first_passing else 0
        if total is not None:
            figures.by_total[total] = figures.by_total.get(total, 0) + count
    figures.mean_score = rows.mean_score
    figures.mean_attempts_to_pass = rows.mean_first_passing_number
    by_total: dict[int, dict[int | None, tuple[int, int]]] = {}
    for version_id, total, responses, correct in rows.items:
        by_total.setdefault(version_id, {})[total] = (responses, correct)
    return _analysis(post_test, figures, by_total=by_total, picks=rows.picks)


@dataclass
class _AttemptFigures:
    """The attempt-level figures, however they were counted."""

    attempts: int = 0
    learners: int = 0
    bins: list[int] = field(default_factory=lambda: [0] * BIN_COUNT)
    mean_score: object = None  # Decimal (or float on SQLite) from the database, or None
    passed: int = 0
    first: int = 0
    first_passed: int = 0
    learners_passed: int = 0
    mean_attempts_to_pass: object = None
    by_total: dict[int, int] = field(default_factory=dict)  # total -> attempts


def item_analysis_by_scan(post_test: PostTest) -> ItemAnalysis:
    """`item_analysis` computed from the raw rows, as it was before tallies: seven queries
    aggregated by the database over every graded attempt, its items and responses (two
    scans of about 20 rows per attempt). Kept as the reference the tallied read is tested
    against and as the peer the benchmark (bench/item_analysis.py) times it against."""
    graded = Attempt.objects.filter(post_test=post_test, status=AttemptStatus.GRADED)

    bins = {
        f"bin_{i}": Count(
            "pk",
            filter=Q(score__gte=i * BIN_WIDTH)
            & (Q(score__lt=(i + 1) * BIN_WIDTH) if i < BIN_COUNT - 1 else Q()),
        )
        for i in range(BIN_COUNT)
    }
    summary = graded.aggregate(
        attempt_count=Count("pk"),
        learner_count=Count("learner_id", distinct=True),
        mean_score=Avg("score"),
        passed_count=Count("pk", filter=Q(passed=True)),
        first_count=Count("pk", filter=Q(number=1)),
        first_passed_count=Count("pk", filter=Q(number=1, passed=True)),
        **bins,
    )
    passing = (
        graded.filter(passed=True)
        .values("learner_id")
        .annotate(passing_number=Min("number"))
        .order_by()
        .aggregate(learner_count=Count("learner_id"), mean_number=Avg("passing_number"))
    )
    attempts_by_total = dict(
        graded.filter(correct_count__isnull=False)
        .values_list("correct_count")
        .annotate(count=Count("pk"))
        .order_by()
    )
    by_total = _responses_by_total(post_test)
    picks = _choice_picks(post_test)
    figures = _AttemptFigures(
        attempts=summary["attempt_count"],
        learners=summary["learner_count"],
        bins=[summary[f"bin_{i}"] for i in range(BIN_COUNT)],
        mean_score=summary["mean_score"],
        passed=summary["passed_count"],
        first=summary["first_count"],
        first_passed=summary["first_passed_count"],
        learners_passed=passing["learner_count"],
        mean_attempts_to_pass=passing["mean_number"],
        by_total=attempts_by_total,
    )
    return _analysis(post_test, figures, by_total=by_total, picks=picks)


def _analysis(post_test: PostTest, figures: _AttemptFigures, *, by_total, picks) -> ItemAnalysis:
    """The analysis from the counted figures, the responses per (version, total) and the
    selections per choice; reads the post-test's choices and versions (two queries)."""
    choices = list(
        Choice.objects.filter(version__question__post_test=post_test)
        .order_by("position", "pk")
        .values_list("pk", "version_id", "text", "is_correct")
    )
    versions = list(
        QuestionVersion.objects.filter(question__post_test=post_test)
        .select_related("question")
        .order_by("question__position", "question_id", "number")
    )

    attempts = figures.attempts
    group_size = upper_lower_group_size(attempts)
    upper = group_weights(figures.by_total, group_size, upper=True)
    lower = group_weights(figures.by_total, group_size, upper=False)
    questions = []
    for question, own_versions in _questions_with_versions(versions):
        counts: dict[int, list[int]] = {}  # total -> [responses, correct], versions pooled
        for version in own_versions:
            for total, (responses, correct) in by_total.get(version.pk, {}).items():
                pooled = counts.setdefault(total, [0, 0])
                pooled[0] += responses
                pooled[1] += correct
        if not counts and not question.is_active:
            continue  # retired and never answered: nothing to review
        current = next((v for v in own_versions if v.pk == question.current_version_id), None)
        questions.append(
            _question_statistics(
                question,
                stem=current.stem if current else "",
                counts=counts,
                weights=(upper, lower) if group_size else None,
                choices=_choice_frequencies(
                    choices,
                    picks,
                    version_ids={v.pk for v in own_versions},
                    current_version_id=question.current_version_id,
                    responses=sum(responses for responses, _ in counts.values()),
                ),
            )
        )

    mean_score, mean_number = figures.mean_score, figures.mean_attempts_to_pass
    return ItemAnalysis(
        post_test_id=post_test.pk,
        attempts=attempts,
        learners=figures.learners,
        score_distribution=tuple(
            ScoreBin(low=i * BIN_WIDTH, high=(i + 1) * BIN_WIDTH, count=figures.bins[i])
            for i in range(BIN_COUNT)
        ),
        mean_score=float(mean_score) if mean_score is not None else None,
        passed_attempts=figures.passed,
        pass_rate=_ratio(figures.passed, attempts),
        first_attempts=figures.first,
        first_attempt_pass_rate=_ratio(figures.first_passed, figures.first),
        learners_passed=figures.learners_passed,
        mean_attempts_to_pass=float(mean_number) if mean_number is not None else None,
        upper_lower_group_size=group_size,
        questions=tuple(questions),
    )


def _responses_by_total(post_test: PostTest) -> dict[int, dict[int | None, tuple[int, int]]]:
    """version id -> attempt total -> (responses, correct responses), over graded attempts.
    At most (versions x (questions + 1)) rows, however many attempts."""
    rows = (
        AttemptQuestion.objects.filter(
            attempt__post_test=post_test, attempt__status=AttemptStatus.GRADED
        )
        .values_list("question_version_id", "attempt__correct_count")
        .annotate(responses=Count("pk"), correct=Count("pk", filter=Q(is_correct=True)))
        .order_by()
    )
    by_total: dict[int, dict[int | None, tuple[int, int]]] = {}
    for version_id, total, responses, correct in rows:
        by_total.setdefault(version_id, {})[total] = (responses, correct)
    return by_total


def _choice_picks(post_test: PostTest) -> dict[int, int]:
    """choice id -> times selected in graded attempts. Selections are read without joining
    their attempts: those of attempts not graded (normally none, since answers are recorded
    when an attempt is submitted and graded) are excluded by a small subquery."""
    not_graded = AttemptQuestion.objects.filter(attempt__post_test=post_test).exclude(
        attempt__status=AttemptStatus.GRADED
    )
    return dict(
        AttemptResponse.objects.filter(
            choice__in=Choice.objects.filter(version__question__post_test=post_test)
        )
        .exclude(item__in=not_graded)
        .values_list("choice_id")
        .annotate(count=Count("pk"))
        .order_by()
    )


def _questions_with_versions(versions: list[QuestionVersion]):
    """(question, its versions) in question order, from versions ordered by question."""
    grouped: dict[int, tuple[Question, list[QuestionVersion]]] = {}
    for version in versions:
        grouped.setdefault(version.question_id, (version.question, []))[1].append(version)
    return grouped.values()


def _question_statistics(question: Question, *, stem, counts, weights, choices):
    responses = sum(r for r, _ in counts.values())
    correct = sum(c for _, c in counts.values())
    known = {t: rc for t, rc in counts.items() if t is not None}
    pb = point_biserial(
        responses=sum(r for r, _ in known.values()),
        correct=sum(c for _, c in known.values()),
        sum_total=sum(t * r for t, (r, _) in known.items()),
        sum_total_sq=sum(t * t * r for t, (r, _) in known.items()),
        sum_total_correct=sum(t * c for t, (_, c) in known.items()),
    )
    index = None
    if weights is not None:
        shares = []
        for group in weights:
            weighed = sum(group.get(t, 0) * r for t, (r, _) in known.items())
            right = sum(group.get(t, 0) * c for t, (_, c) in known.items())
            shares.append(right / weighed if weighed else None)
        if None not in shares:
            index = float(shares[0] - shares[1])
    return QuestionStatistics(
        question_id=question.pk,
        position=question.position,
        stem=stem,
        responses=responses,
        correct=correct,
        facility=_ratio(correct, responses),
        point_biserial=pb,
        upper_lower_index=index,
        choices=choices,
    )


def _choice_frequencies(
    choices, picks, *, version_ids, current_version_id, responses
) -> tuple[ChoiceFrequency, ...]:
    """The current version's choices in their order, then earlier versions' choices that
    were picked and whose text the current version does not offer, by text."""
    current: dict[str, bool] = {}
    earlier: dict[str, list] = {}  # text -> [times picked, picked where correct]
    counts: dict[str, int] = {}
    for choice_id, version_id, text, is_correct in choices:
        if version_id not in version_ids:
            continue
        count = picks.get(choice_id, 0)
        counts[text] = counts.get(text, 0) + count
        if version_id == current_version_id:
            current[text] = is_correct
        elif count:
            entry = earlier.setdefault(text, [0, False])
            entry[0] += count
            entry[1] = entry[1] or is_correct
    frequencies = [
        ChoiceFrequency(text, is_correct, True, counts[text], _ratio(counts[text], responses))
        for text, is_correct in current.items()
    ]
    frequencies += [
        ChoiceFrequency(text, was_correct, False, count, _ratio(count, responses))
        for text, (count, was_correct) in sorted(earlier.items())
        if text not in current
    ]
    return tuple(frequencies)


CSV_HEADER = (
    "Position",
    "Stem",
    "Responses",
    "Facility",
    "Point-biserial",
    "Upper-lower index",
    "Flags",
    "Choice",
    "Correct choice",
    "Times chosen",
    "Share chosen",
)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def item_analysis_csv_rows(analysis: ItemAnalysis) -> Iterator[tuple]:
    """Rows for a CSV download, header first: one row per question (position, stem,
    responses, facility, point-biserial, upper-lower index, flags), each followed by one
    row per choice (position repeated, then choice text, correct or not, times chosen and
    share). Figures have four decimals; an undefined figure is an empty cell; a question no
    graded attempt has drawn says "not yet drawn" in the flags column. Stems and
    choices are the authors' text as it is: write the rows with core.spreadsheets, which
    keeps a spreadsheet from running them as formulas."""
    yield CSV_HEADER
    for question in analysis.questions:
        yield (
            question.position,
            question.stem,
            question.responses,
            _number(question.facility),
            _number(question.point_biserial),
            _number(question.upper_lower_index),
            "not yet drawn" if question.not_yet_drawn else "; ".join(question.flags),
            "",
            "",
            "",
            "",
        )
        for choice in question.choices:
            yield (
                question.position,
                "",
                "",
                "",
                "",
                "",
                "",
                choice.text,
                "yes" if choice.is_correct else "no",
                choice.count,
                _number(choice.share),
            )
