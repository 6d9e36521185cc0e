"""Tallies (quizzes.tallies): item analysis read from additive summaries of graded attempts
gives exactly the figures worked out from every attempt's rows, however many attempts are
folded, after a regrade, and after attempts are deleted."""

import random
from dataclasses import asdict
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import ProtectedError, Sum

from cme_site.celery import app as celery_app
from courses.disclosures import record_disclosures_shown
from quizzes import tasks
from quizzes.attempts import start_attempt, submit_attempt
from quizzes.authoring import revise_question
from quizzes.models import (
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    AttemptTally,
    Choice,
    ChoiceTally,
    ItemTally,
    QuestionKind,
)
from quizzes.regrading import apply_regrade
from quizzes.statistics import item_analysis, item_analysis_by_scan
from quizzes.tallies import fold_backlog, fold_graded_attempts, rebuild_tallies
from tests.factories import UserFactory, answers_for, post_test_with_questions

pytestmark = pytest.mark.django_db

SBA, MR, TF = (
    QuestionKind.SINGLE_BEST_ANSWER,
    QuestionKind.MULTIPLE_RESPONSE,
    QuestionKind.TRUE_FALSE,
)


def matches_the_rows(post_test):
    """The tallied analysis, after checking it equals the one worked out from the rows,
    field by field (floats exactly, choices and upper-lower index included)."""
    tallied, scanned = item_analysis(post_test), item_analysis_by_scan(post_test)
    assert asdict(tallied) == asdict(scanned)
    assert tallied == scanned
    return tallied


def waiting(post_test) -> int:
    """Graded attempts of the post-test not yet tallied."""
    return Attempt.objects.filter(
        post_test=post_test, status=AttemptStatus.GRADED, tallied=False
    ).count()


def tally_sums(post_test) -> dict:
    return {
        "attempts": AttemptTally.objects.filter(post_test=post_test).aggregate(n=Sum("attempts"))[
            "n"
        ],
        "responses": ItemTally.objects.filter(post_test=post_test).aggregate(n=Sum("responses"))[
            "n"
        ],
        "picks": ChoiceTally.objects.filter(post_test=post_test).aggregate(n=Sum("picks"))["n"],
    }


def random_answers(attempt, rng: random.Random, *, skill: float) -> dict[int, list[int]]:
    """Each item right with probability `skill`, otherwise a wrong selection (for a
    multiple-response item, a wrong non-empty set of its choices)."""
    answers = {}
    for item in attempt.items.select_related("question_version"):
        choices = list(Choice.objects.filter(version=item.question_version_id).order_by("pk"))
        right = [c.pk for c in choices if c.is_correct]
        if rng.random() < skill:
            answers[item.pk] = right
        elif item.question_version.kind == MR:
            subsets = [
                [c.pk for i, c in enumerate(choices) if mask >> i & 1]
                for mask in range(1, 2 ** len(choices))
            ]
            answers[item.pk] = rng.choice([s for s in subsets if s != right])
        else:
            answers[item.pk] = [rng.choice([c.pk for c in choices if not c.is_correct])]
    return answers


@pytest.fixture
def mixed():
    """Twelve learners at a post-test drawing 5 of its 7 questions (single best answer,
    multiple response, true or false), 60% to pass, 3 attempts: each retakes until passing
    or out of attempts; question 1 is reworded after eight first attempts (two versions);
    a thirteenth learner's attempt is in progress. Seeded, so the same every run."""
    rng = random.Random(20261130)
    post_test = post_test_with_questions(
        kinds=[SBA, MR, TF, SBA, MR, SBA, SBA], passing_score=60, max_attempts=3, draw_total=5
    )
    learners = [UserFactory() for _ in range(13)]
    skills = {learner.pk: rng.uniform(0.2, 0.9) for learner in learners}
    for learner in learners:
        record_disclosures_shown(learner, module=post_test.module)

    def take(learner):
        attempt = start_attempt(learner, post_test=post_test, rng=rng)
        answers = random_answers(attempt, rng, skill=skills[learner.pk])
        return submit_attempt(attempt, answers=answers)

    passed = set()
    for n, learner in enumerate(learners[:12]):
        if n == 8:
            revise_question(
                post_test.questions.get(position=1),
                kind=SBA,
                stem="Question 1, reworded?",
                rationale="Because of passage 1.",
                choices=[("A", True), ("B", False), ("C", False), ("E", False)],
            )
        if take(learner).passed:
            passed.add(learner.pk)
    for _ in range(2):
        for learner in learners[:12]:
            if learner.pk not in passed and take(learner).passed:
                passed.add(learner.pk)
    start_attempt(learners[12], post_test=post_test, rng=rng)
    return post_test


def test_the_mixed_scenario_has_what_the_tallies_must_get_right(mixed):
    analysis = item_analysis_by_scan(mixed)

    assert analysis.attempts > analysis.learners == 12  # retakes
    assert 0 < analysis.learners_passed < 12
    assert analysis.mean_attempts_to_pass > 1
    assert analysis.upper_lower_group_size > 0
    assert all(q.responses < analysis.attempts for q in analysis.questions)  # pool draws
    answered_versions = AttemptQuestion.objects.filter(
        attempt__status=AttemptStatus.GRADED, question_version__question__position=1
    ).values("question_version")
    assert answered_versions.distinct().count() == 2  # question 1 was reworded
    assert Attempt.objects.filter(post_test=mixed, status=AttemptStatus.IN_PROGRESS).count() == 1


def test_nothing_folded_folded_by_half_and_all_folded_give_the_rows_figures(mixed):
    graded = Attempt.objects.filter(post_test=mixed, status=AttemptStatus.GRADED).count()
    before = matches_the_rows(mixed)

    assert fold_graded_attempts(limit=graded // 2) == graded // 2
    assert waiting(mixed) == graded - graded // 2
    assert matches_the_rows(mixed) == before

    assert fold_backlog(batch=5) == graded - graded // 2
    assert waiting(mixed) == 0
    assert tally_sums(mixed)["attempts"] == graded
    assert matches_the_rows(mixed) == before


def test_an_attempt_graded_after_the_fold_counts_at_once(mixed):
    fold_backlog()
    in_progress = Attempt.objects.get(post_test=mixed, status=AttemptStatus.IN_PROGRESS)
    before = item_analysis(mixed)

    submit_attempt(in_progress, answers=answers_for(in_progress))

    assert waiting(mixed) == 1
    after = matches_the_rows(mixed)
    assert after.attempts == before.attempts + 1
    assert after.learners == before.learners + 1


def test_attempts_in_progress_are_never_folded(mixed):
    fold_backlog()

    in_progress = Attempt.objects.get(post_test=mixed, status=AttemptStatus.IN_PROGRESS)
    assert in_progress.tallied is False
    assert fold_graded_attempts() == 0
    in_progress.refresh_from_db()
    assert in_progress.tallied is False


def test_folding_again_counts_no_attempt_twice(mixed):
    folded = fold_backlog()
    sums = tally_sums(mixed)
    rows = sorted(AttemptTally.objects.values_list("number", "score", "shard", "attempts"))

    assert fold_backlog() == 0
    assert fold_graded_attempts() == 0
    assert tally_sums(mixed) == sums
    assert sorted(AttemptTally.objects.values_list("number", "score", "shard", "attempts")) == rows
    assert sums["attempts"] == folded
    matches_the_rows(mixed)


TALLY_FIELDS = {
    AttemptTally: ("number", "total", "score", "passed", "first_graded", "shard", "attempts"),
    ItemTally: ("question_version", "total", "shard", "responses", "correct"),
    ChoiceTally: ("choice", "shard", "picks"),
}


def tally_rows(post_test) -> dict:
    """Every tally row of the post-test that counts something, sorted."""
    return {
        model: sorted(
            row
            for row in model.objects.filter(post_test=post_test).values_list(*fields)
            if row[-1] > 0
        )
        for model, fields in TALLY_FIELDS.items()
    }


def test_a_rebuild_gives_the_same_tallies_as_the_folds(mixed):
    fold_backlog()
    folded = tally_rows(mixed)
    ItemTally.objects.filter(post_test=mixed).delete()  # tallies lost or damaged

    assert rebuild_tallies(mixed) == tally_sums(mixed)["attempts"]

    assert tally_rows(mixed) == folded
    matches_the_rows(mixed)


def test_a_regrade_after_folding_gives_the_figures_worked_out_again(mixed, cme_administrator):
    fold_backlog(batch=7)
    version = mixed.questions.get(position=1).current_version
    choice_b = version.choices.get(text="B")

    regrade = apply_regrade(
        version,
        correct_choice_ids={choice_b.pk},
        reason="The article says B.",
        by=cme_administrator,
    )

    assert regrade.other_versions.count() == 1  # both versions of question 1 regraded
    assert waiting(mixed) == 0  # what the regrade withdrew it added back, regraded
    matches_the_rows(mixed)
    assert fold_backlog() == 0
    matches_the_rows(mixed)


def test_a_regrade_with_half_folded_then_a_fold_gives_the_rows_figures(mixed, cme_administrator):
    graded = Attempt.objects.filter(post_test=mixed, status=AttemptStatus.GRADED).count()
    fold_graded_attempts(limit=graded // 2)
    version = mixed.questions.get(position=2).current_version  # multiple response: A and B
    new_key = {c.pk for c in version.choices.all() if c.text in ("A", "C")}

    apply_regrade(
        version, correct_choice_ids=new_key, reason="C is right too.", by=cme_administrator
    )

    matches_the_rows(mixed)
    fold_backlog()
    assert waiting(mixed) == 0
    matches_the_rows(mixed)


@pytest.fixture
def retakes():
    """Five questions (A right), 70% to pass (4 of 5). Question 1's key will be corrected to
    B. Ann fails attempt 1 (B on Q1 and 3 more right) and passes attempt 2 (all right); Bob
    passes attempt 1 with A on Q1 and one more wrong; Cy passes attempt 1 with all right."""
    post_test = post_test_with_questions(5, passing_score=70, max_attempts=3)
    version = post_test.questions.get(position=1).current_version
    choice_b = version.choices.get(text="B")
    people = {}
    for name, attempts in {
        "ann": [(choice_b, 4), (None, 5)],
        "bob": [(None, 4)],
        "cy": [(None, 5)],
    }.items():
        learner = UserFactory(first_name=name)
        record_disclosures_shown(learner, module=post_test.module)
        for first, right in attempts:
            attempt = start_attempt(learner, post_test=post_test)
            answers = answers_for(attempt, correct=right)
            if first is not None:
                answers[attempt.items.get(question_version=version).pk] = [first.pk]
            submit_attempt(attempt, answers=answers)
        people[name] = learner
    return post_test, version, choice_b, people


def test_a_regrade_that_makes_an_earlier_attempt_pass_moves_the_first_pass(
    retakes, cme_administrator
):
    post_test, version, choice_b, _ = retakes
    fold_backlog()
    before = matches_the_rows(post_test)
    assert (before.learners_passed, before.mean_attempts_to_pass) == (3, pytest.approx(4 / 3))

    apply_regrade(version, correct_choice_ids={choice_b.pk}, reason="B.", by=cme_administrator)

    # Ann's attempt 1 now passes (4 of 5), so her first pass is attempt 1; Bob's attempt
    # (A on Q1) now fails, Cy still passes.
    after = matches_the_rows(post_test)
    assert after.learners_passed == 2
    assert after.mean_attempts_to_pass == 1.0
    assert after.mean_score == float((Decimal(80) + 80 + 60 + 80) / 4)
    assert waiting(post_test) == 0


def test_deleting_a_learner_withdraws_their_tallied_attempts(retakes):
    post_test, _, _, people = retakes
    fold_backlog()

    people["ann"].delete()

    after = matches_the_rows(post_test)
    assert (after.attempts, after.learners) == (2, 2)
    assert AttemptTally.objects.filter(attempts__lt=0).count() == 0


def test_deleting_an_earlier_attempt_works_out_the_later_ones_flags_again(retakes):
    post_test, _, _, people = retakes
    fold_backlog()

    Attempt.objects.get(learner=people["ann"], number=1).delete()

    assert waiting(post_test) == 1  # Ann's attempt 2, now her first graded one
    after = matches_the_rows(post_test)
    assert after.learners == 3
    fold_backlog()
    assert matches_the_rows(post_test) == after


def test_a_module_whose_post_test_has_attempts_cannot_be_deleted_from_under_its_tallies(
    retakes,
):
    post_test, _, _, _ = retakes
    fold_backlog()
    tallied = tally_sums(post_test)

    with pytest.raises(ProtectedError):
        post_test.module.delete()

    assert tally_sums(post_test) == tallied
    matches_the_rows(post_test)


def test_the_beat_runs_the_fold_every_minute(mixed):
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"].endswith("fold_graded_attempts")
    )
    assert entry == {"task": "quizzes.tasks.fold_graded_attempts", "schedule": 60.0}
    assert entry["task"] in celery_app.tasks
    graded = Attempt.objects.filter(post_test=mixed, status=AttemptStatus.GRADED).count()

    assert tasks.fold_graded_attempts() == graded
    assert tasks.fold_graded_attempts() == 0
    assert waiting(mixed) == 0
    matches_the_rows(mixed)


def test_the_command_rebuilds_named_post_tests_or_folds_the_backlog(mixed, retakes, capsys):
    post_test = retakes[0]
    graded = Attempt.objects.filter(post_test=mixed, status=AttemptStatus.GRADED).count()

    call_command("rebuild_tallies", str(mixed.pk))

    assert capsys.readouterr().out == (
        f"Post-test {mixed.pk}: tallies rebuilt from {graded} graded attempts.\n"
    )
    assert waiting(mixed) == 0 and waiting(post_test) == 4
    matches_the_rows(mixed)
    call_command("rebuild_tallies", "--fold")
    assert capsys.readouterr().out == "Folded 4 graded attempts.\n"
    assert waiting(post_test) == 0
    matches_the_rows(post_test)


def test_the_command_refuses_an_unknown_post_test_or_no_choice(mixed):
    with pytest.raises(CommandError, match=r"^No post-test with id 999999\.$"):
        call_command("rebuild_tallies", "999999")
    with pytest.raises(CommandError, match=r"^Name the post-tests to rebuild, or give --all\.$"):
        call_command("rebuild_tallies")
    assert waiting(mixed) > 0  # nothing was done
