import pytest

from certificates.evaluations import submit_evaluation
from certificates.exceptions import AlreadyDone, NotEligible
from certificates.models import Evaluation
from tests.certificates.conftest import evaluate

pytestmark = pytest.mark.django_db


def test_a_learner_who_passed_evaluates_every_objective(passed_learner, module):
    evaluation = evaluate(passed_learner, module)

    assert evaluation.ratings.count() == module.objectives.count()
    assert evaluation.commitment_to_change == "Monitor the first three doses closely."


def test_a_learner_who_has_not_passed_cannot_evaluate(learner, module):
    with pytest.raises(NotEligible) as excinfo:
        evaluate(learner, module)

    assert str(excinfo.value) == (
        "You can evaluate this activity once you have passed its post-test."
    )


def test_every_objective_must_be_rated(passed_learner, module):
    with pytest.raises(NotEligible, match="Rate how well each learning objective was met"):
        evaluate(passed_learner, module, objective_ratings={})

    assert not Evaluation.objects.exists()


def test_saying_the_content_was_biased_needs_a_comment(passed_learner, module):
    with pytest.raises(NotEligible, match="Tell us where you saw commercial bias"):
        evaluate(passed_learner, module, free_of_commercial_bias=False, bias_comment="  ")

    evaluation = evaluate(
        passed_learner, module, free_of_commercial_bias=False, bias_comment="Brand names used."
    )
    assert evaluation.bias_comment == "Brand names used."


def test_a_second_evaluation_is_refused(passed_learner, module):
    evaluate(passed_learner, module)

    with pytest.raises(AlreadyDone, match="You have already evaluated this activity"):
        evaluate(passed_learner, module)

    assert Evaluation.objects.count() == 1


def test_submit_evaluation_requires_keyword_arguments():
    with pytest.raises(TypeError):
        submit_evaluation(None, None)
