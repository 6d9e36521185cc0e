"""Celery tasks of the quizzes app: thin wrappers that call the domain functions.

They sit at the top of the app: nothing in quizzes imports them."""

from celery import shared_task

from quizzes import tallies

# A fold stops taking new batches after this many seconds, well within the task time limits
# (CELERY_TASK_SOFT_TIME_LIMIT), so that the next minute's fold starts on time.
FOLD_SECONDS = 40


@shared_task
def fold_graded_attempts() -> int:
    """Add the graded attempts not yet tallied to their post-tests' tallies (run by Celery
    beat every minute); returns how many. Harmless to run twice or at once: each attempt is
    folded once (quizzes.tallies.fold_graded_attempts)."""
    return tallies.fold_backlog(seconds=FOLD_SECONDS)
