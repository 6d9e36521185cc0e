import pytest

from courses.disclosures import record_disclosures_shown
from tests.factories import post_test_with_questions


@pytest.fixture
def post_test(db):
    """A five-question post-test, 70% to pass, three attempts."""
    return post_test_with_questions(5)


@pytest.fixture
def ready_learner(learner, post_test):
    """A learner who has been shown the module's disclosures."""
    record_disclosures_shown(learner, module=post_test.module)
    return learner
