"""Regrading after a corrected key: dry run first, then applied with a reason."""

import re
from decimal import Decimal

import pytest

from certificates.evaluations import has_passed
from certificates.models import CertificateStatus
from courses.disclosures import record_disclosures_shown
from quizzes.attempts import start_attempt, submit_attempt
from quizzes.models import Attempt, Choice, Regrade
from quizzes.regrading import RegradeRefused, apply_regrade, plan_regrade
from tests.certificates.conftest import claim, evaluate
from tests.factories import UserFactory, answers_for, post_test_with_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario():
    """Question 1's key says A, but the article supports B. Ada answered B (wrong today) and
    passes anyway (4 of 5); Ben answered B and missed another (3 of 5, fails); Cy answered A
    and missed another (4 of 5, passes) and holds a certificate."""
    post_test = post_test_with_questions(5)
    version = post_test.questions.get(position=1).current_version
    choice_a, choice_b = version.choices.order_by("position")[:2]

    def take(name, *, first, wrong_elsewhere):
        learner = UserFactory(first_name=name)
        record_disclosures_shown(learner, module=post_test.module)
        attempt = start_attempt(learner, post_test=post_test)
        answers = answers_for(attempt, correct=5 - wrong_elsewhere)
        answers[attempt.items.get(position=1).pk] = [first.pk]
        return learner, submit_attempt(attempt, answers=answers)

    ada = take("Ada", first=choice_b, wrong_elsewhere=0)
    ben = take("Ben", first=choice_b, wrong_elsewhere=1)
    cy = take("Cy", first=choice_a, wrong_elsewhere=1)
    evaluate(cy[0], post_test.module)
    certificate = claim(cy[0], post_test.module).certificates.get()
    return {
        "version": version,
        "a": choice_a,
        "b": choice_b,
        "ada": ada,
        "ben": ben,
        "cy": cy,
        "certificate": certificate,
    }


def test_the_dry_run_says_who_would_pass_and_fail_and_writes_nothing(scenario):
    plan = plan_regrade(scenario["version"], correct_choice_ids={scenario["b"].pk})

    ben, cy = scenario["ben"][1], scenario["cy"][1]
    assert plan.attempts_regraded == 3
    assert [(c.attempt_id, c.old_score, c.new_score) for c in plan.now_passing] == [
        (ben.pk, Decimal("60.00"), Decimal("80.00"))
    ]
    assert [(c.attempt_id, c.old_score, c.new_score) for c in plan.now_failing] == [
        (cy.pk, Decimal("80.00"), Decimal("60.00"))
    ]
    assert Choice.objects.get(pk=scenario["a"].pk).is_correct is True
    assert Attempt.objects.get(pk=ben.pk).passed is False
    assert not Regrade.objects.exists()


def test_applying_regrades_records_why_and_lists_certificates_for_review(
    scenario, cme_administrator
):
    regrade = apply_regrade(
        scenario["version"],
        correct_choice_ids={scenario["b"].pk},
        reason="The article supports B (Background and Study Results).",
        by=cme_administrator,
    )

    ada, ben, cy = (scenario[n][1] for n in ("ada", "ben", "cy"))
    assert Attempt.objects.get(pk=ada.pk).score == Decimal("100.00")
    assert (Attempt.objects.get(pk=ben.pk).passed, Attempt.objects.get(pk=cy.pk).passed) == (
        True,
        False,
    )
    assert ben.items.get(position=1).is_correct is True
    assert regrade.reason == "The article supports B (Background and Study Results)."
    assert regrade.applied_by == cme_administrator
    assert len(regrade.changes) == 3
    assert regrade.certificates_to_review == [scenario["certificate"].pk]
    scenario["certificate"].refresh_from_db()
    assert scenario["certificate"].status == CertificateStatus.PENDING  # not revoked silently
    assert has_passed(scenario["ben"][0], scenario["version"].question.post_test.module)


def test_a_key_that_is_not_a_fair_question_is_refused(scenario):
    with pytest.raises(RegradeRefused, match="exactly one correct choice; it has 2"):
        plan_regrade(scenario["version"], correct_choice_ids={scenario["a"].pk, scenario["b"].pk})


def test_the_same_key_is_refused(scenario):
    with pytest.raises(RegradeRefused, match="same as the current one"):
        plan_regrade(scenario["version"], correct_choice_ids={scenario["a"].pk})


def test_a_regrade_without_a_reason_is_refused_and_changes_nothing(scenario, cme_administrator):
    with pytest.raises(RegradeRefused, match="Give a reason"):
        apply_regrade(
            scenario["version"],
            correct_choice_ids={scenario["b"].pk},
            reason="  ",
            by=cme_administrator,
        )

    assert Choice.objects.get(pk=scenario["a"].pk).is_correct is True


def test_the_regrade_page_shows_the_dry_run_then_applies(client, scenario, cme_administrator):
    from django.urls import reverse

    question = scenario["version"].question
    url = reverse("quizzes:regrade", args=[question.pk])
    client.force_login(cme_administrator)

    dry_run = client.post(url, {"correct": [str(scenario["b"].pk)], "action": "plan"})

    html = dry_run.content.decode()
    assert "would change from fail to pass" in html
    assert "Ben" in html  # administrators see who
    assert Choice.objects.get(pk=scenario["a"].pk).is_correct is True

    applied = client.post(
        url,
        {"correct": [str(scenario["b"].pk)], "action": "apply", "reason": "Key was wrong."},
        follow=True,
    )

    assert "The regrade is applied." in applied.content.decode()
    assert "These learners no longer pass. Their certificates were not revoked." in (
        applied.content.decode()
    )
    assert Regrade.objects.get().reason == "Key was wrong."


def test_authors_see_the_dry_run_without_learners_names(client, scenario, course_author):
    from django.urls import reverse

    client.force_login(course_author)

    response = client.post(
        reverse("quizzes:regrade", args=[scenario["version"].question.pk]),
        {"correct": [str(scenario["b"].pk)], "action": "plan"},
    )

    html = response.content.decode()
    assert "would change from fail to pass" in html
    assert "Ben" not in html and scenario["ben"][0].email not in html


def test_learners_cannot_regrade(client, scenario, learner):
    from django.urls import reverse

    client.force_login(learner)
    url = reverse("quizzes:regrade", args=[scenario["version"].question.pk])

    assert client.get(url).status_code == 403


def test_a_regrade_is_in_the_audit_log_with_who_why_and_the_values_before_and_after(
    scenario, cme_administrator
):
    from auditlog.models import LogEntry

    apply_regrade(
        scenario["version"],
        correct_choice_ids={scenario["b"].pk},
        reason="Key was wrong.",
        by=cme_administrator,
    )

    entry = LogEntry.objects.get_for_object(scenario["b"]).get(actor=cme_administrator)
    assert entry.actor == cme_administrator
    assert entry.additional_data == {"reason": "Key was wrong."}
    assert entry.changes_dict["is_correct"] == ["False", "True"]
    cy_attempt = scenario["cy"][1]
    regraded = LogEntry.objects.get_for_object(cy_attempt).get(actor=cme_administrator)
    assert regraded.changes_dict["passed"] == [
        "True",
        "False",
    ]


def test_the_audit_log_holds_the_regrade_but_not_the_first_grading(scenario, cme_administrator):
    """An attempt records its own grade, time and answers; the audit log is for changes
    made afterwards, so it stays one entry per intervention, not one per submit."""
    from auditlog.models import LogEntry

    cy_attempt = scenario["cy"][1]
    assert not LogEntry.objects.get_for_object(cy_attempt).exists()

    apply_regrade(
        scenario["version"],
        correct_choice_ids={scenario["b"].pk},
        reason="Key was wrong.",
        by=cme_administrator,
    )

    assert list(LogEntry.objects.get_for_object(cy_attempt).values_list("actor", flat=True)) == [
        cme_administrator.pk
    ]


def test_an_attempt_being_answered_during_a_regrade_is_graded_with_the_corrected_key(
    client, scenario, cme_administrator
):
    """The learner opened the post-test under the old key; the regrade commits before they
    submit. The submit grades against the key as it is then."""
    learner = UserFactory(first_name="Dee")
    record_disclosures_shown(learner, module=scenario["version"].question.post_test.module)
    attempt = start_attempt(learner, post_test=scenario["version"].question.post_test)
    client.force_login(learner)
    assert client.get(attempt.get_absolute_url()).status_code == 200
    answers = answers_for(attempt)
    answers[attempt.items.get(position=1).pk] = [scenario["b"].pk]  # right by the new key

    apply_regrade(
        scenario["version"],
        correct_choice_ids={scenario["b"].pk},
        reason="Key was wrong.",
        by=cme_administrator,
    )
    fields = {f"item-{item}": [str(c) for c in choices] for item, choices in answers.items()}
    assert client.post(attempt.get_absolute_url(), fields).status_code == 302

    graded = Attempt.objects.get(pk=attempt.pk)
    assert graded.correct_count == 5
    assert graded.items.get(position=1).is_correct


@pytest.fixture
def revised():
    """Question 1 (key A, the article supports B) was answered "B" by Ada on version 1; its
    stem was then reworded, which made version 2 with the same choices and the same wrong
    key; Ben answered "B" on version 2. Both missed another question (3 of 5 right: fail)."""
    from quizzes.authoring import revise_question

    post_test = post_test_with_questions(5)
    question = post_test.questions.get(position=1)

    def take(name):
        learner = UserFactory(first_name=name)
        record_disclosures_shown(learner, module=post_test.module)
        attempt = start_attempt(learner, post_test=post_test)
        item = attempt.items.get(question_version__question=question)
        answers = answers_for(attempt)  # all right, then: one other wrong, and "B" here
        other = attempt.items.exclude(pk=item.pk).order_by("position").first()
        answers[other.pk] = [other.question_version.choices.get(is_correct=False, position=2).pk]
        answers[item.pk] = [item.question_version.choices.get(position=2).pk]
        return submit_attempt(attempt, answers=answers)

    ada = take("Ada")
    v1 = question.current_version
    choices = [(c.text, c.is_correct) for c in v1.choices.order_by("position")]
    v2 = revise_question(
        question, kind=v1.kind, stem=v1.stem + " (reworded)", rationale=v1.rationale,
        choices=choices,
    )  # fmt: skip
    ben = take("Ben")
    return {"v1": v1, "v2": v2, "ada": ada, "ben": ben}


def test_a_corrected_key_reaches_every_version_that_shares_it(revised, cme_administrator):
    """The field's example: only learners on the latest version were regraded; Ada, who gave
    the same, now correct, answer on version 1, stayed failed."""
    v1, v2 = revised["v1"], revised["v2"]
    b_on_v2 = v2.choices.get(position=2)

    plan = plan_regrade(v2, correct_choice_ids={b_on_v2.pk})

    assert [p.version.number for p in plan.versions] == [2, 1]
    assert {c.attempt_id for c in plan.now_passing} == {revised["ada"].pk, revised["ben"].pk}

    apply_regrade(
        v2, correct_choice_ids={b_on_v2.pk}, reason="Key was wrong.", by=cme_administrator
    )

    assert Attempt.objects.get(pk=revised["ada"].pk).passed is True
    assert Attempt.objects.get(pk=revised["ben"].pk).passed is True
    assert set(v1.choices.filter(is_correct=True).values_list("text", flat=True)) == {b_on_v2.text}
    first = Regrade.objects.get(part_of=None)
    assert first.question_version == v2
    assert [r.question_version for r in first.other_versions.all()] == [v1]


def test_the_author_may_leave_a_version_out(revised, cme_administrator):
    v1, v2 = revised["v1"], revised["v2"]
    b_on_v2 = v2.choices.get(position=2)

    apply_regrade(
        v2,
        correct_choice_ids={b_on_v2.pk},
        reason="Key was wrong on version 2 only.",
        by=cme_administrator,
        version_ids={v2.pk},
    )

    assert Attempt.objects.get(pk=revised["ada"].pk).passed is False
    assert Attempt.objects.get(pk=revised["ben"].pk).passed is True
    assert v1.choices.get(position=1).is_correct is True


def test_no_version_chosen_is_refused(revised):
    v2 = revised["v2"]

    with pytest.raises(RegradeRefused, match=r"Choose at least one version to regrade\."):
        plan_regrade(v2, correct_choice_ids={v2.choices.get(position=2).pk}, version_ids=set())


def test_a_version_whose_wording_lacks_the_corrected_answer_is_listed_not_guessed(
    revised, cme_administrator
):
    """Version 1's choice "B" was reworded in version 2: the key cannot be carried over by
    wording, so version 1 is named for the author and left as it is."""
    v1, v2 = revised["v1"], revised["v2"]
    b_on_v2 = v2.choices.get(position=2)
    Choice.objects.filter(pk=b_on_v2.pk).update(text="A reworded second choice")

    plan = plan_regrade(v2, correct_choice_ids={b_on_v2.pk})

    assert [p.version for p in plan.versions] == [v2]
    assert plan.unmatched == [v1]


def test_the_regrade_page_previews_every_version_and_applies_to_the_ticked_ones(
    client, revised, cme_administrator
):
    from django.urls import reverse

    v1, v2 = revised["v1"], revised["v2"]
    b = str(v2.choices.get(position=2).pk)
    url = reverse("quizzes:regrade", args=[v2.question_id])
    client.force_login(cme_administrator)

    dry_run = " ".join(
        client.post(url, {"correct": [b], "action": "plan"}).content.decode().split()
    )

    assert "Version 2: 1 attempt, 1 would change score" in dry_run
    assert "Version 1: 1 attempt, 1 would change score" in dry_run
    checkbox = re.search(rf'<input[^>]*name="versions"[^>]*value="{v1.pk}"[^>]*>', dry_run)
    assert checkbox and "checked" in checkbox.group(0)

    applied = client.post(
        url,
        {
            "correct": [b],
            "action": "apply",
            "reason": "Key was wrong.",
            "versions": [str(v1.pk), str(v2.pk)],
            "versions_shown": "on",
        },
        follow=True,
    )

    text = " ".join(applied.content.decode().split())
    assert "version 2 (1 attempt changed), version 1 (1 attempt changed)" in text
    assert Attempt.objects.get(pk=revised["ada"].pk).passed is True
