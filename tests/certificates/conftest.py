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


def claim(learner, module, amount="0.25"):
    return claim_credit(
        learner,
        module=module,
        credit_type=module.credits.get().credit_type,
        amount=amount,
        attested=True,
    )


def offer_second_credit_type(module):
    """Offer the module for ABIM MOC points too (to physicians), beside its AMA PRA
    Category 1 credit; return the new credit type."""
    from courses.models import CreditType
    from tests.factories import ModuleCreditFactory

    moc = CreditType.objects.create(
        code="moc",
        name="ABIM MOC point",
        name_plural="ABIM MOC points",
        designation_template="{provider} awards up to {amount} {credit}.",
        for_designations=["MD", "DO"],
        position=5,
    )
    ModuleCreditFactory(module=module, credit_type=moc, max_credits=Decimal("0.25"))
    return moc


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
