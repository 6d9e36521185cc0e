"""Fault drill: the PostgreSQL connection is lost while a learner submits a post-test.

The server end of the request's own connection is really terminated (pg_terminate_backend,
as when PostgreSQL restarts or the network drops) just before one of the statements that
`submit_attempt` runs in its transaction. The learner must get a 500 page without a
traceback, the attempt must be left exactly as it was (in progress, no answers recorded,
not graded), and submitting again once the database answers must grade it.
"""

import contextlib
import logging
import time

import psycopg
import pytest
from django.db import OperationalError, connection
from django.template import TemplateDoesNotExist, loader
from django.test import Client
from django.urls import reverse
from django.views.defaults import ERROR_PAGE_TEMPLATE

from courses.disclosures import record_disclosures_shown
from quizzes.attempts import start_attempt
from quizzes.models import Attempt, AttemptQuestion, AttemptResponse, AttemptStatus
from tests.factories import UserFactory, answers_for, post_test_with_questions

pytestmark = pytest.mark.django_db(transaction=True)

# The statements of submit_attempt, in the order they run, after the locks are taken.
RECORD_ANSWERS = 'INSERT INTO "quizzes_attemptresponse"'
MARK_ITEMS = 'UPDATE "quizzes_attemptquestion"'
STORE_GRADE = 'UPDATE "quizzes_attempt"'


def terminate_backend(backend_pid: int, *, timeout: float = 5) -> None:
    """End a PostgreSQL server process from another connection and wait until it is gone."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname=settings["NAME"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
        deadline = time.monotonic() + timeout
        while admin.execute(
            "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend_pid]
        ).fetchone():
            if time.monotonic() > deadline:
                raise AssertionError(f"backend {backend_pid} still alive after {timeout} s")
            time.sleep(0.02)


@contextlib.contextmanager
def connection_lost_before(statement: str):
    """Within the block, the first SQL statement starting with `statement` finds its
    connection terminated by the server. Yields the list of statements that hit it."""
    hit = []

    def drop_connection(execute, sql, params, many, context):
        if not hit and sql.startswith(statement):
            hit.append(sql)
            terminate_backend(context["connection"].connection.info.backend_pid)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(drop_connection):
        yield hit


@pytest.fixture
def attempt():
    post_test = post_test_with_questions(5)
    learner = UserFactory()
    record_disclosures_shown(learner, module=post_test.module)
    return start_attempt(learner, post_test=post_test)


def form_data(attempt) -> dict[str, str]:
    return {f"item-{item}": str(choices[0]) for item, choices in answers_for(attempt).items()}


def assert_friendly_error_page(response) -> None:
    assert response.status_code == 500
    body = response.content.decode()
    for leak in ("Traceback", "OperationalError", "quizzes_attempt", "terminating connection"):
        assert leak not in body
    try:
        page = loader.get_template("500.html").render()
    except TemplateDoesNotExist:  # the site's own page is not there yet: Django's bare one
        page = ERROR_PAGE_TEMPLATE % {"title": "Server Error (500)", "details": ""}
    assert body == page


@pytest.mark.parametrize("statement", [RECORD_ANSWERS, MARK_ITEMS, STORE_GRADE])
def test_a_submit_that_loses_the_database_changes_nothing_and_a_retry_grades_it(
    attempt, statement, caplog
):
    client = Client(raise_request_exception=False)
    client.force_login(attempt.learner)
    url = reverse("quizzes:attempt", args=[attempt.pk])

    with (
        caplog.at_level(logging.ERROR, logger="django.request"),
        connection_lost_before(statement) as hit,
    ):
        response = client.post(url, form_data(attempt))

    assert len(hit) == 1, f"no statement starting with {statement!r} ran"
    assert_friendly_error_page(response)
    logged = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert [r.exc_info[0] for r in logged] == [OperationalError]
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert (attempt.score, attempt.passed, attempt.graded_at) == (None, None, None)
    assert not AttemptResponse.objects.filter(item__attempt=attempt).exists()
    assert not AttemptQuestion.objects.filter(attempt=attempt, is_correct=True).exists()

    retry = client.post(url, form_data(attempt))

    assert retry.status_code == 302
    assert retry.url == reverse("quizzes:result", args=[attempt.pk])
    graded = Attempt.objects.get(pk=attempt.pk)
    assert (graded.status, graded.score, graded.passed) == (AttemptStatus.GRADED, 100, True)
    assert AttemptResponse.objects.filter(item__attempt=attempt).count() == 5
    assert Attempt.objects.filter(learner=attempt.learner).count() == 1
