"""What quizzes holds about one learner, for the sections it adds to accounts' learner
pages (accounts.records, registered in quizzes.apps): the post-tests in the learner's
personal-data download, and the participations in the administrators' learner record."""

from accounts.models import User
from quizzes.models import Attempt, Participation
from quizzes.review import decide_review


def post_tests_as_data(learner: User) -> list[dict]:
    """The personal-data section "post_tests": per post-test taken, the module's title, the
    extra attempts granted and every attempt (`attempt_as_data`), in attempt order."""
    return [
        {
            "module": p.post_test.module.title,
            "extra_attempts_granted": p.extra_attempts,
            "attempts": [attempt_as_data(a) for a in p.attempts.order_by("number")],
        }
        for p in Participation.objects.filter(learner=learner).select_related("post_test__module")
    ]


def attempt_as_data(attempt: Attempt) -> dict:
    """One attempt with every answer the learner gave (the texts of the choices they
    selected). Whether each answer was right, the correct choices and the rationale are
    included only where the post-test's review policy shows them
    (`quizzes.review.decide_review`, the same rule as the result page); "correctness" says
    which: "shown", or e.g. "hidden until you pass or use your last attempt"."""
    review = decide_review(attempt)
    items = attempt.items.select_related("question_version").prefetch_related(
        "responses__choice", "question_version__choices"
    )
    answers = []
    for item in items:
        answer = {
            "question": item.question_version.stem,
            "selected": [r.choice.text for r in item.responses.all()],
        }
        if review.shows_answers:
            answer["correct"] = item.is_correct
            answer["correct_choices"] = [
                c.text for c in item.question_version.choices.all() if c.is_correct
            ]
            answer["rationale"] = item.question_version.rationale
        answers.append(answer)
    return {
        "number": attempt.number,
        "status": attempt.status,
        "started_at": attempt.started_at.isoformat(),
        "graded_at": attempt.graded_at.isoformat() if attempt.graded_at else None,
        "score": str(attempt.score) if attempt.score is not None else None,
        "passed": attempt.passed,
        "correctness": review.note,
        "answers": answers,
    }


def participations_for_record(learner: User) -> list[Participation]:
    """The learner-record section "participations": each post-test the learner took, with
    its module, attempts and the grants of extra attempts (with who granted them)."""
    return list(
        Participation.objects.filter(learner=learner)
        .select_related("post_test__module")
        .prefetch_related("attempts", "grants__granted_by")
    )
