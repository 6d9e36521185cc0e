from decimal import Decimal

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


def claim(learner, module, amount="0.25", **options):
    """The learner claims `amount` hours of the module (the AMA credit for a physician)."""
    return claim_credit(learner, module=module, hours=amount, attested=True, **options)


def offer_second_credit_type(module):
    """Designate the module for ABIM MOC points too (physicians choose them), beside its
    AMA PRA Category 1 credit; return the new designation."""
    from courses.credit_kinds import MOC_POINTS, standard_kind
    from tests.factories import ModuleCreditFactory

    return ModuleCreditFactory(
        module=module,
        credit_type=standard_kind(MOC_POINTS),
        max_credits=Decimal("0.25"),
        moc_board="ABIM",
        moc_category="MK",
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
