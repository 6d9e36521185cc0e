import pytest

from certificates.claims import claim_credit
from certificates.evaluations import submit_evaluation
from courses.disclosures import record_disclosures_shown
from quizzes.attempts import start_attempt, submit_attempt
from tests.factories import answers_for, post_test_with_questions


def pass_post_test(learner, post_test):
    record_disclosures_shown(learner, module=post_test.module)
    attempt = start_attempt(learner, post_test=post_test)
    return submit_attempt(attempt, answers=answers_for(attempt))


def evaluate(learner, module, **overrides):
    fields = {
        "objective_ratings": {o.pk: 5 for o in module.objectives.all()},
        "free_of_commercial_bias": True,
        "bias_comment": "",
        "relevance": 5,
        "overall_quality": 4,
        "commitment_to_change": "Monitor the first three doses closely.",
        **overrides,
    }
    return submit_evaluation(learner, module=module, **fields)


def claim(learner, module, amount="0.25"):
    return claim_credit(
        learner,
        module=module,
        credit_type=module.credits.get().credit_type,
        amount=amount,
        attested=True,
    )


@pytest.fixture
def post_test(db):
    return post_test_with_questions(5)


@pytest.fixture
def module(post_test):
    return post_test.module


@pytest.fixture
def passed_learner(learner, post_test):
    pass_post_test(learner, post_test)
    return learner


@pytest.fixture
def evaluated_learner(passed_learner, module):
    evaluate(passed_learner, module)
    return passed_learner
