"""The learner's evaluation of an activity, which accredited CME requires before a claim."""

from django.db import IntegrityError, transaction

from accounts.models import User
from certificates.exceptions import AlreadyDone, NotEligible
from certificates.models import Evaluation, ObjectiveRating
from courses.models import Module
from quizzes.models import Attempt


def has_passed(learner: User, module: Module) -> bool:
    return Attempt.objects.filter(learner=learner, post_test__module=module, passed=True).exists()


def has_evaluated(learner: User, module: Module) -> bool:
    return Evaluation.objects.filter(learner=learner, module=module).exists()


@transaction.atomic
def submit_evaluation(
    learner: User,
    *,
    module: Module,
    objective_ratings: dict[int, int],
    free_of_commercial_bias: bool,
    bias_comment: str,
    relevance: int,
    overall_quality: int,
    commitment_to_change: str = "",
) -> Evaluation:
    """Record the learner's one evaluation of a module they passed. Every objective is
    rated; a "no" to freedom from commercial bias needs a comment."""
    if not has_passed(learner, module):
        raise NotEligible("You can evaluate this activity once you have passed its post-test.")
    objective_ids = set(module.objectives.values_list("pk", flat=True))
    if set(objective_ratings) != objective_ids:
        raise NotEligible("Rate how well each learning objective was met.")
    bias_comment = bias_comment.strip()
    if not free_of_commercial_bias and not bias_comment:
        raise NotEligible("Tell us where you saw commercial bias.")
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                learner=learner,
                module=module,
                free_of_commercial_bias=free_of_commercial_bias,
                bias_comment=bias_comment,
                relevance=relevance,
                overall_quality=overall_quality,
                commitment_to_change=commitment_to_change.strip(),
            )
    except IntegrityError as exc:
        raise AlreadyDone("You have already evaluated this activity.") from exc
    ObjectiveRating.objects.bulk_create(
        ObjectiveRating(evaluation=evaluation, objective_id=pk, rating=rating)
        for pk, rating in objective_ratings.items()
    )
    return evaluation
